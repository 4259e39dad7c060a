"""Households, members and yearly records through the API: create, read, change, conflicts,
permissions, list filters and pagination, query counts, exports, OpenAPI and the error format."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from jingzhun.api.tests.conftest import PREFIX, Api
from jingzhun.api.tests.test_validation import create_body
from jingzhun.core.models import AuditEvent
from jingzhun.registry import services
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear
from jingzhun.registry.tests.factories import register, valid_id

pytestmark = pytest.mark.django_db


def test_create_household_returns_201_with_members_and_year(personas):
    api = Api("village_a")
    response = api.send("post", "/households", create_body(group_name="三组"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["head_name"] == "王一" and body["group_name"] == "三组" and body["member_count"] == 2
    assert [m["relation"]["code"] for m in body["members"]] == ["head", "spouse"]
    assert body["members"][1]["sex"] == {"code": "2", "label": "女"}  # taken from the ID number
    year = body["years"][0]
    assert year["year"] == 2024 and year["status"]["code"] == "poor" and year["labels"]["status"] == year["status"]["label"]
    assert body["status"]["code"] == "poor" and body["status_year"] == 2024
    assert Household.objects.get(pk=body["id"]).area_id == body["area_code"]
    assert AuditEvent.objects.filter(action="registry.household.registered", actor_username="village_a").exists()
    assert api.get("/households").json()["count"] == 1


def test_labels_follow_the_request_language(personas, households):
    a, *_ = households
    api = Api("village_a")
    en = api.client.get(f"{PREFIX}/households/{a.pk}", HTTP_ACCEPT_LANGUAGE="en", **api.headers).json()
    zh = api.get(f"/households/{a.pk}").json()
    assert zh["members"][0]["relation"]["label"] == "户主"
    assert en["members"][0]["relation"]["label"] not in ("", "户主")
    missing = api.client.get(f"{PREFIX}/households/99999999", HTTP_ACCEPT_LANGUAGE="en", **api.headers).json()["error"]
    assert missing["message"] == missing["message_en"]


def test_roles_without_edit_get_403_and_nothing_changes(personas, households):
    a, *_ = households
    head = Person.objects.get(household=a, relation="head")
    for username in ("evaluator", "cadre", "auditor"):
        api = Api(username)
        attempts = [
            api.send("post", "/households", create_body()),
            api.send("patch", f"/households/{a.pk}", {"version": a.version, "phone": "13900000000"}),
            api.send("post", f"/households/{a.pk}/members",
                     {"version": a.version, "name": "新人", "relation": "son", "id_number": valid_id(dt.date(2012, 1, 1))}),
            api.send("patch", f"/members/{head.pk}", {"version": a.version, "name": "改名"}),
            api.send("put", f"/households/{a.pk}/years/2025", {"version": a.version, "data": {"status": "exited"}}),
            api.send("put", f"/members/{head.pk}/years/2025", {"version": a.version, "data": {"health": "healthy"}}),
        ]
        for response in attempts:
            assert response.status_code == 403, (username, response.content)
            assert response.json()["error"]["code"] == "forbidden"
    household = Household.objects.get(pk=a.pk)
    assert (household.version, household.phone, Household.objects.count()) == (a.version, "13800138000", 3)
    assert Person.objects.get(pk=head.pk).name == head.name and not PersonYear.objects.exists()


def test_stale_version_is_409_with_the_other_change_and_nothing_overwritten(personas, households):
    a, *_ = households
    api = Api("village_a")
    loaded = api.get(f"/households/{a.pk}").json()["version"]
    services.household_update(actor=personas.county_officer, household_id=a.pk, expected_version=loaded,
                              changes={"address": "新地址 1 号"})
    response = api.send("patch", f"/households/{a.pk}", {"version": loaded, "address": "我的地址", "phone": "13900000000"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict" and error["current_version"] == loaded + 1
    assert any(c["by"] == "county" and c["after"].get("address") == "新地址 1 号" for c in error["changes"])
    household = Household.objects.get(pk=a.pk)
    assert household.phone == "13800138000" and household.address == "新地址 1 号" and household.version == loaded + 1
    retry = api.send("patch", f"/households/{a.pk}", {"version": error["current_version"], "phone": "13900000000"})
    assert retry.status_code == 200 and retry.json()["phone"] == "13900000000" and retry.json()["address"] == "新地址 1 号"


def test_stale_version_on_a_member_is_409(personas, households):
    a, *_ = households
    head = Person.objects.get(household=a, relation="head")
    county, village = Api("county"), Api("village_a")
    loaded = village.get(f"/members/{head.pk}").json()["household_version"]
    assert county.send("patch", f"/members/{head.pk}", {"version": loaded, "phone": "13711112222"}).status_code == 200
    response = village.send("patch", f"/members/{head.pk}", {"version": loaded, "name": "张三风"})
    assert response.status_code == 409
    assert any(c["by"] == "county" and c["after"].get("phone") == "13711112222" for c in response.json()["error"]["changes"])
    head.refresh_from_db()
    assert head.name == "张三丰" and head.phone == "13711112222"


def test_members_and_yearly_records(personas, households):
    a, *_ = households
    api = Api("village_a")
    version = api.get(f"/households/{a.pk}").json()["version"]
    added = api.send("post", f"/households/{a.pk}/members",
                     {"version": version, "name": "张小花", "relation": "daughter", "id_number": valid_id(dt.date(2012, 5, 1), "2")})
    assert added.status_code == 201, added.content
    person_id = added.json()["id"]
    version = added.json()["household_version"]
    assert version == a.version + 1
    changed = api.send("patch", f"/members/{person_id}", {"version": version, "name": "张小华", "phone": "13600001111"})
    assert changed.status_code == 200 and changed.json()["name"] == "张小华"
    version = changed.json()["household_version"]
    year = api.send("put", f"/households/{a.pk}/years/2025",
                    {"version": version, "data": {"status": "exited", "main_cause": "1", "wage_income": "30000"}})
    assert year.status_code == 200, year.content
    assert year.json()["status"]["code"] == "exited" and year.json()["total_income"] == "30000.00"
    version += 1
    person_year = api.send("put", f"/members/{person_id}/years/2025",
                           {"version": version, "data": {"school_status": "primary", "health": "healthy"}})
    assert person_year.status_code == 200 and person_year.json()["data"]["school_status"] == "primary"
    assert person_year.json()["labels"]["school_status"]
    member = api.get(f"/members/{person_id}").json()
    assert member["years"][0]["year"] == 2025 and member["household_version"] == version + 1
    listed = api.get(f"/households/{a.pk}/members").json()
    assert len(listed) == 3 and {m["name"] for m in listed} >= {"张小华"}
    detail = api.get(f"/households/{a.pk}").json()
    assert [y["year"] for y in detail["years"]] == [2025, 2024] and detail["status"]["code"] == "exited"
    # Health is personal data: masked for evaluators, as in exports.
    masked = Api("evaluator").get(f"/members/{person_id}").json()["years"][0]
    assert masked["data"]["health"] == "***" and masked["data"]["school_status"] == "primary"


def test_unknown_year_fields_are_refused(personas, households):
    a, *_ = households
    response = Api("village_a").send("put", f"/households/{a.pk}/years/2025",
                                     {"version": a.version, "data": {"status": "poor", "per_capita_net_income": "1"}})
    assert response.status_code == 422
    fields = [(f["field"], f["code"]) for f in response.json()["error"]["fields"]]
    assert fields == [("data.per_capita_net_income", "extra_forbidden")]  # derived, never sent
    assert not HouseholdYear.objects.filter(household=a, year=2025).exists()


def test_list_filters_and_pagination(personas, households):
    a, b, _other = households
    services.household_year_save(actor=personas.county_officer, household_id=b.pk, year=2024, expected_version=None,
                                 data={"status": "exited"})
    api = Api("county")
    assert {h["id"] for h in api.get("/households", status="poor", year=2024).json()["items"]} == {a.pk}
    assert {h["id"] for h in api.get("/households", status="exited").json()["items"]} == {b.pk}  # latest year
    assert api.get("/households", status="poor", year=2023).json()["count"] == 0
    assert [h["id"] for h in api.get("/households", q="张三丰").json()["items"]] == [a.pk]
    assert api.get("/households", q=a.household_number).json()["items"][0]["id"] == a.pk
    head = Person.objects.get(household=a, relation="head")
    assert api.get("/households", q=head.id_number).json()["items"][0]["id"] == a.pk
    first = api.get("/households", limit=1).json()
    second = api.get("/households", limit=1, offset=1).json()
    assert first["count"] == second["count"] == 2 and len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["id"] != second["items"][0]["id"]
    assert api.get("/households", limit=1, offset=5).json()["items"] == []


def test_list_does_not_query_per_row(personas, django_assert_max_num_queries):
    api = Api("county")
    api.get("/households")  # warm up (token last-used stamp, code-list cache)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/households", limit=50).status_code == 200
        return len(captured)

    register(personas.village_officer)
    few = queries_for_list()
    for _ in range(12):
        register(personas.village_officer)
    assert queries_for_list() == few
    with django_assert_max_num_queries(7):
        response = api.get("/households", limit=50)
    assert response.json()["count"] == 13 and len(response.json()["items"]) == 13


def test_detail_queries_do_not_grow_with_members(personas, django_assert_max_num_queries):
    from jingzhun.registry.tests.factories import member

    small = register(personas.village_officer, members=[member("head", "1")])
    large = register(personas.village_officer, members=[member("head", "1")] + [
        member("son", "1", dt.date(2000 + i, 1, 1), name=f"子{i}") for i in range(8)])
    api = Api("county")
    api.get(f"/households/{small.pk}")
    with CaptureQueriesContext(connection) as few:
        api.get(f"/households/{small.pk}")
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(f"/households/{large.pk}").json()["members"]) == 9
    assert len(many) == len(few)


def test_export_neutralises_formulas(personas):
    register(personas.village_officer, group_name='=HYPERLINK("http://x")', natural_village="+1+1",
             address="-2+3", bank_name="@SUM(A1)")
    text = Api("county").export()
    for cell in ("'=HYPERLINK", "'+1+1", "'-2+3", "'@SUM(A1)"):
        assert cell in text
    assert "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text


def test_export_gbk_xlsx_and_refusals(personas, households):
    api = Api("county")
    response = api.get("/households/export", encoding="gbk")
    assert response["Content-Type"] == "text/csv; charset=gbk"
    assert "户编号" in b"".join(response.streaming_content).decode("gbk")
    xlsx = api.get("/households/export", format="xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(row=1, column=1).value == "户编号" and sheet.max_row == 4  # header + 3 members
    assert api.get("/households/export", format="pdf").status_code == 422
    refused = Api("cadre").get("/households/export")  # cadres may not export
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_openapi_lists_the_paths_and_the_bearer_scheme(personas):
    response = Client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    expected = {"/auth/token", "/households", "/households/export", "/households/{household_id}",
                "/households/{household_id}/members", "/households/{household_id}/years/{year}",
                "/members/{person_id}", "/members/{person_id}/years/{year}", "/areas", "/areas/{code}"}
    assert {f"{PREFIX}{p}" for p in expected} <= set(schema["paths"])
    assert not any("{rest}" in p for p in schema["paths"])  # the 404 fallback is not documented
    schemes = schema["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"] and all(s["type"] == "http" for s in schemes.values())
    assert "security" not in schema["paths"][f"{PREFIX}/auth/token"]["post"]
    assert schema["paths"][f"{PREFIX}/households"]["get"]["security"]
    assert "409" in schema["paths"][f"{PREFIX}/households/{{household_id}}"]["patch"]["responses"]
    assert Client().get(f"{PREFIX}/docs").status_code == 200


@pytest.mark.parametrize("path", ["/households/abc", "/no-such-thing", "/members/abc/years/2024"])
def test_unknown_paths_answer_the_standard_404(personas, path):
    api = Api("village_a")
    response = api.get(path)
    assert response.status_code == 404 and response.content == api.get("/households/99999999").content


@pytest.mark.parametrize("data", [{"work_months": "abc"}, {"resident_medical_insurance": "maybe"}, {"no_such_field": 1}])
def test_member_year_values_of_the_wrong_type_are_422(personas, households, data):
    a, *_ = households
    head = Person.objects.get(household=a, relation="head")
    response = Api("village_a").send("put", f"/members/{head.pk}/years/2025", {"version": a.version, "data": data})
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"][0]["field"] == f"data.{next(iter(data))}"
    assert not PersonYear.objects.exists() and Household.objects.get(pk=a.pk).version == a.version


def test_member_year_months_out_of_range(personas, households):
    a, *_ = households
    head = Person.objects.get(household=a, relation="head")
    response = Api("village_a").send("put", f"/members/{head.pk}/years/2025", {"version": a.version, "data": {"work_months": 13}})
    assert response.status_code == 422
    assert [(f["field"], f["code"]) for f in response.json()["error"]["fields"]] == [("work_months", "months")]
