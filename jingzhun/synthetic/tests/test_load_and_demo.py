import pytest
from django.core.management import call_command

from jingzhun.accounts.models import User
from jingzhun.core.audit import audit_verify
from jingzhun.registry import selectors
from jingzhun.registry.bulk import BulkLoadRefused, load_generated
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear
from jingzhun.synthetic.generator import write_registry

pytestmark = pytest.mark.django_db


def test_load_generated_then_refuse_a_second_load(reference_data, tmp_path):
    write_registry(persons=1500, seed=4, out=tmp_path)
    counts = load_generated(tmp_path)
    assert counts["persons"] == Person.objects.count() == 1500
    assert Household.objects.count() == counts["households"]
    assert HouseholdYear.objects.count() == 2 * counts["households"]
    assert PersonYear.objects.count() == 3000
    head = Person.objects.filter(relation="head").select_related("household").first()
    assert head.household.head_name == head.name
    with pytest.raises(BulkLoadRefused):
        load_generated(tmp_path)
    assert Person.objects.count() == 1500
    *_, (checked, broken) = audit_verify()
    assert broken is None and checked == 1


def test_demo_builds_county_accounts_and_is_idempotent(reference_data, capsys):
    call_command("demo", persons=800)
    out = capsys.readouterr().out
    for username in ("admin", "county_officer", "township_reviewer", "village_officer", "cadre", "evaluator", "auditor"):
        assert username in out
        assert User.objects.filter(username=username).exists()
    assert "jingzhun-demo-2026" in out
    persons = Person.objects.count()
    assert persons >= 800
    call_command("demo", persons=800)
    assert Person.objects.count() == persons
    officer = User.objects.get(username="village_officer")
    visible = selectors.household_search(actor=officer)
    assert visible.exists()
    assert all(h.area_id == officer.scope.get().code for h in visible)
