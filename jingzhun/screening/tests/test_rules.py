"""Every rule of the catalogue hits its case and misses the case just beside it (DuckDB)."""

from __future__ import annotations

import pytest

from jingzhun.screening import catalogue
from jingzhun.screening.catalogue.base import Severity
from jingzhun.screening.engines import open_engine
from jingzhun.screening.explain import sentence, values_of
from jingzhun.screening.runner import run_catalogue
from jingzhun.screening.tests import builders
from jingzhun.screening.tests.cases import all_cases

CASES = all_cases()


def _hits(snapshot, rule):
    engine = open_engine("duckdb", threads=1)
    try:
        return run_catalogue(snapshot, [rule], engine).hits.to_pylist()
    finally:
        engine.close()


def test_every_rule_has_a_case():
    missing = [r.id for r in catalogue.RULES if r.id not in CASES]
    assert missing == []


def test_catalogue_has_at_least_80_data_quality_rules():
    assert len([r for r in catalogue.RULES if r.group.startswith("quality.")]) >= 80


@pytest.mark.parametrize("rule", catalogue.RULES, ids=lambda r: r.id)
def test_rule_hits_and_just_misses(rule):
    case = CASES[rule.id]
    hits = _hits(case.hit(), rule)
    assert hits, f"{rule.id} should hit its case"
    for hit in hits:
        values = values_of(rule, hit)
        for language in ("zh-hans", "en"):
            text = sentence(rule, values, language)
            assert "{" not in text and text.strip()
    assert _hits(case.miss(), rule) == [], f"{rule.id} should miss the case beside it"


def test_clean_household_breaks_no_data_quality_rule():
    snapshot = builders.snapshot(builders.household())
    rules = [r for r in catalogue.select(year=builders.YEAR) if r.group.startswith("quality.")
             and r.severity != Severity.INFO]
    engine = open_engine("duckdb", threads=1)
    try:
        hits = run_catalogue(snapshot, rules, engine).hits
    finally:
        engine.close()
    assert hits.column("rule_id").to_pylist() == []
