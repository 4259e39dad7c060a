"""The REST API end to end through Django's test client, with named personas."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from jingzhun.accounts.models import ApiToken
from jingzhun.core.models import AuditEvent
from jingzhun.registry import services
from jingzhun.registry.models import Household, Person
from jingzhun.registry.tests.factories import member, register, valid_id
from jingzhun.testing.personas import OTHER_VILLAGE, PASSWORD, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db


def token_for(username: str, client: Client | None = None) -> str:
    client = client or Client()
    response = client.post("/api/v1/auth/token", json.dumps({"username": username, "password": PASSWORD}),
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


class Api:
    def __init__(self, username: str) -> None:
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_for(username, self.client)}"}

    def get(self, path: str, **params):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1{path}", params, **self.headers)

    def send(self, method: str, path: str, body: dict):  # type: ignore[no-untyped-def]
        return getattr(self.client, method)(f"/api/v1{path}", json.dumps(body, default=str),
                                            content_type="application/json", **self.headers)


@pytest.fixture
def data(personas):
    a = register(personas.village_officer, members=[member("head", "1", name="张三丰"), member("spouse", "2", name="李四娘")],
                 phone="13800138000", bank_account="6217000011112222")
    b = register(personas.village_officer_b, area_code=VILLAGE_B, members=[member("head", "1", name="张三")])
    other = register(personas.other_county_officer, area_code=OTHER_VILLAGE, members=[member("head", "2", name="张三妹")])
    return a, b, other


def test_token_required_and_bad_tokens_refused(personas, data):
    assert Client().get("/api/v1/households").status_code == 401
    response = Client().get("/api/v1/households", HTTP_AUTHORIZATION="Bearer nonsense")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    api = Api("village_a")
    ApiToken.objects.update(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert api.get("/households").status_code == 401


def test_wrong_password_and_lockout(personas):
    client = Client()
    body = {"username": "village_a", "password": "wrong-password"}
    codes = []
    for _ in range(5):
        response = client.post("/api/v1/auth/token", json.dumps(body), content_type="application/json")
        codes.append((response.status_code, response.json()["error"]["code"]))
    assert codes[:4] == [(401, "invalid_credentials")] * 4
    assert codes[4] == (429, "locked_out")  # the fifth failure locks the account
    right = client.post("/api/v1/auth/token", json.dumps({"username": "village_a", "password": PASSWORD}),
                        content_type="application/json")
    assert right.status_code == 429 and right.json()["error"]["code"] == "locked_out"
    assert "message_zh" in right.json()["error"]


def test_village_officer_cannot_read_list_count_or_export_other_village(personas, data):
    a, b, _other = data
    api = Api("village_a")
    listing = api.get("/households").json()
    assert listing["count"] == 1 and [h["id"] for h in listing["items"]] == [a.pk]
    assert api.get("/households", q="张三").json()["count"] == 1
    assert api.get("/households", area=VILLAGE_B).json()["count"] == 0
    out_of_scope = api.get(f"/households/{b.pk}")
    missing = api.get("/households/999999")
    assert out_of_scope.status_code == missing.status_code == 404
    assert out_of_scope.content == missing.content
    assert api.get(f"/households/{b.pk}/members").content == api.get("/households/999999/members").content
    person_b = Person.objects.get(household=b)
    assert api.get(f"/members/{person_b.pk}").content == api.get("/members/999999").content
    patch = api.send("patch", f"/households/{b.pk}", {"version": b.version, "phone": "13900000000"})
    assert patch.status_code == 404 and patch.content == api.send("patch", "/households/999999", {"version": 1, "phone": "13900000000"}).content
    export = b"".join(api.get("/households/export").streaming_content).decode("utf-8-sig")
    assert a.household_number in export and b.household_number not in export
    assert AuditEvent.objects.filter(action="registry.households.exported", actor_username="village_a").exists()


def test_county_officer_sees_the_county_and_other_county_nothing(personas, data):
    a, b, other = data
    county = Api("county")
    assert {h["id"] for h in county.get("/households").json()["items"]} == {a.pk, b.pk}
    assert county.get(f"/households/{other.pk}").status_code == 404
    assert Api("other_county").get("/households").json()["count"] == 1


def test_detail_masks_for_evaluator_not_for_officer(personas, data):
    a, *_ = data
    head = Person.objects.get(household=a, relation="head")
    officer = Api("county").get(f"/households/{a.pk}").json()
    assert officer["members"][0]["id_number"] == head.id_number and officer["phone"] == "13800138000"
    assert officer["members"][0]["relation"] == {"code": "head", "label": "户主"}
    evaluator = Api("evaluator").get(f"/households/{a.pk}").json()
    assert evaluator["members"][0]["id_number"] != head.id_number and "*" in evaluator["members"][0]["id_number"]
    assert evaluator["phone"] == "138****8000" and evaluator["bank_account"].endswith("2222")
    export = b"".join(Api("evaluator").get("/households/export").streaming_content).decode("utf-8-sig")
    assert head.id_number not in export and "138****8000" in export


def _create_body(**overrides):  # type: ignore[no-untyped-def]
    body = {"area_code": VILLAGE_A, "phone": "13812345678",
            "members": [{"name": "王一", "relation": "head", "id_number": valid_id(sex="1")},
                        {"name": "赵二", "relation": "spouse", "id_number": valid_id(sex="2")}],
            "year": 2024, "year_data": {"status": "poor", "main_cause": "1", "wage_income": "5000"}}
    body.update(overrides)
    return body


def test_create_household(personas):
    api = Api("village_a")
    response = api.send("post", "/households", _create_body())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["head_name"] == "王一" and len(body["members"]) == 2 and body["years"][0]["status"]["code"] == "poor"
    assert api.get("/households").json()["count"] == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda m: m[0].update(id_number=m[0]["id_number"][:17] + ("0" if m[0]["id_number"][17] != "0" else "1")), "members[0].id_number", "id_checksum"),
        (lambda m: m[0].update(sex="2"), "members[0].sex", "sex_mismatch"),
        (lambda m: m[1].update(relation="head"), "members[1].relation", "second_head"),
    ],
)
def test_invalid_registration_rejected_with_field_messages(personas, change, field, code):
    body = _create_body()
    change(body["members"])
    api = Api("village_a")
    response = api.send("post", "/households", body)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert any(f["field"] == field and f["code"] == code for f in fields), fields
    assert all(f["message_zh"] and f["message_en"] and f["message_zh"] != f["message_en"] for f in fields)
    assert Household.objects.count() == 0


def test_impossible_date_and_duplicate_id_rejected(personas, data):
    from stdnum.cn import ric

    body_digits = "44142619701332001"  # day 32
    impossible = body_digits + ric.calc_check_digit(body_digits + "0")
    api = Api("village_a")
    body = _create_body()
    body["members"][0]["id_number"] = impossible
    response = api.send("post", "/households", body)
    assert response.status_code == 422
    assert {"field": "members[0].id_number", "code": "id_birth_date"}.items() <= response.json()["error"]["fields"][0].items()
    taken = Person.objects.filter(household=data[1]).first().id_number
    body = _create_body()
    body["members"][0]["id_number"] = taken
    body["members"][0].pop("name")
    body["members"][0]["name"] = "冒名"
    response = api.send("post", "/households", body)
    assert response.status_code == 422
    assert any(f["code"] == "duplicate_id" for f in response.json()["error"]["fields"])
    assert Household.objects.count() == 3


def test_request_shape_errors_use_the_same_format(personas):
    response = Api("village_a").send("post", "/households", {"members": "nope"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and {f["field"] for f in error["fields"]} >= {"area_code", "members"}


def test_role_without_edit_gets_403(personas, data):
    response = Api("evaluator").send("post", "/households", _create_body())
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_stale_version_conflict_and_nothing_overwritten(personas, data):
    a, *_ = data
    api = Api("village_a")
    loaded = api.get(f"/households/{a.pk}").json()["version"]
    services.household_update(actor=personas.county_officer, household_id=a.pk, expected_version=loaded,
                              changes={"address": "新地址 1 号"})
    response = api.send("patch", f"/households/{a.pk}", {"version": loaded, "phone": "13900000000"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["current_version"] == loaded + 1
    assert any(c["after"].get("address") == "新地址 1 号" and c["by"] == "county" for c in error["changes"])
    household = Household.objects.get(pk=a.pk)
    assert household.phone == "13800138000" and household.address == "新地址 1 号"
    ok = api.send("patch", f"/households/{a.pk}", {"version": loaded + 1, "phone": "13900000000"})
    assert ok.status_code == 200 and ok.json()["phone"] == "13900000000"


def test_members_and_years(personas, data):
    a, *_ = data
    api = Api("village_a")
    version = api.get(f"/households/{a.pk}").json()["version"]
    added = api.send("post", f"/households/{a.pk}/members",
                     {"version": version, "name": "张小花", "relation": "daughter", "id_number": valid_id(dt.date(2012, 5, 1), "2")})
    assert added.status_code == 201, added.content
    person_id = added.json()["id"]
    version += 1
    changed = api.send("patch", f"/members/{person_id}", {"version": version, "name": "张小华"})
    assert changed.status_code == 200 and changed.json()["name"] == "张小华"
    version += 1
    year = api.send("put", f"/households/{a.pk}/years/2025", {"version": version, "data": {"status": "exited", "main_cause": "1", "wage_income": "30000"}})
    assert year.status_code == 200 and year.json()["status"]["code"] == "exited"
    version += 1
    py = api.send("put", f"/members/{person_id}/years/2025", {"version": version, "data": {"school_status": "primary", "health": "healthy"}})
    assert py.status_code == 200 and py.json()["data"]["school_status"] == "primary"
    assert len(api.get(f"/households/{a.pk}/members").json()) == 3


def test_areas_scoped(personas):
    api = Api("village_a")
    codes = {a["code"] for a in api.get("/areas").json()}
    assert VILLAGE_A in codes and VILLAGE_B not in codes
    assert api.get(f"/areas/{VILLAGE_B}").status_code == 404
    assert api.get(f"/areas/{VILLAGE_A}").json()["name"] == "黄花村"


def test_list_query_count_does_not_grow_with_rows(personas, django_assert_max_num_queries):
    for _ in range(12):
        register(personas.village_officer)
    api = Api("county")
    with django_assert_max_num_queries(8):
        response = api.get("/households", limit=50)
    assert response.json()["count"] == 12


def test_openapi_document(personas):
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/households" in schema["paths"] and "/api/v1/auth/token" in schema["paths"]
    assert any(s.get("scheme") == "bearer" for s in schema["components"]["securitySchemes"].values())


def test_csv_export_neutralises_formulas_and_gbk(personas):
    register(personas.village_officer, group_name="=HYPERLINK(\"x\")")
    api = Api("county")
    text = b"".join(api.get("/households/export").streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    gbk = b"".join(api.get("/households/export", encoding="gbk").streaming_content).decode("gbk")
    assert "户编号" in gbk
