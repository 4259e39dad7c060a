"""The shipped procedure presets (``presets.json``, domain §2) and their loader.

``load_presets`` works on historical models too (it is called by a data migration) and leaves an
existing definition alone, so an administrator's edits survive a re-run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PRESETS_FILE = Path(__file__).with_name("presets.json")
PROCEDURE_FIELDS = ("name_zh", "name_en", "subject", "effect", "time_limit_days", "time_limit_param",
                    "time_limit_working_days", "description", "source")


def presets() -> list[dict[str, Any]]:
    return json.loads(PRESETS_FILE.read_text(encoding="utf-8"))["procedures"]


def load_presets(procedure_model: Any, step_model: Any) -> int:
    """Create the national presets that do not exist yet; returns how many were created."""
    created = 0
    for spec in presets():
        if procedure_model.objects.filter(key=spec["key"], region__isnull=True, from_year=spec["from_year"]).exists():
            continue
        procedure = procedure_model.objects.create(
            key=spec["key"], from_year=spec["from_year"], region=None,
            **{k: spec[k] for k in PROCEDURE_FIELDS if k in spec},
        )
        step_model.objects.bulk_create([step_model(procedure=procedure, **step) for step in spec["steps"]])
        created += 1
    return created
