"""Reads of projects and funds, always through the actor's areas.

* A project is in the actor's areas when the village or township it is built in is; a fund when the
  county or township that received it is. Every fetch by id answers "not found" alike for a missing
  row and one outside the actor's areas; lists are empty outside them. Without ``registry.view``
  nothing is visible.
* Money is summed from the ledger lines (reversals are negative lines, so a plain sum is the net),
  every database sum rounded to the cent (``money.cents``: SQLite sums in binary floating point).
* The trace follows every yuan: source → fund → allocation → project → household. A household's share
  of a project's money (``ProjectBeneficiary.amount``) is attributed to the project's funds in
  proportion to what each fund allocated to the project, to the cent, the parts adding up exactly
  (``money.split_by_weights``).
* The report (``funds_report``) gives, per village, township or county and year, what the 四查 page
  shows about projects and funds.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import area_scope_q, within_area_q
from jingzhun.areas import codes
from jingzhun.areas.models import Area
from jingzhun.core.exceptions import NotFound
from jingzhun.funds.models import (
    FINISHED_STATUSES,
    FUNDABLE_STATUSES,
    INDUSTRY_KINDS,
    Allocation,
    BenefitKind,
    Disbursement,
    Fund,
    FundSource,
    Project,
    ProjectBeneficiary,
    ProjectBudget,
    ProjectStatus,
)
from jingzhun.funds.money import ZERO, cents, percent, split_by_weights
from jingzhun.registry.selectors import household_get
from jingzhun.workflow.models import Case, Notice, Subject

REPORT_LEVELS = {"village": codes.VILLAGE, "township": codes.TOWNSHIP, "county": codes.COUNTY}
# Projects that count in the report: planned or under way, not those refused or withdrawn.
COUNTED = Q(status__in=[s for s in ProjectStatus.values if s not in (ProjectStatus.REJECTED, ProjectStatus.WITHDRAWN)])


def _id(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 1 <= number <= 2**31 - 1:
        raise NotFound()
    return number


# ---------------------------------------------------------------------------------------------- projects


def project_queryset(*, actor: Any) -> QuerySet[Project]:
    """Projects built in the actor's areas (none without ``registry.view``)."""
    if not can(actor, Capability.REGISTRY_VIEW):
        return Project.objects.none()
    return Project.objects.filter(area_scope_q(actor, "area_id")).select_related("area", "area__parent")


def project_get(*, actor: Any, pk: Any) -> Project:
    """One project in the actor's areas; NotFound when absent or outside them."""
    project = project_queryset(actor=actor).filter(pk=_id(pk)).first()
    if project is None:
        raise NotFound()
    return project


def project_list(*, actor: Any, area_code: str = "", year: int | None = None, kind: str = "",
                 status: str = "") -> QuerySet[Project]:
    """The actor's projects filtered by area (and below), year, kind and status."""
    queryset = project_queryset(actor=actor)
    if area_code and codes.is_area_code(area_code):
        queryset = queryset.filter(within_area_q("area_id", area_code))
    elif area_code:
        return queryset.none()
    if year:
        queryset = queryset.filter(year=year)
    if kind:
        queryset = queryset.filter(kind=kind)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-year", "area_id", "name", "id")


def fundable_projects(*, actor: Any) -> QuerySet[Project]:
    """The actor's projects that may receive money (in the library or later)."""
    return project_queryset(actor=actor).filter(status__in=FUNDABLE_STATUSES).order_by("area_id", "name", "id")


