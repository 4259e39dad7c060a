"""Rejected input: every rule breach comes back as 422 with a field path and a code, and nothing is
written. Messages are asserted only to exist in both languages (their wording belongs to translators)."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from jingzhun.api.tests.conftest import Api
from jingzhun.registry.models import Household, HouseholdYear, Person
from jingzhun.registry.tests.factories import valid_id
from jingzhun.testing.personas import VILLAGE_A

pytestmark = pytest.mark.django_db


def create_body(**overrides):  # type: ignore[no-untyped-def]
    body = {"area_code": VILLAGE_A, "phone": "13812345678",
            "members": [{"name": "王一", "relation": "head", "id_number": valid_id(sex="1")},
                        {"name": "赵二", "relation": "spouse", "id_number": valid_id(sex="2")}],
            "year": 2024, "year_data": {"status": "poor", "main_cause": "1", "wage_income": "5000"}}
    body.update(overrides)
    return body


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Person.objects.count(), HouseholdYear.objects.count()


def assert_rejected(response, field: str, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert any(f["field"] == field and f["code"] == code for f in error["fields"]), error["fields"]
    for f in error["fields"]:
        assert f["message"] and f["message_zh"] and f["message_en"]


def bad_checksum(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def impossible_date() -> str:
    digits = "44142619701332001"  # 1970-13-32
    return digits + ric.calc_check_digit(digits + "0")


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda m: m[0].update(id_number=bad_checksum(m[0]["id_number"])), "members[0].id_number", "id_checksum"),
        (lambda m: m[1].update(id_number=impossible_date()), "members[1].id_number", "id_birth_date"),
        (lambda m: m[0].update(sex="2"), "members[0].sex", "sex_mismatch"),
        (lambda m: m[1].update(relation="head"), "members[1].relation", "second_head"),
        (lambda m: m[1].update(id_number=m[0]["id_number"]), "members[1].id_number", "duplicate_in_household"),
    ],
    ids=["checksum", "impossible-date", "sex-mismatch", "second-head", "same-id-twice"],
)
def test_registration_rejected_with_field_messages(personas, change, field, code):
    body = create_body()
    change(body["members"])
    before = counts()
    response = Api("village_a").send("post", "/households", body)
    assert_rejected(response, field, code)
    assert counts() == before == (0, 0, 0)


def test_registration_with_an_id_already_in_the_registry_is_rejected(personas, households):
    taken = Person.objects.filter(household=households[1]).first().id_number  # in village B, out of scope
    body = create_body()
    body["members"][1]["id_number"] = taken
    before = counts()
    assert_rejected(Api("village_a").send("post", "/households", body), "members[1].id_number", "duplicate_id")
    assert counts() == before


def test_every_problem_is_reported_at_once(personas):
    body = create_body()
    body["members"][0]["id_number"] = bad_checksum(body["members"][0]["id_number"])
    body["members"][1]["relation"] = "head"
    body["phone"] = "12345"
    response = Api("village_a").send("post", "/households", body)
    fields = {(f["field"], f["code"]) for f in response.json()["error"]["fields"]}
    assert ("members[0].id_number", "id_checksum") in fields and ("members[1].relation", "second_head") in fields
    assert any(f == "phone" for f, _code in fields)
    assert counts() == (0, 0, 0)


def test_adding_a_member_is_validated_the_same_way(personas, households):
    a, b, _other = households
    api = Api("village_a")
    version = api.get(f"/households/{a.pk}").json()["version"]
    taken = Person.objects.filter(household=b).first().id_number
    cases = [
        ({"name": "二号户主", "relation": "head", "id_number": valid_id(sex="1")}, "relation", "second_head"),
        ({"name": "重号", "relation": "son", "id_number": taken}, "id_number", "duplicate_id"),
        ({"name": "错号", "relation": "son", "id_number": bad_checksum(valid_id(dt.date(2010, 1, 1)))}, "id_number", "id_checksum"),
        ({"name": "女儿", "relation": "daughter", "sex": "1", "id_number": valid_id(dt.date(2010, 1, 1), "2")}, "sex", "sex_mismatch"),
    ]
    before = counts()
    for member_body, field, code in cases:
        assert_rejected(api.send("post", f"/households/{a.pk}/members", {"version": version, **member_body}), field, code)
    assert counts() == before
    assert Household.objects.get(pk=a.pk).version == version  # a refused edit does not bump the version


def test_changing_a_member_is_validated(personas, households):
    a, *_ = households
    api = Api("village_a")
    spouse = Person.objects.get(household=a, relation="spouse")
    response = api.send("patch", f"/members/{spouse.pk}", {"version": a.version, "relation": "head"})
    assert_rejected(response, "relation", "second_head")
    spouse.refresh_from_db()
    assert spouse.relation == "spouse"


def test_bad_household_fields_on_update(personas, households):
    a, *_ = households
    api = Api("village_a")
    assert_rejected(api.send("patch", f"/households/{a.pk}", {"version": a.version, "bank_account": "12ab"}),
                    "bank_account", "bank_account")
    response = api.send("patch", f"/households/{a.pk}", {"version": a.version, "is_relocated": None})
    assert_rejected(response, "is_relocated", "null")
    assert Household.objects.get(pk=a.pk).bank_account == "6217000011112222"


def test_area_outside_scope_on_registration(personas):
    response = Api("village_b").send("post", "/households", create_body())
    assert_rejected(response, "area", "area_scope")
    assert counts() == (0, 0, 0)


def test_request_shape_errors_use_the_same_format(personas):
    response = Api("village_a").send("post", "/households", {"members": "nope", "year": "soon"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    fields = {f["field"]: f for f in error["fields"]}
    assert {"area_code", "members", "year"} <= set(fields)
    assert fields["area_code"]["code"] == "missing"
    assert all(f["message_zh"] and f["message_en"] for f in error["fields"])


def test_nested_request_shape_error_has_a_member_path(personas):
    body = create_body()
    del body["members"][1]["id_number"]
    body["members"][0]["birth_date"] = "not a date"
    response = Api("village_a").send("post", "/households", body)
    fields = {(f["field"], f["code"]) for f in response.json()["error"]["fields"]}
    assert ("members[1].id_number", "missing") in fields
    assert any(f == "members[0].birth_date" for f, _c in fields)


def test_malformed_json_is_400_in_the_standard_format(personas):
    api = Api("village_a")
    response = api.client.post("/api/v1/households", "{not json", content_type="application/json", **api.headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"area": "4414"},
                                   {"status": "nonsense", "year": 2024}, {"year": "last"}])
def test_bad_list_parameters_are_422(personas, query):
    response = Api("village_a").get("/households", **query)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"][0]["field"] in query


@pytest.mark.parametrize(("data", "field", "code"), [
    ({"renovation_year": -5}, "renovation_year", "min_value"),
    ({"arable_land_mu": "12345678901.5"}, "arable_land_mu", "max_digits"),
    ({"wage_income": "12.345"}, "wage_income", "max_decimal_places"),
])
def test_household_year_values_beyond_the_columns_are_422(personas, households, data, field, code):
    a, *_ = households
    response = Api("village_a").send("put", f"/households/{a.pk}/years/2025",
                                     {"version": a.version, "data": {"status": "poor", "main_cause": "1", **data}})
    assert_rejected(response, field, code)
    assert not HouseholdYear.objects.filter(household=a, year=2025).exists()


@pytest.mark.parametrize("data", [{"in_cooperative": "maybe"}, {"size_end": "x"}, {"monitoring_since": "x"}, {"unknown": 1}])
def test_household_year_values_of_the_wrong_type_are_422(personas, households, data):
    a, *_ = households
    response = Api("village_a").send("put", f"/households/{a.pk}/years/2025",
                                     {"version": a.version, "data": {"status": "poor", "main_cause": "1", **data}})
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["fields"][0]["field"] == f"data.{next(iter(data))}"


def test_too_long_text_is_422_not_a_database_error(personas, households):
    a, *_ = households
    api = Api("village_a")
    assert_rejected(api.send("patch", f"/households/{a.pk}", {"version": a.version, "address": "长" * 201}), "address", "max_length")
    body = create_body(group_name="组" * 61)
    assert_rejected(api.send("post", "/households", body), "group_name", "max_length")
    assert Household.objects.count() == 3
