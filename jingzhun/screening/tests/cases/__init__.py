"""Test cases of the rule catalogue: for every rule, a snapshot it hits and one it just misses.

Each module here mirrors a catalogue module and declares ``CASES = {rule_id: Case(hit=..., miss=...)}``
where ``hit`` and ``miss`` build a Snapshot (``tests.builders``). "Just misses" means the smallest
change that takes the unit out of the rule: the income one yuan above the line, the child one year
too old, the field filled in.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from jingzhun.screening.snapshot import Snapshot

MODULES = (
    "eligibility", "exclusion", "exit", "monitoring",
    "quality_identity", "quality_required", "quality_causes", "quality_assistance", "quality_labour",
    "quality_income", "quality_education", "quality_guarantees", "quality_process", "quality_land",
)


@dataclass(frozen=True)
class Case:
    hit: Callable[[], Snapshot]
    miss: Callable[[], Snapshot]
    available_data: tuple[str, ...] = ()  # department data the rule needs, present in the case


def all_cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for name in MODULES:
        try:
            module = importlib.import_module(f"jingzhun.screening.tests.cases.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"jingzhun.screening.tests.cases.{name}":
                continue
            raise
        cases.update(module.CASES)
    return cases
