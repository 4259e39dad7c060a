"""Data migrations load their reference data and can be reversed and re-applied."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_code_lists_and_policy_defaults_reverse_and_reapply():
    latest = [("registry", "0002_load_code_lists"), ("policy", "0002_load_national_defaults")]
    old_apps = _migrate([("registry", "0001_initial"), ("policy", "0001_initial")])
    assert old_apps.get_model("registry", "CodeList").objects.count() == 0
    assert old_apps.get_model("policy", "PolicyParameter").objects.count() == 0
    new_apps = _migrate(latest)
    assert new_apps.get_model("registry", "CodeItem").objects.filter(code_list_id="poverty_cause").count() == 12
    assert new_apps.get_model("policy", "PolicyParameter").objects.filter(kind="poverty_line").count() == 11
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
