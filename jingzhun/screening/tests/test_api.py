"""Screening through the REST API: start and read runs, page and filter hits, fix and exempt, a
household's hits, department lists; roles answer 403, other areas 404 exactly like missing rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingzhun.api.tests.conftest import Api
from jingzhun.registry.models import Person
from jingzhun.registry.tests.factories import member, register, valid_id
from jingzhun.screening.models import Exemption, Hit, HitStatus, ScreeningRun
from jingzhun.screening.tests.factories import load_list
from jingzhun.testing.personas import COUNTY, OTHER_COUNTY, OTHER_VILLAGE, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db
MISSING = 99_999_999


@pytest.fixture
def registry(personas):
    """(a) in village A, (b) in village B of the same county, (other) in the other county."""
    a = register(personas.village_officer)
    b = register(personas.village_officer_b, area_code=VILLAGE_B, members=[member("head", "1", name="张三")])
    other = register(personas.other_county_officer, area_code=OTHER_VILLAGE, members=[member("head", "2", name="张三妹")])
    return a, b, other


def _start(api: Api, area: str = COUNTY, groups: tuple[str, ...] = ("quality",)) -> int:
    response = api.send("post", "/screening/runs", {"year": 2024, "area": area, "groups": list(groups)})
    assert response.status_code == 202, response.content
    return response.json()["id"]


def test_start_and_read_a_run(registry):
    a, b, other = registry
    county = Api("county")
    response = county.send("post", "/screening/runs", {"year": 2024, "area": COUNTY, "groups": ["quality"]})
    assert response.status_code == 202
    started = response.json()
    run = ScreeningRun.objects.get(pk=started["id"])
    assert started["status"]["code"] == run.status == "done"  # tests run jobs in the calling thread
    assert run.started_by.username == "county"

    detail = county.get(f"/screening/runs/{run.pk}").json()
    assert detail["status"] == {"code": "done", "label": "已完成"}
    assert (detail["year"], detail["area_code"], detail["groups"], detail["stale"]) == (2024, COUNTY, ["quality"], False)
    assert detail["hit_count"] == Hit.objects.filter(run=run).count() > 0
    assert detail["households"] == 2 and detail["persons"] == 4  # the other county's household is not in it
    counts = {c["rule_id"]: c for c in detail["counts"]}
    assert counts["Q42-13"]["hits"] == 2 and counts["Q42-13"]["name_zh"] and counts["Q42-13"]["name_en"]
    assert sum(c["hits"] for c in detail["counts"]) == detail["hit_count"]
    assert detail["rules_without_data"] == [] and all(r.startswith("Q") for r in detail["rule_ids"])
    english = county.client.get(f"/api/v1/screening/runs/{run.pk}", HTTP_ACCEPT_LANGUAGE="en", **county.headers)
    assert english.json()["status"]["label"] == "Done"

    listing = county.get("/screening/runs").json()
    assert listing["count"] == 1 and [r["id"] for r in listing["items"]] == [run.pk]

    hits = county.get(f"/screening/runs/{run.pk}/hits", limit=200).json()
    assert hits["count"] == detail["hit_count"]
    assert {h["household_id"] for h in hits["items"]} == {a.pk, b.pk}
    household_hit = next(h for h in hits["items"] if h["rule_id"] == "Q42-13" and h["household_id"] == a.pk)
    assert household_hit["household_number"] == a.household_number and household_hit["scope"] == "household"
    assert household_hit["status"]["code"] == "open" and household_hit["message"] == household_hit["message_zh"]
    assert "是否通生产用电" in household_hit["message_zh"] and household_hit["message_en"]
    assert household_hit["rule_name"] and household_hit["exemption"] is None

    # A run of the exclusion rules names them as off: no department list is loaded.
    exclusion = county.get(f"/screening/runs/{_start(county, groups=('exclusion',))}").json()
    assert exclusion["rule_ids"] == [] and "EXCL-02" in exclusion["rules_without_data"]


def test_hits_are_paginated_and_filtered_in_a_bounded_number_of_queries(registry):
    county = Api("county")
    run_id = _start(county)
    everything = county.get(f"/screening/runs/{run_id}/hits", limit=200).json()
    total = everything["count"]
    assert total > 5
    seen = []
    for offset in range(0, total, 2):
        page = county.get(f"/screening/runs/{run_id}/hits", limit=2, offset=offset).json()
        assert page["count"] == total and page["limit"] == 2 and page["offset"] == offset
        assert len(page["items"]) == min(2, total - offset)
        seen += [h["id"] for h in page["items"]]
    assert seen == [h["id"] for h in everything["items"]] and len(set(seen)) == total

    by_rule = county.get(f"/screening/runs/{run_id}/hits", rule="Q42-13").json()
    assert by_rule["count"] == 2 and {h["rule_id"] for h in by_rule["items"]} == {"Q42-13"}
    in_b = county.get(f"/screening/runs/{run_id}/hits", area=VILLAGE_B, limit=200).json()
    assert in_b["count"] > 0 and {h["area_code"] for h in in_b["items"]} == {VILLAGE_B}
    assert county.get(f"/screening/runs/{run_id}/hits", area=OTHER_VILLAGE).json()["count"] == 0
    assert county.get(f"/screening/runs/{run_id}/hits", status="fixed").json()["count"] == 0
    for params, field in (({"area": "4414"}, "area"), ({"status": "done"}, "status"), ({"limit": 0}, "limit")):
        response = county.get(f"/screening/runs/{run_id}/hits", **params)
        assert response.status_code == 422
        assert [f["field"] for f in response.json()["error"]["fields"]] == [field]

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert county.get(f"/screening/runs/{run_id}/hits", limit=limit).status_code == 200
        return len(captured)

    assert queries(2) == queries(50)  # one query per page, not per hit


def test_another_county_gets_404_for_the_run_its_hits_and_fixing_or_exempting(registry):
    county = Api("county")
    run_id = _start(county)
    hit = Hit.objects.filter(run_id=run_id).first()
    other = Api("other_county")
    assert other.get("/screening/runs").json()["count"] == 0
    pairs = [
        ("get", f"/screening/runs/{run_id}", f"/screening/runs/{MISSING}", None),
        ("get", f"/screening/runs/{run_id}/hits", f"/screening/runs/{MISSING}/hits", None),
        ("get", f"/screening/hits/{hit.pk}", f"/screening/hits/{MISSING}", None),
        ("post", f"/screening/hits/{hit.pk}/fixed", f"/screening/hits/{MISSING}/fixed", {"note": "已改"}),
        ("post", f"/screening/hits/{hit.pk}/exempt", f"/screening/hits/{MISSING}/exempt", {"reason": "外县不应豁免"}),
    ]
    for method, hidden, missing, body in pairs:
        if body is None:
            out_of_scope, absent = other.get(hidden), other.get(missing)
        else:
            out_of_scope, absent = other.send(method, hidden, body), other.send(method, missing, body)
        assert out_of_scope.status_code == absent.status_code == 404, hidden
        assert out_of_scope.content == absent.content
        assert absent.json()["error"]["code"] == "not_found"
    hit.refresh_from_db()
    assert hit.status == HitStatus.OPEN and not Exemption.objects.exists()
    # Nor may it screen the county.
    response = other.send("post", "/screening/runs", {"year": 2024, "area": COUNTY, "groups": []})
    assert response.status_code == 404 and ScreeningRun.objects.count() == 1
    # Its own county is its own.
    assert other.send("post", "/screening/runs", {"year": 2024, "area": OTHER_COUNTY, "groups": ["quality"]}
                      ).status_code == 202


def test_a_village_officer_cannot_start_a_run(registry):
    response = Api("village_a").send("post", "/screening/runs", {"year": 2024, "area": VILLAGE_A, "groups": []})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not ScreeningRun.objects.exists()


def test_bad_run_input_names_the_field(registry):
    county = Api("county")
    response = county.send("post", "/screening/runs", {"year": 2024, "area": COUNTY, "groups": ["nonsense"]})
    assert response.status_code == 422 and [f["field"] for f in response.json()["error"]["fields"]] == ["groups"]
    response = county.send("post", "/screening/runs", {"year": 2024, "area": "44", "groups": []})
    assert response.status_code == 422 and [f["field"] for f in response.json()["error"]["fields"]] == ["area"]
    response = county.send("post", "/screening/runs", {"area": COUNTY})
    assert response.status_code == 422 and [f["field"] for f in response.json()["error"]["fields"]] == ["year"]
    assert not ScreeningRun.objects.exists()


def test_fix_and_exempt(registry):
    a, _b, _other = registry
    county = Api("county")
    run_id = _start(county)
    first, second = Hit.objects.filter(run_id=run_id, area_id=VILLAGE_A).order_by("pk")[:2]

    village = Api("village_a")
    fixed = village.send("post", f"/screening/hits/{first.pk}/fixed", {"note": "已补录通电情况"})
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["status"]["code"] == "fixed" and fixed.json()["note"] == "已补录通电情况"
    response = village.send("post", f"/screening/hits/{first.pk}/fixed", {"note": "  "})
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "note"
    # Reopen (the officer was wrong), then fix again.
    assert village.send("post", f"/screening/hits/{first.pk}/reopen", {}).json()["status"]["code"] == "open"

    # Exempting needs screening.exempt, which a village officer lacks.
    response = village.send("post", f"/screening/hits/{second.pk}/exempt", {"reason": "该户已核实不适用"})
    assert response.status_code == 403
    # A reason is required: missing, or blank.
    missing = county.send("post", f"/screening/hits/{second.pk}/exempt", {})
    assert missing.status_code == 422
    assert [f["field"] for f in missing.json()["error"]["fields"]] == ["reason"]
    blank = county.send("post", f"/screening/hits/{second.pk}/exempt", {"reason": " "})
    assert blank.status_code == 422
    body = blank.json()["error"]
    assert [f["field"] for f in body["fields"]] == ["reason"] and body["fields"][0]["message_zh"]
    assert not Exemption.objects.exists()

    exempt = county.send("post", f"/screening/hits/{second.pk}/exempt", {"reason": "该户已核实不适用", "year_to": 2025})
    assert exempt.status_code == 200, exempt.content
    out = exempt.json()
    assert out["status"]["code"] == "exempt"
    assert out["exemption"]["reason"] == "该户已核实不适用" and out["exemption"]["year_to"] == 2025
    assert county.get(f"/screening/hits/{second.pk}").json()["status"]["code"] == "exempt"

    # The household's hits: the same hits, and 404 for another county.
    household = county.get(f"/screening/households/{a.pk}/hits").json()
    assert {h["id"] for h in household} == set(Hit.objects.filter(household=a).values_list("pk", flat=True))
    other = Api("other_county")
    assert other.get(f"/screening/households/{a.pk}/hits").content == other.get(
        f"/screening/households/{MISSING}/hits").content
    assert other.get(f"/screening/households/{a.pk}/hits").status_code == 404


def test_id_numbers_and_phones_are_masked_for_roles_that_may_not_see_them(registry):
    a, _b, _other = registry
    county = Api("county")
    run_id = _start(county)
    head = Person.objects.get(household=a, relation="head")
    person_hits = Hit.objects.filter(run_id=run_id, scope="person", unit_key=head.id_number)
    assert person_hits.exists()

    seen = county.get(f"/screening/runs/{run_id}/hits", limit=200)
    assert head.id_number in seen.content.decode()
    evaluator = Api("evaluator")
    masked = evaluator.get(f"/screening/runs/{run_id}/hits", limit=200)
    assert masked.status_code == 200 and masked.json()["count"] == seen.json()["count"]
    assert head.id_number not in masked.content.decode()
    hit = next(h for h in masked.json()["items"] if h["id"] == person_hits.first().pk)
    assert hit["unit_key"] == head.id_number[:3] + "*" * 11 + head.id_number[-4:]


def test_department_lists_are_listed_for_the_areas_they_cover(registry, personas, tmp_path):
    load_list(personas.county_officer, tmp_path, [valid_id(), valid_id()])
    lists = Api("county").get("/screening/department-lists").json()
    assert [(x["source"], x["area_code"], x["year"], x["row_count"]) for x in lists] == [("vehicles", COUNTY, 2024, 2)]
    assert lists[0]["loaded_by"] == "county" and lists[0]["source_name_zh"]
    assert Api("village_a").get("/screening/department-lists").json()[0]["area_code"] == COUNTY  # above the village
    assert Api("other_county").get("/screening/department-lists").json() == []
    assert Api("county").get("/screening/department-lists", year=2023).json() == []


def test_openapi_documents_the_screening_paths(personas):
    from django.test import Client

    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    expected = {"/runs", "/runs/{run_id}", "/runs/{run_id}/hits", "/hits/{hit_id}", "/hits/{hit_id}/fixed",
                "/hits/{hit_id}/exempt", "/hits/{hit_id}/reopen", "/households/{household_id}/hits",
                "/department-lists"}
    assert {f"/api/v1/screening{p}" for p in expected} <= set(paths)
    assert "202" in paths["/api/v1/screening/runs"]["post"]["responses"]