@dataclass
class ProjectMoney:
    """A project's money: budget, net allocated and net disbursed, in total and by source."""

    budget_by_source: dict[str, Decimal] = field(default_factory=dict)
    allocated_by_source: dict[str, Decimal] = field(default_factory=dict)
    disbursed_by_source: dict[str, Decimal] = field(default_factory=dict)

    @property
    def budget(self) -> Decimal:
        return sum(self.budget_by_source.values(), ZERO)

    @property
    def allocated(self) -> Decimal:
        return sum(self.allocated_by_source.values(), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return sum(self.disbursed_by_source.values(), ZERO)

    @property
    def balance(self) -> Decimal:
        """Allocated but not yet paid out."""
        return self.allocated - self.disbursed

    @property
    def progress(self) -> Decimal | None:
        """Paid out as a percentage of the budget (资金支付进度)."""
        return percent(self.disbursed, self.budget)

    @property
    def disbursement_rate(self) -> Decimal | None:
        """Paid out as a percentage of what was allocated (拨付率)."""
        return percent(self.disbursed, self.allocated)

    def sources(self) -> list[dict[str, Any]]:
        """One row per source with a budget or money: source, label, budget, allocated, disbursed."""
        keys = [s for s in FundSource.values if s in self.budget_by_source or s in self.allocated_by_source]
        return [{"source": s, "label": FundSource(s).label, "budget": self.budget_by_source.get(s, ZERO),
                 "allocated": self.allocated_by_source.get(s, ZERO),
                 "disbursed": self.disbursed_by_source.get(s, ZERO)} for s in keys]


def project_money(projects: QuerySet[Project] | Iterable[int]) -> dict[int, ProjectMoney]:
    """Project id → its money, for a queryset of projects (read as a subquery) or a list of ids;
    three grouped queries whatever the number of projects."""
    if isinstance(projects, QuerySet):
        ids: Any = projects.order_by().values("pk")
        out: dict[int, ProjectMoney] = defaultdict(ProjectMoney)
    else:
        ids = list(projects)
        out = defaultdict(ProjectMoney, {pk: ProjectMoney() for pk in ids})
    for project_id, source, amount in ProjectBudget.objects.filter(project_id__in=ids).values_list(
            "project_id", "source", "amount"):
        out[project_id].budget_by_source[source] = amount
    for row in (Allocation.objects.filter(project_id__in=ids).order_by().values("project_id", "fund__source")
                .annotate(total=Sum("amount"))):
        out[row["project_id"]].allocated_by_source[row["fund__source"]] = cents(row["total"])
    for row in (Disbursement.objects.filter(allocation__project_id__in=ids).order_by()
                .values("allocation__project_id", "allocation__fund__source").annotate(total=Sum("amount"))):
        out[row["allocation__project_id"]].disbursed_by_source[row["allocation__fund__source"]] = cents(row["total"])
    return dict(out)


@dataclass(frozen=True)
class AllocationRow:
    allocation: Allocation
    disbursed: Decimal
    reversed: bool

    @property
    def left(self) -> Decimal:
        """What can still be paid out of it (nothing once reversed or a reversal itself)."""
        if self.reversed or self.allocation.reverses_id is not None:
            return ZERO
        return self.allocation.amount - self.disbursed


@dataclass(frozen=True)
class ProjectDetail:
    project: Project
    money: ProjectMoney
    allocations: list[AllocationRow]
    disbursements: list[Disbursement]
    milestones: list[Any]
    beneficiaries: list[ProjectBeneficiary]
    cases: list[Case]
    notices: list[Notice]


def _allocation_rows(allocations: Iterable[Allocation]) -> list[AllocationRow]:
    allocations = list(allocations)
    ids = [a.pk for a in allocations]
    paid = dict(Disbursement.objects.filter(allocation_id__in=ids).order_by().values("allocation_id")
                .annotate(total=Sum("amount")).values_list("allocation_id", "total"))
    reversed_ids = set(Allocation.objects.filter(reverses_id__in=ids).values_list("reverses_id", flat=True))
    return [AllocationRow(a, cents(paid.get(a.pk)), a.pk in reversed_ids) for a in allocations]


def project_detail(*, actor: Any, pk: Any) -> ProjectDetail:
    """Everything the project page shows: budget by source with what was allocated and paid, the
    allocations and disbursements, milestones, beneficiary households, the library cases (latest
    first) and their notices. NotFound outside the actor's areas."""
    project = project_get(actor=actor, pk=pk)
    allocations = Allocation.objects.filter(project=project).select_related("fund").order_by("allocated_on", "id")
    cases = list(Case.objects.filter(procedure__subject=Subject.PROJECT, subject_ref=project.pk)
                 .select_related("procedure", "step").order_by("-id"))
    return ProjectDetail(
        project=project,
        money=project_money([project.pk])[project.pk],
        allocations=_allocation_rows(allocations),
        disbursements=list(Disbursement.objects.filter(allocation__project=project)
                           .select_related("allocation__fund").order_by("paid_on", "id")),
        milestones=list(project.milestones.order_by("date", "id")),
        beneficiaries=list(project.beneficiaries.select_related("household", "household__area")
                           .order_by("household__area_id", "household__household_number")),
        cases=cases,
        notices=list(Notice.objects.filter(entries__case__in=cases).select_related("step", "area")
                     .distinct().order_by("-starts_on", "-id")),
    )


# ---------------------------------------------------------------------------------------------- funds


def fund_queryset(*, actor: Any) -> QuerySet[Fund]:
    """Funds received by a county or township in the actor's areas (none without ``registry.view``)."""
    if not can(actor, Capability.REGISTRY_VIEW):
        return Fund.objects.none()
    return Fund.objects.filter(area_scope_q(actor, "area_id")).select_related("area")


def fund_get(*, actor: Any, pk: Any) -> Fund:
    fund = fund_queryset(actor=actor).filter(pk=_id(pk)).first()
    if fund is None:
        raise NotFound()
    return fund


@dataclass(frozen=True)
class FundRow:
    """One fund with its net allocations and disbursements."""

    fund: Fund
    allocated: Decimal
    disbursed: Decimal

    @property
    def unallocated(self) -> Decimal:
        return self.fund.amount - self.allocated

    @property
    def balance(self) -> Decimal:
        """Received and not yet paid out (结余)."""
        return self.fund.amount - self.disbursed

    @property
    def rate(self) -> Decimal | None:
        """Paid out as a percentage of what was received (支出进度)."""
        return percent(self.disbursed, self.fund.amount)


@dataclass
class LedgerTotal:
    """Sums of a group of funds (one source and year, or all): received, allocated, disbursed."""

    source: str = ""
    year: int | None = None
    count: int = 0
    received: Decimal = ZERO
    allocated: Decimal = ZERO
    disbursed: Decimal = ZERO

    @property
    def label(self) -> Any:
        return FundSource(self.source).label if self.source else ""

    @property
    def unallocated(self) -> Decimal:
        return self.received - self.allocated

    @property
    def balance(self) -> Decimal:
        return self.received - self.disbursed

    @property
    def rate(self) -> Decimal | None:
        return percent(self.disbursed, self.received)

    def add(self, row: FundRow) -> None:
        self.count += 1
        self.received += row.fund.amount
        self.allocated += row.allocated
        self.disbursed += row.disbursed


@dataclass(frozen=True)
class Ledger:
    rows: list[FundRow]
    by_source_year: list[LedgerTotal]
    total: LedgerTotal


def fund_rows(funds: QuerySet[Fund]) -> list[FundRow]:
    """Each fund of ``funds`` with its net allocated and disbursed sums (two grouped queries)."""
    ids = funds.order_by().values("pk")
    allocated = dict(Allocation.objects.filter(fund_id__in=ids).order_by().values("fund_id")
                     .annotate(total=Sum("amount")).values_list("fund_id", "total"))
    disbursed = dict(Disbursement.objects.filter(allocation__fund_id__in=ids).order_by()
                     .values("allocation__fund_id").annotate(total=Sum("amount"))
                     .values_list("allocation__fund_id", "total"))
    return [FundRow(f, cents(allocated.get(f.pk)), cents(disbursed.get(f.pk))) for f in funds]


def fund_ledger(*, actor: Any, year: int | None = None, source: str = "", area_code: str = "") -> Ledger:
    """The fund ledger of the actor's areas: one row per fund (filtered by year, source and area),
    sums per (source, year) in the order of the sources, and the grand total."""
    funds = fund_queryset(actor=actor)
    if year:
        funds = funds.filter(year=year)
    if source:
        funds = funds.filter(source=source)
    if area_code and codes.is_area_code(area_code):
        funds = funds.filter(within_area_q("area_id", area_code))
    elif area_code:
        funds = funds.none()
    rows = fund_rows(funds.order_by("-year", "source", "received_on", "id"))
    groups: dict[tuple[str, int], LedgerTotal] = {}
    total = LedgerTotal()
    for row in rows:
        key = (row.fund.source, row.fund.year)
        groups.setdefault(key, LedgerTotal(source=key[0], year=key[1])).add(row)
        total.add(row)
    order = {s: n for n, s in enumerate(FundSource.values)}
    by_source_year = sorted(groups.values(), key=lambda g: (-(g.year or 0), order.get(g.source, 99)))
    return Ledger(rows=rows, by_source_year=by_source_year, total=total)


def open_allocations(*, actor: Any) -> list[AllocationRow]:
    """Allocations of the actor's funds that still have money to pay out (for the disbursement form)."""
    if not can(actor, Capability.REGISTRY_VIEW):
        return []
    allocations = (Allocation.objects.filter(area_scope_q(actor, "fund__area_id"), reverses__isnull=True)
                   .select_related("fund", "project").order_by("-allocated_on", "-id"))
    return [row for row in _allocation_rows(allocations) if row.left > 0]


def fund_allocation_rows(fund: Fund) -> list[AllocationRow]:
    return _allocation_rows(Allocation.objects.filter(fund=fund).select_related("project").order_by("allocated_on", "id"))


def fund_disbursements(fund: Fund) -> list[Disbursement]:
    return list(Disbursement.objects.filter(allocation__fund=fund).select_related("allocation__project")
                .order_by("paid_on", "id"))


def reversed_disbursement_ids(disbursements: Iterable[Disbursement]) -> set[int]:
    ids = [d.pk for d in disbursements]
    return set(Disbursement.objects.filter(reverses_id__in=ids).values_list("reverses_id", flat=True))


# ---------------------------------------------------------------------------------------------- the trace


@dataclass(frozen=True)
class FundShare:
    """One fund's money in a project, and the part of a household's amount that came from it."""

    fund: Fund
    allocated: Decimal
    disbursed: Decimal
    household_share: Decimal | None


@dataclass(frozen=True)
class HouseholdProject:
    """A project that benefits a household, with the money that reaches it and where that came from."""

    project: Project
    benefit: str
    amount: Decimal | None
    funds: list[FundShare]

    @property
    def benefit_label(self) -> Any:
        return BenefitKind(self.benefit).label

    @property
    def by_source(self) -> dict[str, Decimal]:
        """Source → the part of the household's amount attributed to it."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for share in self.funds:
            if share.household_share is not None:
                out[share.fund.source] += share.household_share
        return dict(out)


def _money_by_fund(project_ids: list[int]) -> tuple[dict[int, dict[int, Decimal]], dict[int, dict[int, Decimal]]]:
    """(project id → fund id → net allocated, project id → fund id → net disbursed)."""
    allocated: dict[int, dict[int, Decimal]] = defaultdict(dict)
    disbursed: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for row in (Allocation.objects.filter(project_id__in=project_ids).order_by().values("project_id", "fund_id")
                .annotate(total=Sum("amount"))):
        allocated[row["project_id"]][row["fund_id"]] = cents(row["total"])
    for row in (Disbursement.objects.filter(allocation__project_id__in=project_ids).order_by()
                .values("allocation__project_id", "allocation__fund_id").annotate(total=Sum("amount"))):
        disbursed[row["allocation__project_id"]][row["allocation__fund_id"]] = cents(row["total"])
    return allocated, disbursed


def household_projects(*, actor: Any, household_id: Any) -> list[HouseholdProject]:
    """The projects that benefit a household in the actor's areas (NotFound otherwise), each with
    how it benefits, the amount that reaches the household and the funds behind it: every fund that
    allocated money to the project (document number, source), what it allocated and paid, and the
    part of the household's amount attributed to it (None when the household has no amount)."""
    household = household_get(actor=actor, pk=_id(household_id))
    benefits = list(ProjectBeneficiary.objects.filter(household=household)
                    .select_related("project", "project__area").order_by("-project__year", "project_id"))
    project_ids = [b.project_id for b in benefits]
    allocated, disbursed = _money_by_fund(project_ids)
    funds = Fund.objects.in_bulk({f for per in allocated.values() for f in per})
    out = []
    for benefit in benefits:
        per_fund = allocated.get(benefit.project_id, {})
        weights = {f: a for f, a in per_fund.items() if a > 0}
        shares = split_by_weights(benefit.amount, weights) if benefit.amount is not None else {}
        out.append(HouseholdProject(
            project=benefit.project, benefit=benefit.benefit, amount=benefit.amount,
            funds=[FundShare(funds[f], a, disbursed.get(benefit.project_id, {}).get(f, ZERO),
                             shares.get(f, ZERO) if benefit.amount is not None else None)
                   for f, a in sorted(per_fund.items())]))
    return out


@dataclass(frozen=True)
class FundHousehold:
    household: Any
    benefit: str
    amount: Decimal | None
    share: Decimal | None  # the part of ``amount`` attributed to the fund


@dataclass(frozen=True)
class FundProject:
    project: Project
    allocated: Decimal  # from this fund, net
    disbursed: Decimal  # out of this fund's allocations, net
    households: list[FundHousehold]


@dataclass(frozen=True)
class FundTrace:
    fund: Fund
    allocated: Decimal
    disbursed: Decimal
    projects: list[FundProject]


def fund_trace(*, actor: Any, fund_id: Any) -> FundTrace:
    """Where a fund of the actor's areas went (NotFound otherwise): each project it allocated money
    to, what was allocated and paid, and the project's beneficiary households with the part of
    their amount attributed to this fund (its share of all the project's allocations)."""
    fund = fund_get(actor=actor, pk=fund_id)
    project_ids = list(Allocation.objects.filter(fund=fund).order_by().values_list("project_id", flat=True)
                       .distinct())
    allocated, disbursed = _money_by_fund(project_ids)
    households: dict[int, list[ProjectBeneficiary]] = defaultdict(list)
    for row in (ProjectBeneficiary.objects.filter(project_id__in=project_ids).select_related("household")
                .order_by("household__area_id", "household__household_number")):
        households[row.project_id].append(row)
    projects = []
    for project in Project.objects.filter(pk__in=project_ids).select_related("area").order_by("area_id", "name"):
        mine = allocated[project.pk].get(fund.pk, ZERO)
        others = sum((a for f, a in allocated[project.pk].items() if f != fund.pk and a > 0), ZERO)
        rows = []
        for b in households[project.pk]:
            share = None
            if b.amount is not None:
                share = split_by_weights(b.amount, {"this": max(mine, ZERO), "others": others}).get("this", ZERO)
            rows.append(FundHousehold(b.household, b.benefit, b.amount, share))
        projects.append(FundProject(project, mine, disbursed[project.pk].get(fund.pk, ZERO), rows))
    return FundTrace(fund=fund, allocated=sum((p.allocated for p in projects), ZERO),
                     disbursed=sum((p.disbursed for p in projects), ZERO), projects=projects)


def ledger_disbursed_by_project(*, actor: Any) -> dict[int, Decimal]:
    """Project id → net paid out to it from the actor's funds (the ledger seen from the projects)."""
    rows = (Disbursement.objects.filter(area_scope_q(actor, "allocation__fund__area_id")).order_by()
            .values("allocation__project_id").annotate(total=Sum("amount")))
    return {r["allocation__project_id"]: cents(r["total"]) for r in rows} if can(actor, Capability.REGISTRY_VIEW) else {}


# ---------------------------------------------------------------------------------------------- report


@dataclass
class AreaFundsRow:
    """Projects and funds of one area in one year, for the 四查 page.

    ``projects`` counts the year's projects that are planned or under way (drafts, in the library
    procedure, in the library, under way, completed, accepted — not rejected or withdrawn);
    ``industry_projects`` those of an industry kind (``models.INDUSTRY_KINDS``); ``in_library`` those
    that entered the library (in it, under way, completed or accepted); ``lagging`` those completed
    or accepted with less paid out than their budget. ``budget`` sums their budgets, ``allocated`` and
    ``disbursed`` the net ledger lines to them (whatever the year of the fund)."""

    area_code: str
    area_name: str
    level: int
    projects: int = 0
    industry_projects: int = 0
    in_library: int = 0
    lagging: int = 0
    budget: Decimal = ZERO
    allocated: Decimal = ZERO
    disbursed: Decimal = ZERO

    @property
    def industry_share(self) -> Decimal | None:
        """Industry projects as a percentage of all counted projects (one decimal)."""
        return percent(Decimal(self.industry_projects), Decimal(self.projects))

    @property
    def disbursement_rate(self) -> Decimal | None:
        """Paid out as a percentage of what was allocated (one decimal)."""
        return percent(self.disbursed, self.allocated)


def funds_report(*, actor: Any, year: int, level: str = "village", area_code: str = "") -> list[AreaFundsRow]:
    """One ``AreaFundsRow`` per area at ``level`` ("village", "township" or "county") with projects of
    ``year`` in the actor's areas (under ``area_code`` if given), ordered by area code. At village
    level a township's own projects (built for the whole township) make a row of the township."""
    depth = REPORT_LEVELS[level]
    projects = project_list(actor=actor, area_code=area_code, year=year).filter(COUNTED)
    money = project_money(projects)
    rows: dict[str, AreaFundsRow] = {}
    for pk, project_area, kind, status in projects.values_list("pk", "area_id", "kind", "status"):
        own = codes.level_of(project_area)
        key = project_area if own <= depth else project_area[:codes.LEVEL_PREFIX_LENGTH[depth]].ljust(12, "0")
        row = rows.setdefault(key, AreaFundsRow(area_code=key, area_name="", level=codes.level_of(key)))
        m = money.get(pk) or ProjectMoney()
        row.projects += 1
        row.industry_projects += int(kind in INDUSTRY_KINDS)
        row.in_library += int(status in FUNDABLE_STATUSES)
        row.lagging += int(status in FINISHED_STATUSES and m.disbursed < m.budget)
        row.budget += m.budget
        row.allocated += m.allocated
        row.disbursed += m.disbursed
    names = dict(Area.objects.filter(code__in=list(rows)).values_list("code", "name"))
    for key, row in rows.items():
        row.area_name = names.get(key, key)
    return [rows[k] for k in sorted(rows)]


def report_total(rows: Iterable[AreaFundsRow], *, area_code: str = "", area_name: str = "") -> AreaFundsRow:
    """The sum of report rows (for a total line or a roll-up the caller already holds)."""
    total = AreaFundsRow(area_code=area_code, area_name=area_name, level=0)
    for row in rows:
        for name in ("projects", "industry_projects", "in_library", "lagging", "budget", "allocated", "disbursed"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total
