"""The write rules of projects and the fund ledger: money strings, budgets, allocations,
disbursements, reversals, scope — and that a refused call writes nothing."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from jingzhun.core.exceptions import ActionForbidden, NotFound, ValidationFailed
from jingzhun.core.models import AuditEvent
from jingzhun.funds import services
from jingzhun.funds.models import Allocation, Disbursement, Fund, Project, ProjectBudget, ProjectStatus
from jingzhun.funds.tests.factories import START, fund, in_library, project, project_data
from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import (
    COUNTY,
    OTHER_COUNTY,
    OTHER_VILLAGE,
    TOWNSHIP,
    TOWNSHIP_2,
    VILLAGE_A,
    VILLAGE_B,
    VILLAGE_C,
)

pytestmark = pytest.mark.django_db


def _ledger():
    """Everything the ledger services may write."""
    return (list(Fund.objects.order_by("pk").values_list("pk", "amount")),
            list(Allocation.objects.order_by("pk").values_list("pk", "amount", "reverses_id")),
            list(Disbursement.objects.order_by("pk").values_list("pk", "amount", "reverses_id")),
            list(ProjectBudget.objects.order_by("pk").values_list("pk", "source", "amount")),
            AuditEvent.objects.count())


def _refused(call, *, code=None, field=None, exc=ValidationFailed):
    before = _ledger()
    with pytest.raises(exc) as refused:
        call()
    assert _ledger() == before, "a refused call changed the ledger"
    if code is not None:
        codes = [refused.value.code, *[i.code for i in getattr(refused.value, "issues", [])]]
        assert code in codes, codes
    if field is not None:
        assert field in [i.field for i in refused.value.issues]
    return refused.value


# ---------------------------------------------------------------------------------------------- projects


def test_a_project_needs_its_fields_and_a_place_in_the_actors_areas(personas):
    village = personas.village_officer
    error = _refused(lambda: services.project_save(actor=village, data={}, today=START))
    assert {i.field for i in error.issues} >= {"name", "kind", "content", "year", "area_code"}
    for who, area, code in ((personas.county_officer, COUNTY, "area_level"), (village, VILLAGE_B, "area_scope"),
                            (village, OTHER_VILLAGE, "area_scope")):
        _refused(lambda who=who, area=area: services.project_save(actor=who, data=project_data(area_code=area),
                                                                  today=START), code=code)
    _refused(lambda: services.project_save(actor=village, data=project_data(planned_end="2024-01-01"), today=START),
             code="before_start")
    _refused(lambda: services.project_save(actor=village, data=project_data(responsible_phone="12345"), today=START),
             code="phone")
    _refused(lambda: services.project_save(actor=village, data=project_data(planned_start="2024-13-01"), today=START),
             code="invalid_date")
    _refused(lambda: services.project_save(actor=personas.evaluator, data=project_data(), today=START),
             exc=ActionForbidden)
    assert not Project.objects.exists()
    made = services.project_save(actor=village, data=project_data(), today=START)
    assert made.status == ProjectStatus.DRAFT and made.created_by == village
    _refused(lambda: services.project_save(actor=personas.other_county_officer, data=project_data(), project_id=made.pk,
                                           today=START), exc=NotFound)


@pytest.mark.parametrize(("value", "code", "english"), [
    ("12.345", "amount_too_many_decimals", "at most two decimals"),
    ("十万", "amount_not_a_number", "is not an amount"),
    ("1e5", "amount_not_a_number", "is not an amount"),
    ("0", "amount_not_positive", "more than zero"),
    ("-300", "amount_not_positive", "more than zero"),
    (1.5, "amount_float", "floating-point"),
    ("1000000000000", "amount_too_large", "more than the ledger can hold"),
])
def test_bad_money_strings_are_refused_naming_the_field(personas, value, code, english):
    village = personas.village_officer
    made = project(village)
    error = _refused(lambda: services.project_budget_set(actor=village, project_id=made.pk,
                                                         amounts={"central": value, "county": "100"}))
    [issue] = error.issues
    assert (issue.field, issue.code) == ("amounts.central", code)
    assert english in issue.text("en") and "Central government" in issue.text("en")
    county = personas.county_officer
    error = _refused(lambda: services.fund_receive(actor=county, source="central", year=2024, document_number="X1",
                                                   area_code=COUNTY, amount=value, today=START))
    assert [i.field for i in error.issues] == ["amount"] and error.issues[0].code == code
    assert "Amount" in error.issues[0].text("en")


def test_the_budget_replaces_the_previous_one_and_has_at_least_one_source(personas):
    village = personas.village_officer
    made = project(village)
    assert dict(made.budgets.values_list("source", "amount")) == {"central": Decimal("300000.00"),
                                                                  "self_raised": Decimal("20000.00")}
    services.project_budget_set(actor=village, project_id=made.pk, amounts={"central": "250000", "county": "1,000.50",
                                                                           "self_raised": ""})
    assert dict(made.budgets.values_list("source", "amount")) == {"central": Decimal("250000.00"),
                                                                  "county": Decimal("1000.50")}
    _refused(lambda: services.project_budget_set(actor=village, project_id=made.pk, amounts={"central": ""}),
             code="required")
    _refused(lambda: services.project_budget_set(actor=village, project_id=made.pk, amounts={"lottery": "5"}),
             code="unknown_code")


def test_beneficiaries_live_in_the_projects_township_and_their_amounts_fit_the_budget(personas):
    village, county = personas.village_officer, personas.county_officer
    made = project(village, budget={"central": "10000"})
    here = register(village, members=[member("head", "1", name="陈一")])
    other_village = register(personas.village_officer_b, area_code=VILLAGE_B, members=[member("head", "1", name="陈二")])
    far = register(county, area_code=VILLAGE_C, members=[member("head", "1", name="陈三")])
    _refused(lambda: services.project_beneficiaries_set(actor=village, project_id=made.pk, rows=[
        {"household_id": other_village.pk, "benefit": "work"}]), code="unknown")  # outside village A's officer
    _refused(lambda: services.project_beneficiaries_set(actor=county, project_id=made.pk, rows=[
        {"household_id": far.pk, "benefit": "work"}]), code="elsewhere")  # another township
    _refused(lambda: services.project_beneficiaries_set(actor=county, project_id=made.pk, rows=[
        {"household_id": here.pk, "benefit": "work", "amount": "6000"},
        {"household_id": other_village.pk, "benefit": "dividend", "amount": "4000.01"}]), code="over_budget")
    _refused(lambda: services.project_beneficiaries_set(actor=county, project_id=made.pk, rows=[
        {"household_id": here.pk, "benefit": "gift"}, {"household_id": here.pk, "benefit": "work"}]), code="duplicate")
    rows = services.project_beneficiaries_set(actor=county, project_id=made.pk, rows=[
        {"household_id": here.pk, "benefit": "work", "amount": "6000"},
        {"household_id": other_village.pk, "benefit": "dividend", "amount": ""}])
    assert [(r.household_id, r.amount) for r in rows] == [(here.pk, Decimal("6000.00")), (other_village.pk, None)]
    _refused(lambda: services.project_budget_set(actor=village, project_id=made.pk, amounts={"central": "5999"}),
             code="below_beneficiaries")


def test_milestones_keep_their_order_and_move_the_status(personas):
    county = personas.county_officer
    made, day = in_library(personas)
    _refused(lambda: services.milestone_record(actor=county, project_id=made.pk, kind="completion", date=day,
                                               today=day), code="order")
    _refused(lambda: services.milestone_record(actor=county, project_id=made.pk, kind="tender", date=day, today=day),
             field="winning_bidder")
    _refused(lambda: services.milestone_record(actor=county, project_id=made.pk, kind="start", date="2024-05-01",
                                               today=day), code="future")
    services.milestone_record(actor=county, project_id=made.pk, kind="tender", date=day, winning_bidder="梅州光伏公司",
                              today=day)
    services.milestone_record(actor=county, project_id=made.pk, kind="start", date=day, today=day)
    made.refresh_from_db()
    assert made.status == ProjectStatus.IN_PROGRESS
    later = day.replace(month=6)
    _refused(lambda: services.milestone_record(actor=county, project_id=made.pk, kind="tender", date=later,
                                               winning_bidder="x", today=later), code="order")
    services.milestone_record(actor=county, project_id=made.pk, kind="completion", date=later, today=later)
    made.refresh_from_db()
    assert made.status == ProjectStatus.COMPLETED
    draft = project(personas.village_officer, name="草稿项目")
    _refused(lambda: services.milestone_record(actor=county, project_id=draft.pk, kind="start", date=day, today=day),
             code="not_in_library")


# ---------------------------------------------------------------------------------------------- the ledger


def test_funds_are_received_by_a_county_or_township_in_scope_once_per_document(personas):
    county = personas.county_officer
    made = fund(county, document_number="平财农〔2024〕1号")
    assert (made.amount, made.area_id) == (Decimal("500000.00"), COUNTY)
    _refused(lambda: fund(county, document_number="平财农〔2024〕1号"), code="duplicate")
    fund(county, document_number="平财农〔2024〕1号", source="provincial")  # same document, another source
    fund(county, area_code=TOWNSHIP_2, document_number="镇财〔2024〕1号")
    _refused(lambda: fund(county, area_code=VILLAGE_A), code="area_level")
    _refused(lambda: fund(county, area_code=OTHER_COUNTY), code="area_scope")
    _refused(lambda: fund(personas.village_officer, area_code=COUNTY), code="area_scope")
    _refused(lambda: fund(personas.evaluator), exc=ActionForbidden)
    _refused(lambda: services.fund_receive(actor=county, source="central", year=2024, document_number="X",
                                           area_code=COUNTY, amount="5", received_on="2099-01-01", today=START),
             code="future")


def test_over_allocation_and_over_budget_are_refused(personas):
    county = personas.county_officer
    first, day = in_library(personas)  # budget: central 300,000 + self-raised 20,000
    second, _day = in_library(personas, name="黄花村道路硬化", kind="infrastructure", budget={"central": "300000"})
    central = fund(county, amount="500000")
    services.allocate(actor=county, fund_id=central.pk, project_id=first.pk, amount="300000", today=day)
    _refused(lambda: services.allocate(actor=county, fund_id=central.pk, project_id=first.pk, amount="0.01", today=day),
             code="over_budget")
    _refused(lambda: services.allocate(actor=county, fund_id=central.pk, project_id=second.pk, amount="200000.01",
                                       today=day), code="over_fund")
    services.allocate(actor=county, fund_id=central.pk, project_id=second.pk, amount="200000", today=day)
    _refused(lambda: services.allocate(actor=county, fund_id=central.pk, project_id=second.pk, amount="1", today=day),
             code="over_fund")
    provincial = fund(county, source="provincial")
    _refused(lambda: services.allocate(actor=county, fund_id=provincial.pk, project_id=first.pk, amount="1", today=day),
             code="no_budget")
    elsewhere = fund(county, area_code=TOWNSHIP_2, document_number="仁居镇〔2024〕1号")
    _refused(lambda: services.allocate(actor=county, fund_id=elsewhere.pk, project_id=first.pk, amount="1", today=day),
             code="outside_fund_area")
    late = fund(county, source="self_raised", amount="20000", received_on=day)
    _refused(lambda: services.allocate(actor=county, fund_id=late.pk, project_id=first.pk, amount="1",
                                       allocated_on=START, today=day), code="before_receipt")
    draft = project(personas.village_officer, name="未入库项目")
    _refused(lambda: services.allocate(actor=county, fund_id=late.pk, project_id=draft.pk, amount="1", today=day),
             code="not_in_library")
    assert services.fund_allocated(central) == Decimal("500000.00")


def test_the_ledger_never_disburses_more_than_was_allocated(personas):
    county = personas.county_officer
    made, day = in_library(personas)
    money = fund(county)
    allocation = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="100000", today=day)

    def pay(amount, voucher="记-001"):
        return services.disburse(actor=county, allocation_id=allocation.pk, amount=amount, payee="梅州光伏公司",
                                 voucher_number=voucher, today=day)

    pay("60000")
    _refused(lambda: pay("40000.01"), code="over_allocation")
    pay("40000")
    _refused(lambda: pay("0.01"), code="over_allocation")
    assert services.allocation_disbursed(allocation) == Decimal("100000.00")
    _refused(lambda: services.disburse(actor=county, allocation_id=allocation.pk, amount="1", payee="",
                                       voucher_number="", today=day), field="payee")
    _refused(lambda: services.disburse(actor=county, allocation_id=allocation.pk, amount="1", payee="x",
                                       voucher_number="1", paid_on=START, today=day), code="before_allocation")
    # the database refuses a zero or negative line that reverses nothing
    for amount in (Decimal("0"), Decimal("-5")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Disbursement.objects.create(allocation=allocation, amount=amount, paid_on=day, payee="x", voucher_number="1")
        with pytest.raises(IntegrityError), transaction.atomic():
            Allocation.objects.create(fund=money, project=made, amount=amount, allocated_on=day)
        with pytest.raises(IntegrityError), transaction.atomic():
            Fund.objects.create(source="central", year=2024, document_number=f"Z{amount}", area_id=COUNTY,
                                amount=amount, received_on=day)
    assert services.allocation_disbursed(allocation) == Decimal("100000.00")


def test_a_wrong_disbursement_is_reversed_by_a_negative_line_never_deleted(personas):
    county = personas.county_officer
    made, day = in_library(personas)
    money = fund(county)
    allocation = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="100000", today=day)
    wrong = services.disburse(actor=county, allocation_id=allocation.pk, amount="100000", payee="错误收款人",
                              voucher_number="记-009", today=day)
    _refused(lambda: services.allocation_reverse(actor=county, allocation_id=allocation.pk, reason="错", today=day),
             code="disbursed")
    _refused(lambda: services.disbursement_reverse(actor=county, disbursement_id=wrong.pk, reason="", today=day),
             field="reason")
    reversal = services.disbursement_reverse(actor=county, disbursement_id=wrong.pk, reason="收款人错误", today=day)
    assert (reversal.amount, reversal.reverses_id) == (Decimal("-100000.00"), wrong.pk)
    assert Disbursement.objects.filter(pk=wrong.pk).exists()
    _refused(lambda: services.disbursement_reverse(actor=county, disbursement_id=wrong.pk, reason="再次", today=day),
             code="already_reversed")
    _refused(lambda: services.disbursement_reverse(actor=county, disbursement_id=reversal.pk, reason="冲销冲销",
                                                   today=day), code="already_reversed")
    services.disburse(actor=county, allocation_id=allocation.pk, amount="100000", payee="梅州光伏公司",
                      voucher_number="记-010", today=day)
    assert services.allocation_disbursed(allocation) == Decimal("100000.00")
    # an allocation with nothing paid out is reversed, and then pays nothing
    spare = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="50000", today=day)
    back = services.allocation_reverse(actor=county, allocation_id=spare.pk, reason="分配错误", today=day)
    assert back.amount == Decimal("-50000.00") and services.fund_allocated(money) == Decimal("100000.00")
    _refused(lambda: services.disburse(actor=county, allocation_id=spare.pk, amount="1", payee="x",
                                       voucher_number="1", today=day), code="reversed")
    _refused(lambda: services.disburse(actor=county, allocation_id=back.pk, amount="1", payee="x",
                                       voucher_number="1", today=day), code="reversed")
    assert AuditEvent.objects.filter(action="funds.disbursement.reversed", target_id=str(wrong.pk)).count() == 1


def test_out_of_scope_users_get_not_found_and_write_nothing(personas):
    county, outsider = personas.county_officer, personas.other_county_officer
    made, day = in_library(personas)
    money = fund(county)
    allocation = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="1000", today=day)
    paid = services.disburse(actor=county, allocation_id=allocation.pk, amount="10", payee="x", voucher_number="1",
                             today=day)
    other_money = fund(outsider, area_code=OTHER_COUNTY)
    calls = [
        lambda: services.allocate(actor=outsider, fund_id=money.pk, project_id=made.pk, amount="1", today=day),
        lambda: services.allocate(actor=outsider, fund_id=other_money.pk, project_id=made.pk, amount="1", today=day),
        lambda: services.allocate(actor=county, fund_id=other_money.pk, project_id=made.pk, amount="1", today=day),
        lambda: services.disburse(actor=outsider, allocation_id=allocation.pk, amount="1", payee="x",
                                  voucher_number="1", today=day),
        lambda: services.disbursement_reverse(actor=outsider, disbursement_id=paid.pk, reason="x", today=day),
        lambda: services.allocation_reverse(actor=outsider, allocation_id=allocation.pk, reason="x", today=day),
        lambda: services.project_budget_set(actor=outsider, project_id=made.pk, amounts={"central": "1"}),
        lambda: services.milestone_record(actor=outsider, project_id=made.pk, kind="start", date=day, today=day),
        lambda: services.project_submit_to_library(actor=personas.village_officer_b, project_id=made.pk, today=day),
        lambda: services.disburse(actor=county, allocation_id=99_999_999, amount="1", payee="x", voucher_number="1"),
        lambda: services.disburse(actor=county, allocation_id="abc", amount="1", payee="x", voucher_number="1"),
    ]
    for call in calls:
        _refused(call, exc=NotFound)
    # a role that reads but does not write: forbidden once the record is visible
    _refused(lambda: services.disburse(actor=personas.evaluator, allocation_id=allocation.pk, amount="1", payee="x",
                                       voucher_number="1", today=day), exc=ActionForbidden)


def test_every_write_is_audited_in_chinese_and_english(personas):
    county = personas.county_officer
    made, day = in_library(personas)
    money = fund(county)
    allocation = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="1000", today=day)
    services.disburse(actor=county, allocation_id=allocation.pk, amount="10", payee="x", voucher_number="1", today=day)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"funds.project.saved", "funds.project.budget_set", "funds.project.submitted",
            "funds.project.entered_library", "funds.fund.received", "funds.allocation.made",
            "funds.disbursement.made"} <= actions
    with translation.override("en"):
        assert ValidationFailed(issues=[]).text("en")


def test_the_fund_and_allocation_rows_are_locked_while_a_payment_is_checked(personas):
    """On PostgreSQL the rows are read FOR UPDATE; SQLite has no row locks and serialises writers by
    opening every transaction IMMEDIATE (the settings say so)."""
    county = personas.county_officer
    made, day = in_library(personas)
    money = fund(county)
    allocation = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="1000", today=day)
    with CaptureQueriesContext(connection) as queries:
        services.disburse(actor=county, allocation_id=allocation.pk, amount="10", payee="x", voucher_number="1",
                          today=day)
    locked = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    if connection.features.has_select_for_update:
        assert any('"funds_fund"' in sql for sql in locked) and any('"funds_allocation"' in sql for sql in locked)
    else:
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db(transaction=True)
def test_two_clerks_paying_at_once_cannot_overspend_together(personas):
    county = personas.county_officer
    made, day = in_library(personas)
    money = fund(county)
    allocation = services.allocate(actor=county, fund_id=money.pk, project_id=made.pk, amount="100", today=day)
    barrier, outcomes = threading.Barrier(2), []

    def clerk(voucher: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.disburse(actor=county, allocation_id=allocation.pk, amount="60", payee="x", voucher_number=voucher,
                              today=day)
            outcomes.append("paid")
        except Exception as exc:  # a refusal, or (SQLite) a busy database: either way not paid
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=clerk, args=(f"记-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("paid") == 1, outcomes
    assert services.allocation_disbursed(allocation) == Decimal("60.00")


def test_a_project_in_another_township_is_not_funded_from_a_township_fund(personas):
    county = personas.county_officer
    made, day = in_library(personas)
    township_money = fund(county, area_code=TOWNSHIP, document_number="大柘镇〔2024〕2号")
    services.allocate(actor=county, fund_id=township_money.pk, project_id=made.pk, amount="100", today=day)
    assert Allocation.objects.get(fund=township_money).project_id == made.pk
