"""Area scope through the API: out-of-scope households answer exactly like missing ones everywhere,
lists, counts and exports leave them out, and masking follows the role."""

from __future__ import annotations

import datetime as dt

import pytest

from jingzhun.api.tests.conftest import Api
from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear
from jingzhun.registry.tests.factories import valid_id
from jingzhun.testing.personas import OTHER_VILLAGE, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db
MISSING = 99_999_999


def _state() -> tuple:
    return (list(Household.objects.order_by("pk").values_list("pk", "version", "phone")),
            Person.objects.count(), HouseholdYear.objects.count(), PersonYear.objects.count())


def test_detail_and_member_reads_outside_the_village_are_identical_to_missing(personas, households):
    _a, b, _other = households
    api = Api("village_a")
    person_b = Person.objects.get(household=b)
    pairs = [
        (f"/households/{b.pk}", f"/households/{MISSING}"),
        (f"/households/{b.pk}/members", f"/households/{MISSING}/members"),
        (f"/members/{person_b.pk}", f"/members/{MISSING}"),
    ]
    for hidden, missing in pairs:
        out_of_scope, absent = api.get(hidden), api.get(missing)
        assert out_of_scope.status_code == absent.status_code == 404
        assert out_of_scope.content == absent.content
        assert dict(out_of_scope.headers) == dict(absent.headers)
        assert absent.json()["error"]["code"] == "not_found"


def test_writes_outside_the_village_are_identical_to_missing_and_change_nothing(personas, households):
    _a, b, _other = households
    api = Api("village_a")
    person_b = Person.objects.get(household=b)
    before = _state()
    new_member = {"version": b.version, "name": "外人", "relation": "son", "id_number": valid_id(dt.date(2010, 1, 1))}
    pairs = [
        ("patch", f"/households/{b.pk}", f"/households/{MISSING}", {"version": b.version, "phone": "13900000000"}),
        ("post", f"/households/{b.pk}/members", f"/households/{MISSING}/members", new_member),
        ("patch", f"/members/{person_b.pk}", f"/members/{MISSING}", {"version": b.version, "name": "改名"}),
        ("put", f"/households/{b.pk}/years/2025", f"/households/{MISSING}/years/2025",
         {"version": b.version, "data": {"status": "exited"}}),
        ("put", f"/members/{person_b.pk}/years/2025", f"/members/{MISSING}/years/2025",
         {"version": b.version, "data": {"health": "healthy"}}),
    ]
    for method, hidden, missing, body in pairs:
        out_of_scope, absent = api.send(method, hidden, body), api.send(method, missing, body)
        assert out_of_scope.status_code == absent.status_code == 404, (hidden, out_of_scope.content)
        assert out_of_scope.content == absent.content
    assert _state() == before


def test_list_count_search_and_export_leave_other_villages_out(personas, households):
    a, b, other = households
    api = Api("village_a")
    listing = api.get("/households").json()
    assert listing["count"] == 1 and [h["id"] for h in listing["items"]] == [a.pk]
    head_b = Person.objects.get(household=b)
    # Every way of naming b finds nothing: name prefix, exact ID number, household number, area filter.
    assert [h["id"] for h in api.get("/households", q="张三").json()["items"]] == [a.pk]
    for query in ({"q": head_b.id_number}, {"q": b.household_number}, {"area": VILLAGE_B}, {"area": OTHER_VILLAGE}):
        assert api.get("/households", **query).json() == {"count": 0, "limit": 50, "offset": 0, "items": []}
    export = api.export()
    assert a.household_number in export and b.household_number not in export and other.household_number not in export
    assert head_b.id_number not in export
    # The same filters on the export.
    for query in ({"q": head_b.id_number}, {"q": b.household_number}, {"area": VILLAGE_B}):
        rows = api.export(**query).strip().splitlines()
        assert len(rows) == 1  # the header only
    assert AuditEvent.objects.filter(action="registry.households.exported", actor_username="village_a").count() == 4


def test_county_officer_sees_the_whole_county_and_other_county_officer_none_of_it(personas, households):
    a, b, other = households
    county = Api("county")
    assert {h["id"] for h in county.get("/households").json()["items"]} == {a.pk, b.pk}
    assert county.get(f"/households/{b.pk}").status_code == 200
    assert county.get(f"/households/{other.pk}").content == county.get(f"/households/{MISSING}").content
    export = county.export()
    assert a.household_number in export and b.household_number in export and other.household_number not in export

    other_county = Api("other_county")
    listing = other_county.get("/households").json()
    assert listing["count"] == 1 and [h["id"] for h in listing["items"]] == [other.pk]
    assert other_county.get("/households", q="张三").json()["count"] == 1  # only 张三妹, its own
    for household in (a, b):
        assert other_county.get(f"/households/{household.pk}").content == other_county.get(f"/households/{MISSING}").content
    assert a.household_number not in other_county.export()


def test_township_reviewer_sees_both_villages(personas, households):
    a, b, _other = households
    assert Api("township").get("/households").json()["count"] == 2


def test_masking_follows_the_role_in_detail_list_members_and_export(personas, households):
    a, *_ = households
    head = Person.objects.get(household=a, relation="head")
    officer = Api("county").get(f"/households/{a.pk}").json()
    assert officer["members"][0]["id_number"] == head.id_number and officer["phone"] == "13800138000"
    assert officer["bank_account"] == "6217000011112222"
    assert officer["members"][0]["relation"] == {"code": "head", "label": "户主"}

    evaluator = Api("evaluator")
    detail = evaluator.get(f"/households/{a.pk}").json()
    shown = detail["members"][0]["id_number"]
    assert shown != head.id_number and shown.startswith(head.id_number[:3]) and shown.endswith(head.id_number[-4:])
    assert detail["phone"] == "138****8000" and detail["bank_account"] == "************2222"
    assert evaluator.get("/households").json()["items"][0]["phone"] == "138****8000"
    assert evaluator.get(f"/members/{head.pk}").json()["id_number"] == shown
    assert evaluator.get(f"/households/{a.pk}/members").json()[0]["id_number"] == shown
    export = evaluator.export()
    assert head.id_number not in export and "13800138000" not in export and "6217000011112222" not in export
    assert "138****8000" in export
    # The auditor may see personal data.
    assert Api("auditor").get(f"/households/{a.pk}").json()["members"][0]["id_number"] == head.id_number


def test_areas_are_scoped(personas):
    api = Api("village_a")
    listed = {a["code"] for a in api.get("/areas").json()}
    assert VILLAGE_A in listed and VILLAGE_B not in listed and OTHER_VILLAGE not in listed
    assert api.get(f"/areas/{VILLAGE_B}").content == api.get("/areas/999999999999").content
    village = api.get(f"/areas/{VILLAGE_A}").json()
    assert village["name"] == "黄花村" and village["level"]["code"] == 5 and village["level"]["label"]
    children = Api("county").get("/areas", parent="441426100000").json()
    assert {a["code"] for a in children} == {VILLAGE_A, VILLAGE_B}
