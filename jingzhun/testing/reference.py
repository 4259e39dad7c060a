"""Re-load the reference data of the data migrations when a transactional test flushed it."""

from __future__ import annotations

import importlib

from django.apps import apps

from jingzhun.areas.models import Area
from jingzhun.policy.models import PolicyParameter
from jingzhun.registry import codelists
from jingzhun.registry.models import CodeItem
from jingzhun.workflow.models import Procedure

_LOADERS = (
    (Area, "jingzhun.areas.migrations.0002_load_reference_counties"),
    (CodeItem, "jingzhun.registry.migrations.0002_load_code_lists"),
    (PolicyParameter, "jingzhun.policy.migrations.0002_load_national_defaults"),
    (Procedure, "jingzhun.workflow.migrations.0002_load_procedure_presets"),
)


def ensure_reference_data() -> None:
    """Areas, code lists, policy defaults and procedure presets exist after this, whatever ran before."""
    for model, module_name in _LOADERS:
        if not model.objects.exists():
            importlib.import_module(module_name).load(apps, None)
    codelists.clear_cache()
