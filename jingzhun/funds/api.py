"""Projects and funds in the REST API, read-only, with the same scopes as the pages.

A project or fund outside your areas answers 404 exactly like a missing one; lists show only yours.
Amounts are strings with two decimals (yuan), never floating-point numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from jingzhun.api.schemas import ERRORS
from jingzhun.funds import selectors
from jingzhun.funds.models import Project

projects = Router(tags=["projects"])
funds = Router(tags=["funds"])
MAX_LIMIT = 500


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


class ProjectOut(Schema):
    id: int
    name: str
    kind: str
    area_code: str
    area_name: str
    year: int
    status: str
    library_on: dt.date | None
    planned_start: dt.date | None
    planned_end: dt.date | None
    responsible_unit: str
    budget: str
    allocated: str
    disbursed: str
    budget_by_source: dict[str, str]


class ProjectPage(Schema):
    count: int
    items: list[ProjectOut]


class MilestoneOut(Schema):
    kind: str
    date: dt.date
    winning_bidder: str


class BeneficiaryOut(Schema):
    household_id: int
    benefit: str
    amount: str | None


class AllocationOut(Schema):
    id: int
    fund_id: int
    project_id: int
    source: str
    amount: str
    allocated_on: dt.date
    reverses_id: int | None
    disbursed: str


class DisbursementOut(Schema):
    id: int
    allocation_id: int
    amount: str
    paid_on: dt.date
    payee: str
    voucher_number: str
    reverses_id: int | None


class ProjectDetailOut(ProjectOut):
    content: str
    expected_benefit: str
    linkage: str
    library_case_id: int | None
    milestones: list[MilestoneOut]
    beneficiaries: list[BeneficiaryOut]
    allocations: list[AllocationOut]
    disbursements: list[DisbursementOut]


class FundOut(Schema):
    id: int
    source: str
    year: int
    document_number: str
    area_code: str
    amount: str
    received_on: dt.date
    allocated: str
    disbursed: str
    balance: str


class FundPage(Schema):
    count: int
    items: list[FundOut]


class TraceHouseholdOut(Schema):
    household_id: int
    benefit: str
    amount: str | None
    from_this_fund: str | None


class TraceProjectOut(Schema):
    project_id: int
    name: str
    allocated: str
    disbursed: str
    households: list[TraceHouseholdOut]


class FundDetailOut(FundOut):
    projects: list[TraceProjectOut]


def _project(project: Project, money: selectors.ProjectMoney) -> dict[str, Any]:
    return {"id": project.pk, "name": project.name, "kind": project.kind, "area_code": project.area_id,
            "area_name": project.area.name, "year": project.year, "status": project.status,
            "library_on": project.library_on, "planned_start": project.planned_start,
            "planned_end": project.planned_end, "responsible_unit": project.responsible_unit,
            "budget": _money(money.budget), "allocated": _money(money.allocated), "disbursed": _money(money.disbursed),
            "budget_by_source": {s: _money(a) for s, a in money.budget_by_source.items()}}


def _fund(row: selectors.FundRow) -> dict[str, Any]:
    f = row.fund
    return {"id": f.pk, "source": f.source, "year": f.year, "document_number": f.document_number,
            "area_code": f.area_id, "amount": _money(f.amount), "received_on": f.received_on,
            "allocated": _money(row.allocated), "disbursed": _money(row.disbursed), "balance": _money(row.balance)}


@projects.get("", response={200: ProjectPage, **ERRORS}, summary="Projects in your areas")
def project_list(request: HttpRequest, area: str = "", year: int | None = None, kind: str = "", status: str = "",
                 limit: int = Query(100, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """Projects built in your areas, filtered by ``area`` (a code: that area and below), ``year``,
    ``kind`` and ``status``, with their budget, net allocated and net disbursed."""
    queryset = selectors.project_list(actor=request.auth, area_code=area, year=year, kind=kind, status=status)
    page = list(queryset[offset:offset + limit])
    money = selectors.project_money([p.pk for p in page])
    return {"count": queryset.count(), "items": [_project(p, money[p.pk]) for p in page]}


@projects.get("/{int:project_id}", response={200: ProjectDetailOut, **ERRORS}, summary="One project")
def project_detail(request: HttpRequest, project_id: int) -> dict[str, Any]:
    """A project with its milestones, beneficiary households, allocations and disbursements."""
    d = selectors.project_detail(actor=request.auth, pk=project_id)
    p = d.project
    return {
        **_project(p, d.money), "content": p.content, "expected_benefit": p.expected_benefit, "linkage": p.linkage,
        "library_case_id": p.library_case_id,
        "milestones": [{"kind": m.kind, "date": m.date, "winning_bidder": m.winning_bidder} for m in d.milestones],
        "beneficiaries": [{"household_id": b.household_id, "benefit": b.benefit, "amount": _money(b.amount)}
                          for b in d.beneficiaries],
        "allocations": [{"id": r.allocation.pk, "fund_id": r.allocation.fund_id, "project_id": p.pk,
                         "source": r.allocation.fund.source, "amount": _money(r.allocation.amount),
                         "allocated_on": r.allocation.allocated_on, "reverses_id": r.allocation.reverses_id,
                         "disbursed": _money(r.disbursed)} for r in d.allocations],
        "disbursements": [{"id": x.pk, "allocation_id": x.allocation_id, "amount": _money(x.amount),
                           "paid_on": x.paid_on, "payee": x.payee, "voucher_number": x.voucher_number,
                           "reverses_id": x.reverses_id} for x in d.disbursements],
    }


@funds.get("", response={200: FundPage, **ERRORS}, summary="Funds received in your areas")
def fund_list(request: HttpRequest, year: int | None = None, source: str = "",
              limit: int = Query(100, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """The fund ledger of your areas: each fund with its net allocated, disbursed and balance."""
    ledger = selectors.fund_ledger(actor=request.auth, year=year, source=source)
    return {"count": len(ledger.rows), "items": [_fund(r) for r in ledger.rows[offset:offset + limit]]}


@funds.get("/{int:fund_id}", response={200: FundDetailOut, **ERRORS}, summary="One fund and where it went")
def fund_detail(request: HttpRequest, fund_id: int) -> dict[str, Any]:
    """A fund, the projects it allocated money to and their households with the part of their amount
    attributed to this fund."""
    trace = selectors.fund_trace(actor=request.auth, fund_id=fund_id)
    row = selectors.fund_rows(selectors.fund_queryset(actor=request.auth).filter(pk=trace.fund.pk))[0]
    return {**_fund(row), "projects": [
        {"project_id": p.project.pk, "name": p.project.name, "allocated": _money(p.allocated),
         "disbursed": _money(p.disbursed),
         "households": [{"household_id": h.household.pk, "benefit": h.benefit, "amount": _money(h.amount),
                         "from_this_fund": _money(h.share)} for h in p.households]}
        for p in trace.projects]}
