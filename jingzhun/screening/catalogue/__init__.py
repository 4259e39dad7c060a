"""The rule catalogue: every rule of every module below, checked once at import.

Modules by group: ``eligibility`` (identification), ``exclusion`` (不得识别, needing department
data), ``exit`` (household, village, county), ``monitoring`` (return-to-poverty risk and risk
elimination) and the data-quality groups of domain §4 (``quality_identity`` … ``quality_land``).
A module declares ``RULES`` and, when its rules need a member aggregate the feature tables lack,
``MEMBER_AGGREGATES``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from jingzhun.policy.registry import DeclaredParameter, register_parameter
from jingzhun.screening.catalogue.base import (
    DATA_SOURCES,
    GROUPS,
    NUMBER_SLOTS,
    POPULATIONS,
    TEXT_SLOTS,
    Rule,
    Scope,
    group_matches,
)
from jingzhun.screening.features import MEMBER_AGGREGATES, Aggregate

MODULES = (
    "thresholds", "eligibility", "exclusion", "exit", "monitoring",
    "quality_identity", "quality_required", "quality_causes", "quality_assistance", "quality_labour",
    "quality_income", "quality_education", "quality_guarantees", "quality_process", "quality_land",
)


class CatalogueError(Exception):
    pass


def _load() -> tuple[tuple[Rule, ...], tuple[Aggregate, ...], tuple[DeclaredParameter, ...]]:
    rules: list[Rule] = []
    aggregates: list[Aggregate] = list(MEMBER_AGGREGATES)
    thresholds: list[DeclaredParameter] = []
    for module_name in MODULES:
        try:
            module = importlib.import_module(f"jingzhun.screening.catalogue.{module_name}")
        except ModuleNotFoundError as error:
            if error.name == f"jingzhun.screening.catalogue.{module_name}":
                continue
            raise
        rules.extend(getattr(module, "RULES", ()))
        aggregates.extend(getattr(module, "MEMBER_AGGREGATES", ()))
        thresholds.extend(getattr(module, "THRESHOLDS", ()))
    _check(rules, aggregates)
    for parameter in thresholds:
        register_parameter(parameter)
    return tuple(rules), tuple(aggregates), tuple(thresholds)


def _check(rules: list[Rule], aggregates: list[Aggregate]) -> None:
    seen: set[str] = set()
    names = [a.name for a in aggregates]
    if len(names) != len(set(names)):
        raise CatalogueError(f"member aggregates declared twice: {sorted({n for n in names if names.count(n) > 1})}")
    for rule in rules:
        if rule.id in seen:
            raise CatalogueError(f"rule id {rule.id} declared twice")
        seen.add(rule.id)
        if rule.group not in GROUPS:
            raise CatalogueError(f"{rule.id}: unknown group {rule.group}")
        for key in rule.population:
            if key not in POPULATIONS:
                raise CatalogueError(f"{rule.id}: unknown population {key}")
        for need in rule.needs:
            if need not in DATA_SOURCES:
                raise CatalogueError(f"{rule.id}: unknown data source {need}")
        value_names = {v.name for v in rule.values}
        missing = rule.placeholders() - value_names
        if missing:
            raise CatalogueError(f"{rule.id}: message uses {sorted(missing)} which are not among its values")
        numeric = [v for v in rule.values if v.numeric]
        if len(numeric) > NUMBER_SLOTS or len(rule.values) - len(numeric) > TEXT_SLOTS:
            raise CatalogueError(f"{rule.id}: too many values ({NUMBER_SLOTS} numbers, {TEXT_SLOTS} texts at most)")


RULES, AGGREGATES, THRESHOLDS = _load()
RULES_BY_ID = {r.id: r for r in RULES}


def select(*, year: int, area_code: str | None = None, groups: Iterable[str] = (), rule_ids: Iterable[str] = (),
           available_data: Iterable[str] = ()) -> list[Rule]:
    """Rules valid for ``year`` (and the area), of the ``groups`` or ``rule_ids`` asked for (all when
    neither), without those needing department data that is not ``available_data``."""
    groups, rule_ids, available = list(groups), set(rule_ids), set(available_data)
    chosen = []
    for rule in RULES:
        if rule_ids and rule.id not in rule_ids:
            continue
        if groups and not any(group_matches(rule.group, g) for g in groups):
            continue
        if not rule.valid_for(year, area_code):
            continue
        if any(need not in available for need in rule.needs):
            continue
        chosen.append(rule)
    return chosen


def disabled_for_lack_of_data(available_data: Iterable[str] = ()) -> list[Rule]:
    available = set(available_data)
    return [r for r in RULES if any(need not in available for need in r.needs)]


__all__ = ["RULES", "RULES_BY_ID", "AGGREGATES", "Rule", "Scope", "select", "disabled_for_lack_of_data"]
