"""Reads: the trace in both directions and the 四查 report, with numbers worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jingzhun.accounts.services import user_create
from jingzhun.core.exceptions import NotFound
from jingzhun.funds import selectors, services
from jingzhun.funds.tests.factories import fund, in_library, library_steps, project, submit
from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import COUNTY, PASSWORD, TOWNSHIP, TOWNSHIP_2, VILLAGE_A, VILLAGE_B, VILLAGE_C
from jingzhun.workflow import services as workflow

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def county(personas):
    """A county with four counted projects and one rejected one:

    * P1 黄花村光伏 (village A, industry): budget central 300,000 + self-raised 20,000; F1 allocates
      300,000 (200,000 paid), F3 20,000 (paid); households h1 (dividend 3,000) and h2 (work 5,000).
    * P2 黄花村道路 (village A, infrastructure): budget county 200,000; F2 allocates and pays 150,000;
      completed — so it lags (150,000 paid of 200,000).
    * P3 高峰村养殖 (village C, industry): budget central 100,000; F1 allocates 100,000; 100,000 paid,
      reversed, paid again; accepted; household h3 (subsidy 10,000).
    * P4 石正村学校 (village B, education, a draft): budget provincial 50,000.
    * P5 石正村旧项目 (village B, rejected by the township): not counted.
    """
    officer = personas.county_officer
    admin = user_create(actor=None, username="root", password=PASSWORD, role="", scope_codes=[],
                        display_name="root", is_superuser=True)
    p1, day = in_library(personas)
    p2, _d = in_library(personas, name="黄花村道路硬化", kind="infrastructure", budget={"county": "200000"})
    p3, _d = in_library(personas, by=admin, name="高峰村肉牛养殖", area_code=VILLAGE_C, budget={"central": "100000"})
    p4 = project(personas.village_officer_b, name="石正村学校修缮", kind="education", area_code=VILLAGE_B,
                 budget={"provincial": "50000"})
    p5 = project(personas.village_officer_b, name="石正村旧项目", area_code=VILLAGE_B, budget={"central": "1"})
    submit(personas.village_officer_b, p5)
    rejected_on = library_steps(personas, p5, upto=2, by=admin)
    workflow.cases_act(actor=personas.township_reviewer, case_ids=[p5.library_case_id], action="reject",
                       at_position=3, comment="不符合入库条件", today=rejected_on)
    f1, f2 = fund(officer, amount="500000"), fund(officer, source="county", amount="200000")
    f3 = fund(officer, source="self_raised", amount="20000")
    pay = {"payee": "施工单位", "today": day}
    a11 = services.allocate(actor=officer, fund_id=f1.pk, project_id=p1.pk, amount="300000", today=day)
    a13 = services.allocate(actor=officer, fund_id=f3.pk, project_id=p1.pk, amount="20000", today=day)
    a22 = services.allocate(actor=officer, fund_id=f2.pk, project_id=p2.pk, amount="150000", today=day)
    a31 = services.allocate(actor=officer, fund_id=f1.pk, project_id=p3.pk, amount="100000", today=day)
    services.disburse(actor=officer, allocation_id=a11.pk, amount="200000", voucher_number="1", **pay)
    services.disburse(actor=officer, allocation_id=a13.pk, amount="20000", voucher_number="2", **pay)
    services.disburse(actor=officer, allocation_id=a22.pk, amount="150000", voucher_number="3", **pay)
    wrong = services.disburse(actor=officer, allocation_id=a31.pk, amount="100000", voucher_number="4", **pay)
    services.disbursement_reverse(actor=officer, disbursement_id=wrong.pk, reason="账户错误", today=day)
    services.disburse(actor=officer, allocation_id=a31.pk, amount="100000", voucher_number="5", **pay)
    for made, kinds in ((p2, ("start", "completion")), (p3, ("start", "completion", "acceptance"))):
        for kind in kinds:
            services.milestone_record(actor=admin, project_id=made.pk, kind=kind, date=day, today=day)
    h1 = register(personas.village_officer, members=[member("head", "1", name="陈一")])
    h2 = register(personas.village_officer, members=[member("head", "1", name="陈二")])
    h3 = register(officer, area_code=VILLAGE_C, members=[member("head", "1", name="陈三")])
    services.project_beneficiaries_set(actor=officer, project_id=p1.pk, rows=[
        {"household_id": h1.pk, "benefit": "dividend", "amount": "3000"},
        {"household_id": h2.pk, "benefit": "work", "amount": "5000"}])
    services.project_beneficiaries_set(actor=officer, project_id=p3.pk, rows=[
        {"household_id": h3.pk, "benefit": "subsidy", "amount": "10000"}])
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "f1": f1, "f2": f2, "f3": f3, "h1": h1, "h2": h2,
            "h3": h3, "admin": admin}


def test_a_households_projects_show_the_money_that_reaches_it_and_its_sources(personas, county):
    [row] = selectors.household_projects(actor=personas.village_officer, household_id=county["h1"].pk)
    assert row.project == county["p1"] and row.benefit == "dividend" and row.amount == D("3000.00")
    shares = {s.fund.document_number: (s.fund.source, s.allocated, s.disbursed, s.household_share) for s in row.funds}
    assert shares == {county["f1"].document_number: ("central", D("300000.00"), D("200000.00"), D("2812.50")),
                      county["f3"].document_number: ("self_raised", D("20000.00"), D("20000.00"), D("187.50"))}
    assert row.by_source == {"central": D("2812.50"), "self_raised": D("187.50")}
    [far] = selectors.household_projects(actor=personas.county_officer, household_id=county["h3"].pk)
    assert [(s.fund.pk, s.allocated, s.disbursed, s.household_share) for s in far.funds] == [
        (county["f1"].pk, D("100000.00"), D("100000.00"), D("10000.00"))]
    for outsider in (personas.other_county_officer, personas.village_officer_b):
        with pytest.raises(NotFound):
            selectors.household_projects(actor=outsider, household_id=county["h1"].pk)


def test_a_funds_trace_reaches_the_projects_and_their_households(personas, county):
    trace = selectors.fund_trace(actor=personas.county_officer, fund_id=county["f1"].pk)
    assert (trace.allocated, trace.disbursed) == (D("400000.00"), D("300000.00"))
    by_project = {p.project.pk: p for p in trace.projects}
    p1, p3 = by_project[county["p1"].pk], by_project[county["p3"].pk]
    assert (p1.allocated, p1.disbursed, p3.allocated, p3.disbursed) == (
        D("300000.00"), D("200000.00"), D("100000.00"), D("100000.00"))
    assert [(h.household.pk, h.amount, h.share) for h in p1.households] == [
        (county["h1"].pk, D("3000.00"), D("2812.50")), (county["h2"].pk, D("5000.00"), D("4687.50"))]
    assert [(h.household.pk, h.share) for h in p3.households] == [(county["h3"].pk, D("10000.00"))]
    # the same household amount split over the two funds of P1 adds up exactly
    f3 = selectors.fund_trace(actor=personas.county_officer, fund_id=county["f3"].pk)
    assert [h.share for h in f3.projects[0].households] == [D("187.50"), D("312.50")]
    for outsider in (personas.other_county_officer, personas.village_officer, personas.township_reviewer):
        with pytest.raises(NotFound):  # county funds are the county's
            selectors.fund_trace(actor=outsider, fund_id=county["f1"].pk)


def test_the_fund_ledger_sums_by_source_and_year(personas, county):
    ledger = selectors.fund_ledger(actor=personas.county_officer)
    assert (ledger.total.received, ledger.total.allocated, ledger.total.disbursed) == (
        D("720000.00"), D("570000.00"), D("470000.00"))
    groups = {(g.source, g.year): (g.count, g.received, g.allocated, g.disbursed, g.rate) for g in ledger.by_source_year}
    assert groups == {("central", 2024): (1, D("500000.00"), D("400000.00"), D("300000.00"), D("60.0")),
                      ("county", 2024): (1, D("200000.00"), D("150000.00"), D("150000.00"), D("75.0")),
                      ("self_raised", 2024): (1, D("20000.00"), D("20000.00"), D("20000.00"), D("100.0"))}
    assert [g.source for g in ledger.by_source_year] == ["central", "county", "self_raised"]
    assert selectors.fund_ledger(actor=personas.county_officer, source="county").total.received == D("200000.00")
    assert selectors.fund_ledger(actor=personas.county_officer, year=2023).rows == []
    for outsider in (personas.other_county_officer, personas.village_officer):
        assert selectors.fund_ledger(actor=outsider).rows == []
    # seen from the projects, the ledger pays out the same
    money = selectors.project_money(selectors.project_queryset(actor=personas.county_officer))
    assert sum((m.disbursed for m in money.values()), D(0)) == ledger.total.disbursed
    assert sum(selectors.ledger_disbursed_by_project(actor=personas.county_officer).values()) == D("470000.00")


def _report(rows):
    return {r.area_code: (r.projects, r.industry_projects, r.industry_share, r.in_library, r.lagging, r.budget,
                          r.allocated, r.disbursed, r.disbursement_rate) for r in rows}


def test_the_four_checks_report_per_village_township_and_county(personas, county):
    county_officer = personas.county_officer
    villages = selectors.funds_report(actor=county_officer, year=2024)
    assert _report(villages) == {
        VILLAGE_A: (2, 1, D("50.0"), 2, 1, D("520000.00"), D("470000.00"), D("370000.00"), D("78.7")),
        VILLAGE_B: (1, 0, D("0.0"), 0, 0, D("50000.00"), D("0"), D("0"), None),
        VILLAGE_C: (1, 1, D("100.0"), 1, 0, D("100000.00"), D("100000.00"), D("100000.00"), D("100.0")),
    }
    assert [r.area_name for r in villages] == ["黄花村", "石正村", "高峰村"]
    townships = selectors.funds_report(actor=county_officer, year=2024, level="township")
    assert _report(townships) == {
        TOWNSHIP: (3, 1, D("33.3"), 2, 1, D("570000.00"), D("470000.00"), D("370000.00"), D("78.7")),
        TOWNSHIP_2: (1, 1, D("100.0"), 1, 0, D("100000.00"), D("100000.00"), D("100000.00"), D("100.0")),
    }
    [whole] = selectors.funds_report(actor=county_officer, year=2024, level="county")
    assert _report([whole])[COUNTY] == (4, 2, D("50.0"), 3, 1, D("670000.00"), D("570000.00"), D("470000.00"),
                                        D("82.5"))
    total = selectors.report_total(townships)
    assert (total.projects, total.budget, total.disbursement_rate) == (4, D("670000.00"), D("82.5"))
    # scoped: a township sees its own villages, a village itself, another county nothing
    assert set(_report(selectors.funds_report(actor=personas.township_reviewer, year=2024))) == {VILLAGE_A, VILLAGE_B}
    assert set(_report(selectors.funds_report(actor=personas.village_officer, year=2024))) == {VILLAGE_A}
    assert selectors.funds_report(actor=personas.other_county_officer, year=2024) == []
    assert selectors.funds_report(actor=county_officer, year=2023) == []
    assert set(_report(selectors.funds_report(actor=county_officer, year=2024, area_code=TOWNSHIP_2))) == {VILLAGE_C}


def test_a_township_project_makes_its_own_row_in_the_village_report(personas, county):
    project(personas.township_reviewer, name="大柘镇产业路", kind="infrastructure", area_code=TOWNSHIP,
            budget={"county": "80000"})
    rows = _report(selectors.funds_report(actor=personas.county_officer, year=2024))
    assert rows[TOWNSHIP][:2] == (1, 0) and rows[TOWNSHIP][5] == D("80000.00")
    townships = _report(selectors.funds_report(actor=personas.county_officer, year=2024, level="township"))
    assert townships[TOWNSHIP][0] == 4


def test_project_detail_lists_its_money_library_and_people(personas, county):
    detail = selectors.project_detail(actor=personas.village_officer, pk=county["p1"].pk)
    assert (detail.money.budget, detail.money.allocated, detail.money.disbursed) == (
        D("320000.00"), D("320000.00"), D("220000.00"))
    assert detail.money.progress == D("68.8") and detail.money.disbursement_rate == D("68.8")
    assert [(r.allocation.amount, r.disbursed, r.left) for r in detail.allocations] == [
        (D("300000.00"), D("200000.00"), D("100000.00")), (D("20000.00"), D("20000.00"), D("0.00"))]
    assert len(detail.beneficiaries) == 2 and len(detail.cases) == 1 and len(detail.notices) == 3
    assert [s["source"] for s in detail.money.sources()] == ["central", "self_raised"]
    for outsider in (personas.other_county_officer, personas.village_officer_b):
        with pytest.raises(NotFound):
            selectors.project_detail(actor=outsider, pk=county["p1"].pk)
    assert selectors.project_list(actor=personas.other_county_officer).count() == 0
    assert selectors.project_list(actor=personas.county_officer, kind="industry").count() == 3  # P5 too
    assert selectors.project_list(actor=personas.county_officer, status="rejected").count() == 1
    assert selectors.project_list(actor=personas.county_officer, area_code="bad").count() == 0


def test_the_four_checks_page_reads_projects_and_funds_per_village(personas, county):
    """Village A: two projects in the library, the finished road paid 150,000 of 200,000 (funds fail);
    village B: a draft not in the library (projects fail, nothing paid nor finished); village C: an
    accepted project paid in full (both in place)."""
    import datetime as dt

    from jingzhun.assistance import checks

    results = {r.village.code: r for r in checks.village_checks(actor=personas.county_officer, year=2024,
                                                                on=dt.date(2024, 12, 1))}
    statuses = {code: (r.projects.status, r.funds.status) for code, r in results.items()}
    assert statuses == {VILLAGE_A: ("ok", "failed"), VILLAGE_B: ("failed", "ok"), VILLAGE_C: ("ok", "ok")}
    assert results[VILLAGE_A].funds.counts["disbursement_rate"] == D("78.7")
    assert results[VILLAGE_B].projects.counts == {"projects": 1, "in_library": 0, "industry_projects": 0,
                                                  "industry_share": D("0.0")}


def test_the_statistics_page_shows_and_exports_projects_and_funds_per_area(client, personas, county):
    import csv
    import io

    client.force_login(personas.county_officer)
    page = client.get("/assistance/reports/?year=2024&level=village")
    assert page.status_code == 200
    rows = {r.area_code: r for r in page.context["money"]}
    assert rows[VILLAGE_A].disbursement_rate == D("78.7") and rows[VILLAGE_A].industry_share == D("50.0")
    exported = client.get("/assistance/reports/?year=2024&level=township&table=funds&format=csv")
    lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [line[0] for line in lines[1:]] == [TOWNSHIP, TOWNSHIP_2] and lines[1][-1] == "78.7"
    client.force_login(personas.other_county_officer)
    other = client.get("/assistance/reports/?year=2024&level=township&table=funds&format=csv")
    assert len(list(csv.reader(io.StringIO(other.content.decode("utf-8-sig"))))) == 1  # the header only


def test_sums_are_exact_to_the_cent_on_every_database(personas):
    """SQLite adds the lines 4.47, 0.07, −4.47, 0.07, −0.07 as floats to 0.0700000000000003; every
    sum the selectors return is exact."""
    officer = personas.county_officer
    made, day = in_library(personas)
    money = fund(officer, amount="10")
    allocation = services.allocate(actor=officer, fund_id=money.pk, project_id=made.pk, amount="10", today=day)
    pay = {"actor": officer, "allocation_id": allocation.pk, "payee": "x", "voucher_number": "1", "today": day}
    first = services.disburse(amount="4.47", **pay)
    second = services.disburse(amount="0.07", **pay)
    services.disbursement_reverse(actor=officer, disbursement_id=first.pk, reason="错", today=day)
    services.disburse(amount="0.07", **pay)
    services.disbursement_reverse(actor=officer, disbursement_id=second.pk, reason="错", today=day)
    detail = selectors.project_detail(actor=officer, pk=made.pk)
    assert detail.money.disbursed == D("0.07") and str(detail.money.disbursed) == "0.07"
    assert detail.allocations[0].left == D("9.93")
    [row] = selectors.fund_rows(selectors.fund_queryset(actor=officer))
    assert (row.disbursed, row.balance) == (D("0.07"), D("9.93"))
    assert selectors.ledger_disbursed_by_project(actor=officer) == {made.pk: D("0.07")}
