"""Assistance through the REST API: the same rules and scopes as the pages."""

import pytest

from jingzhun.api.tests.conftest import Api
from jingzhun.assistance import services
from jingzhun.assistance.models import Measure
from jingzhun.assistance.tests.factories import cadre, unit
from jingzhun.testing.personas import VILLAGE_A
from jingzhun.workflow.tests.factories import households

pytestmark = pytest.mark.django_db


def test_checks_and_a_households_plan_through_the_api_and_outsiders_see_nothing(personas):
    (home,) = households(personas.village_officer, 1, year_data={"status": "poor", "main_cause": "1"})
    helper = cadre(personas.county_officer, unit(personas.county_officer))
    services.pairing_assign(actor=personas.county_officer, household_id=home.pk, cadre_id=helper.pk)
    village = Api("village_a")
    added = village.send("post", f"/assistance/households/{home.pk}/measures",
                         {"year": 2024, "kind": "education", "content": "雨露计划", "amount": "3000"})
    assert added.status_code == 201, added.content
    assert "因病" in added.json()["misfit"]
    bad = village.send("post", f"/assistance/households/{home.pk}/measures",
                       {"year": 2024, "kind": "health", "content": "医保补贴", "amount": "1.234"})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "amount"
    detail = Api("auditor").get(f"/assistance/households/{home.pk}", year=2024).json()
    assert detail["cadre"]["name"] == helper.name and detail["cadre"]["phone"] == helper.phone
    assert [m["kind"] for m in detail["measures"]] == ["education"]
    assert any("因病" in gap for gap in detail["gaps"])
    masked = Api("evaluator").get(f"/assistance/households/{home.pk}", year=2024).json()
    assert masked["cadre"]["phone"] != helper.phone
    checks = Api("county").get("/assistance/checks", year=2024).json()
    people = {c["village_code"]: c["people"] for c in checks}[VILLAGE_A]
    assert people["status"] == "failed" and people["counts"]["without_cadre"] == 0  # paired, but not visited yet
    assert people["counts"]["not_visited"] == 1

    outsider = Api("other_county")
    assert outsider.get(f"/assistance/households/{home.pk}", year=2024).status_code == 404
    assert outsider.send("post", f"/assistance/households/{home.pk}/measures",
                         {"year": 2024, "kind": "health", "content": "x"}).status_code == 404
    assert outsider.get("/assistance/checks", year=2024, area=VILLAGE_A).status_code == 404
    assert VILLAGE_A not in {c["village_code"] for c in outsider.get("/assistance/checks", year=2024).json()}
    assert Measure.objects.count() == 1
