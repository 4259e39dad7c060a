"""Projects and funds through the read-only REST API: the same scopes as the pages, money as text."""

import pytest

from jingzhun.api.tests.conftest import Api
from jingzhun.funds import services
from jingzhun.funds.tests.factories import fund, in_library, project
from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db
MISSING = 99_999_999


@pytest.fixture
def ledger(personas):
    county = personas.county_officer
    made, day = in_library(personas)
    home = register(personas.village_officer, members=[member("head", "1", name="陈一")])
    services.project_beneficiaries_set(actor=county, project_id=made.pk,
                                       rows=[{"household_id": home.pk, "benefit": "dividend", "amount": "3000"}])
    money = fund(county)
    allocation = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="100000.50", today=day)
    services.disburse(actor=county, allocation_id=allocation.pk, amount="30000", payee="x", voucher_number="1",
                      today=day)
    other = project(personas.village_officer_b, name="石正村学校修缮", kind="education", area_code=VILLAGE_B,
                    budget={"provincial": "50000"})
    return {"project": made, "fund": money, "home": home, "other": other}


def test_projects_are_listed_and_read_in_scope(personas, ledger):
    made = ledger["project"]
    county = Api("county")
    listed = county.get("/projects", year=2024)
    assert listed.status_code == 200 and listed.json()["count"] == 2
    item = next(i for i in listed.json()["items"] if i["id"] == made.pk)
    assert (item["budget"], item["allocated"], item["disbursed"], item["status"]) == (
        "320000.00", "100000.50", "30000.00", "in_library")
    assert item["budget_by_source"] == {"central": "300000.00", "self_raised": "20000.00"}
    assert county.get("/projects", kind="education").json()["count"] == 1
    assert county.get("/projects", area=VILLAGE_A).json()["count"] == 1
    detail = county.get(f"/projects/{made.pk}").json()
    assert detail["beneficiaries"] == [{"household_id": ledger["home"].pk, "benefit": "dividend", "amount": "3000.00"}]
    assert [a["amount"] for a in detail["allocations"]] == ["100000.50"]
    assert [d["amount"] for d in detail["disbursements"]] == ["30000.00"]
    assert detail["library_case_id"] == made.library_case_id
    village_b = Api("village_b")
    assert [i["name"] for i in village_b.get("/projects").json()["items"]] == ["石正村学校修缮"]
    for outsider in (Api("other_county"), village_b):
        hidden, absent = outsider.get(f"/projects/{made.pk}"), outsider.get(f"/projects/{MISSING}")
        assert hidden.status_code == absent.status_code == 404 and hidden.content == absent.content
    assert Api("other_county").get("/projects").json() == {"count": 0, "items": []}


def test_funds_are_listed_with_their_trace_in_scope(personas, ledger):
    money = ledger["fund"]
    county = Api("county")
    listed = county.get("/funds").json()
    assert listed["count"] == 1
    assert {k: listed["items"][0][k] for k in ("amount", "allocated", "disbursed", "balance")} == {
        "amount": "500000.00", "allocated": "100000.50", "disbursed": "30000.00", "balance": "470000.00"}
    detail = county.get(f"/funds/{money.pk}").json()
    [spent] = detail["projects"]
    assert spent["project_id"] == ledger["project"].pk and spent["allocated"] == "100000.50"
    assert spent["households"] == [{"household_id": ledger["home"].pk, "benefit": "dividend", "amount": "3000.00",
                                    "from_this_fund": "3000.00"}]
    for outsider in (Api("other_county"), Api("village_a")):
        assert outsider.get("/funds").json() == {"count": 0, "items": []}
        hidden, absent = outsider.get(f"/funds/{money.pk}"), outsider.get(f"/funds/{MISSING}")
        assert hidden.status_code == absent.status_code == 404 and hidden.content == absent.content


def test_the_api_is_read_only(personas, ledger):
    county = Api("county")
    assert county.send("post", "/projects", {"name": "x"}).status_code == 405
    assert county.send("delete", f"/funds/{ledger['fund'].pk}", {}).status_code == 405
    assert county.get("/projects").json()["count"] == 2  # nothing was written
