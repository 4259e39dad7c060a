"""Screening on the database: runs store explained hits, replace the previous ones, keep fixes and
exemptions, and respect roles and areas."""

from __future__ import annotations

import pytest

from jingzhun.core.exceptions import ActionForbidden, NotFound, ValidationFailed
from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import Household
from jingzhun.screening import catalogue, selectors
from jingzhun.screening.engines import open_engine
from jingzhun.screening.export import snapshot_from_database
from jingzhun.screening.models import Exemption, Hit, HitStatus, RunStatus
from jingzhun.screening.runner import run_catalogue
from jingzhun.screening.services import hit_exempt, hit_mark_fixed, screening_execute, screening_start
from jingzhun.testing.personas import COUNTY, OTHER_COUNTY

pytestmark = pytest.mark.django_db


def _run(actor, **kwargs):
    run = screening_start(actor=actor, year=2024, area_code=COUNTY, **kwargs)
    return screening_execute(run.pk)


def test_run_stores_every_hit_explained_and_matches_the_engine(loaded):
    run = _run(loaded.county_officer)
    assert run.status == RunStatus.DONE
    assert run.persons == 600 and run.households > 150
    snapshot, _ = snapshot_from_database(year=2024, area_code=COUNTY)
    engine = open_engine("duckdb")
    expected = run_catalogue(snapshot, catalogue.select(year=2024, area_code=COUNTY), engine).counts()
    engine.close()
    stored = Hit.objects.filter(run=run)
    assert stored.count() == run.hit_count == sum(expected.values()) > 0
    assert {k: v for k, v in run.counts.items() if v} == {k: v for k, v in expected.items() if v}
    hit = stored.filter(rule_id="MON-01").select_related("household").first()
    assert hit is not None and hit.household is not None
    assert "低于 2024 年监测范围 6,000 元" in hit.message_zh
    assert "below the 2024 monitoring line of 6,000 yuan" in hit.message_en
    assert hit.values["line"] == 6000.0 and hit.values["pc"] < 6000
    # Rules needing department data stay off and are named.
    assert "EXCL-01" in run.rules_without_data and "EXCL-01" not in run.rule_ids
    assert AuditEvent.objects.filter(action="screening.run.finished", target_id=str(run.pk)).exists()


def test_second_run_replaces_hits_and_keeps_fixes_and_exemptions(loaded):
    first = _run(loaded.county_officer)
    hits = list(Hit.objects.filter(run=first, rule_id="MON-01").order_by("unit_key")[:2])
    assert len(hits) == 2
    fixed = hit_mark_fixed(actor=loaded.county_officer, hit_id=hits[0].pk, note="收入已重新核实")
    assert fixed.status == HitStatus.FIXED
    exemption = hit_exempt(actor=loaded.county_officer, hit_id=hits[1].pk, reason="在外务工收入已另行核实")
    assert exemption.rule_id == "MON-01"

    second = _run(loaded.county_officer)
    assert Hit.objects.filter(run=first).count() == 0  # replaced, not piled up
    assert Hit.objects.filter(year=2024).count() == second.hit_count
    again = Hit.objects.get(run=second, rule_id="MON-01", unit_key=hits[0].unit_key)
    assert again.status == HitStatus.OPEN and again.reopened and again.note == "收入已重新核实"
    exempt = Hit.objects.get(run=second, rule_id="MON-01", unit_key=hits[1].unit_key)
    assert exempt.status == HitStatus.EXEMPT and exempt.exemption_id == exemption.pk


def test_running_only_one_group_leaves_other_groups_hits(loaded):
    _run(loaded.county_officer)
    quality = Hit.objects.filter(group__startswith="quality.").count()
    run = _run(loaded.county_officer, groups=["monitoring"])
    assert all(r.startswith("MON-") for r in run.rule_ids)
    assert Hit.objects.filter(group__startswith="quality.").count() == quality


def test_roles_and_areas(loaded):
    with pytest.raises(ActionForbidden):
        screening_start(actor=loaded.village_officer, year=2024, area_code=COUNTY)
    with pytest.raises(NotFound):
        screening_start(actor=loaded.other_county_officer, year=2024, area_code=COUNTY)
    with pytest.raises(ValidationFailed):
        screening_start(actor=loaded.county_officer, year=2024, area_code=COUNTY, groups=["nonsense"])
    _run(loaded.county_officer)
    hit = Hit.objects.filter(rule_id="MON-01").first()
    with pytest.raises(NotFound):
        hit_mark_fixed(actor=loaded.other_county_officer, hit_id=hit.pk, note="x")
    with pytest.raises(ActionForbidden):
        hit_exempt(actor=loaded.village_officer, hit_id=hit.pk, reason="no right to exempt")
    with pytest.raises(ValidationFailed):
        hit_mark_fixed(actor=loaded.county_officer, hit_id=hit.pk, note="  ")
    assert selectors.rule_counts(actor=loaded.other_county_officer, year=2024, area_code=OTHER_COUNTY) == []
    assert selectors.household_hits(actor=loaded.other_county_officer, household_id=hit.household_id) == []
    assert selectors.household_hits(actor=loaded.county_officer, household_id=hit.household_id)
    assert not Exemption.objects.exists()


def test_failed_run_keeps_previous_hits(loaded, monkeypatch):
    _run(loaded.county_officer)
    before = Hit.objects.count()
    run = screening_start(actor=loaded.county_officer, year=2024, area_code=COUNTY)

    def broken(*args, **kwargs):
        raise RuntimeError("engine died")

    monkeypatch.setattr("jingzhun.screening.services.run_catalogue", broken)
    with pytest.raises(RuntimeError):
        screening_execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "engine died" in run.error
    assert Hit.objects.count() == before


def test_counts_by_area_drill_down(loaded):
    _run(loaded.county_officer)
    rows = selectors.rule_counts_by_area(actor=loaded.county_officer, year=2024, rule_id="MON-01", area_code=COUNTY)
    assert rows and all(len(r["code"]) == 12 and r["code"].endswith("000") for r in rows)
    assert sum(r["open"] for r in rows) == Hit.objects.filter(rule_id="MON-01", status="open").count()
    household = Household.objects.filter(screening_hits__rule_id="MON-01").first()
    assert household is not None
