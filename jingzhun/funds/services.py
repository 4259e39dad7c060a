"""The only write path of projects and funds. Every write is audited in its transaction.

Who: every write needs ``registry.edit`` and its project, fund or area inside the actor's areas; a
project or fund outside them is "not found", like a missing one.

Rules (domain §1.10, §2.11; issue 6):
* money is ``Decimal`` yuan with at most two decimals, more than zero (``money.parse_amount``); a
  refused amount names its field and says why;
* a project is changed while it is a draft (or was rejected, withdrawn, or returned to the village's
  application step): what the notices show — name, kind, place, content, budget, beneficiaries — is
  frozen while the library procedure runs; the responsible person and the schedule can change later;
* a project enters the library only through the library procedure with its notices
  (``project_submit_to_library``, ``funds.library``) and receives money only once it is there;
* a fund's allocations never add up to more than the fund; a project's allocations from a source
  never add up to more than its budget for that source; an allocation's disbursements never add up
  to more than the allocation. These are checked with the fund (and project, allocation) rows locked
  (``select_for_update``) inside the transaction, so two clerks paying at the same moment cannot
  overspend together; the database refuses zero and wrong-signed lines;
* nothing in the ledger is edited or deleted: a wrong allocation or disbursement is reversed by a
  negative line that names it (红字冲销), once, with a reason; an allocation is reversed only after
  its disbursements are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import code_in_scope, within_area_q
from jingzhun.areas import codes
from jingzhun.areas.models import Area
from jingzhun.core import clock
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden, FieldIssue, NotFound, ValidationFailed, issue
from jingzhun.funds import library
from jingzhun.funds.models import (
    EDITABLE_STATUSES,
    FUNDABLE_STATUSES,
    MILESTONE_ORDER,
    MILESTONE_STATUS,
    Allocation,
    BenefitKind,
    Disbursement,
    Fund,
    FundSource,
    MilestoneKind,
    Project,
    ProjectBeneficiary,
    ProjectBudget,
    ProjectKind,
    ProjectMilestone,
    ProjectStatus,
)
from jingzhun.funds.money import ZERO, AmountError, cents, parse_amount, yuan
from jingzhun.funds.selectors import fund_queryset, project_queryset
from jingzhun.registry import validation
from jingzhun.registry.selectors import household_queryset
from jingzhun.workflow import services as workflow_services
from jingzhun.workflow.models import CaseStatus

PROJECT_SAVED = register_action("funds.project.saved", _("Project saved"))
BUDGET_SET = register_action("funds.project.budget_set", _("Project budget set"))
BENEFICIARIES_SET = register_action("funds.project.beneficiaries_set", _("Beneficiary households of a project set"))
MILESTONE_RECORDED = register_action("funds.project.milestone_recorded", _("Project milestone recorded"))
SUBMITTED = register_action("funds.project.submitted", _("Project submitted to the project library"))
FUND_RECEIVED = register_action("funds.fund.received", _("Fund received"))
ALLOCATED = register_action("funds.allocation.made", _("Money allocated to a project"))
ALLOCATION_REVERSED = register_action("funds.allocation.reversed", _("Allocation reversed"))
DISBURSED = register_action("funds.disbursement.made", _("Money disbursed"))
DISBURSEMENT_REVERSED = register_action("funds.disbursement.reversed", _("Disbursement reversed"))

# Fields that can change after a project was submitted (they are not on the notices).
MANAGEMENT_FIELDS = ("responsible_unit", "responsible_person", "responsible_phone", "planned_start", "planned_end",
                     "expected_benefit", "linkage")
PROJECT_FIELDS = ("name", "kind", "content", "area_code", "year", *MANAGEMENT_FIELDS)
AUDITED_FIELDS = ("name", "kind", "content", "area_id", "year", *MANAGEMENT_FIELDS)
FIRST_YEAR = 2014  # the first year of the project-library presets
MAX_ID = 2**31 - 1

AMOUNT_MESSAGES = {
    "required": _("%(field)s: enter an amount in yuan."),
    "float": _("%(field)s: give the amount as text or a Decimal, never as a floating-point number."),
    "not_a_number": _("%(field)s: “%(value)s” is not an amount; write digits, such as 12000 or 12000.50."),
    "too_many_decimals": _("%(field)s: an amount has at most two decimals (fen), not “%(value)s”."),
    "not_positive": _("%(field)s: the amount must be more than zero."),
    "too_large": _("%(field)s: “%(value)s” is more than the ledger can hold (999,999,999,999.99 yuan)."),
}


# ---------------------------------------------------------------------------------------------- helpers


def _require_edit(actor: Any) -> None:
    if not can(actor, Capability.REGISTRY_EDIT):
        raise ActionForbidden()


def _today(today: dt.date | None) -> dt.date:
    return today or clock.today()


def _id(value: Any) -> int:
    """A database id as given; anything no row could have is "not found", never a database error."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 1 <= number <= MAX_ID:
        raise NotFound()
    return number


def amount_or_issue(value: Any, field_name: str, label: Any, *, problems: list[FieldIssue]) -> Decimal | None:
    """The amount in ``value``, or None with a message naming ``label`` added to ``problems``."""
    try:
        return parse_amount(value)
    except AmountError as exc:
        problems.append(issue(field_name, f"amount_{exc.code}", AMOUNT_MESSAGES[exc.code], field=label,
                              value=str(value)[:30]))
        return None


def _date(value: Any, field_name: str, label: Any, *, problems: list[FieldIssue], required: bool = False,
          today: dt.date | None = None) -> dt.date | None:
    """A date from a ``date`` or an ISO text; with ``today``, not later than today."""
    if value in (None, ""):
        if required:
            problems.append(issue(field_name, "required", _("%(field)s: give the date."), field=label))
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            problems.append(issue(field_name, "invalid_date", _("%(field)s: “%(value)s” is not a date (YYYY-MM-DD)."),
                                  field=label, value=str(value)[:30]))
            return None
    if today is not None and value > today:
        problems.append(issue(field_name, "future", _("%(field)s cannot be later than today."), field=label))
    return value


def _text(data: Mapping[str, Any], name: str) -> str:
    return str(data.get(name) or "").strip()


def _year(value: Any, today: dt.date, problems: list[FieldIssue]) -> int | None:
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or not FIRST_YEAR <= int(text) <= today.year + 1:
        problems.append(issue("year", "year_range", _("The year must be between %(min)s and %(max)s."),
                              min=FIRST_YEAR, max=today.year + 1))
        return None
    return int(text)


def _sum(values: Iterable[Decimal]) -> Decimal:
    """Sums of ledger lines are added up here, in Decimal, from the locked rows."""
    return sum(values, ZERO)


def _locked_project(actor: Any, project_id: Any) -> Project:
    project = project_queryset(actor=actor).select_for_update(of=("self",)).filter(pk=_id(project_id)).first()
    if project is None:
        raise NotFound()
    _require_edit(actor)
    return project


def library_content_editable(project: Project) -> bool:
    """Whether what the notices show can change: a draft, a rejected or withdrawn project, or one
    whose library case was returned to the application step (the village corrects it there)."""
    if project.status in EDITABLE_STATUSES:
        return True
    if project.status != ProjectStatus.IN_PROCEDURE or project.library_case_id is None:
        return False
    case = project.library_case
    return case.status == CaseStatus.OPEN and case.position == 1


def _frozen() -> ValidationFailed:
    return ValidationFailed(_("The project is in the library procedure or in the library: its name, place, content, "
                              "budget and beneficiaries are what the notices showed and cannot change now."),
                            code="project_frozen")


def _project_area(actor: Any, code: str, problems: list[FieldIssue]) -> Area | None:
    area = Area.objects.select_related("parent").filter(code=code).first() if code else None
    if area is None or not code_in_scope(actor, area.code):
        problems.append(issue("area_code", "area_scope", _("Choose a village or township in your areas.")))
        return None
    if codes.level_of(area.code) not in (codes.VILLAGE, codes.TOWNSHIP):
        problems.append(issue("area_code", "area_level", _("A project is built in a village or a township.")))
        return None
    return area


# ---------------------------------------------------------------------------------------------- projects


@transaction.atomic
def project_save(*, actor: Any, data: Mapping[str, Any], project_id: int | None = None,
                 today: dt.date | None = None) -> Project:
    """Create a project (a draft) or change one. ``data`` has the keys of ``PROJECT_FIELDS``; dates
    as ``date`` or ISO text. After submission only ``MANAGEMENT_FIELDS`` may change."""
    today = _today(today)
    project = _locked_project(actor, project_id) if project_id is not None else None
    if project is None:
        _require_edit(actor)
    problems: list[FieldIssue] = []
    values: dict[str, Any] = {
        "name": _text(data, "name"), "kind": _text(data, "kind"), "content": _text(data, "content"),
        "responsible_unit": _text(data, "responsible_unit"), "responsible_person": _text(data, "responsible_person"),
        "responsible_phone": _text(data, "responsible_phone"), "expected_benefit": _text(data, "expected_benefit"),
        "linkage": _text(data, "linkage"),
    }
    if not values["name"] or len(values["name"]) > 100:
        problems.append(issue("name", "required", _("Give the project's name (up to 100 characters).")))
    if values["kind"] not in ProjectKind.values:
        problems.append(issue("kind", "unknown_code", _("Choose the kind of project.")))
    if not values["content"] or len(values["content"]) > 2000:
        problems.append(issue("content", "required", _("Describe the works (up to 2,000 characters).")))
    for name, limit in (("responsible_unit", 100), ("responsible_person", 40), ("expected_benefit", 2000),
                        ("linkage", 2000)):
        if len(values[name]) > limit:
            problems.append(issue(name, "too_long", _("At most %(limit)s characters."), limit=limit))
    problems += validation.check_phone(values["responsible_phone"], "responsible_phone")
    values["year"] = _year(data.get("year"), today, problems)
    values["planned_start"] = _date(data.get("planned_start"), "planned_start", _("Planned start"), problems=problems)
    values["planned_end"] = _date(data.get("planned_end"), "planned_end", _("Planned end"), problems=problems)
    if values["planned_start"] and values["planned_end"] and values["planned_end"] < values["planned_start"]:
        problems.append(issue("planned_end", "before_start", _("The planned end is before the planned start.")))
    area = _project_area(actor, _text(data, "area_code"), problems)
    if problems:
        raise ValidationFailed(issues=problems)
    values["area"] = area
    if project is None:
        project = Project(created_by=actor if getattr(actor, "pk", None) else None)
        before = None
    else:
        before = {k: getattr(project, k) for k in AUDITED_FIELDS}
        frozen = [k for k in ("name", "kind", "content", "year") if values[k] != getattr(project, k)]
        frozen += ["area_code"] if area.code != project.area_id else []
        if frozen and not library_content_editable(project):
            raise _frozen()
        if area.code != project.area_id and project.beneficiaries.exclude(
                within_area_q("household__area_id", area.code[:9].ljust(12, "0"))).exists():
            raise ValidationFailed(issues=[issue("area_code", "beneficiaries_elsewhere", _(
                "Some beneficiary households live outside the new place's township: change them first."))])
    for name, value in values.items():
        setattr(project, name, value)
    project.save()
    audit_record(actor=actor, action=PROJECT_SAVED, target_type="funds.project", target_id=project.pk,
                 area_code=project.area_id, before=before,
                 after={k: getattr(project, k) for k in AUDITED_FIELDS})
    return project


@transaction.atomic
def project_budget_set(*, actor: Any, project_id: int, amounts: Mapping[str, Any]) -> list[ProjectBudget]:
    """Set the project's budget by source (``amounts``: source → amount; an empty amount means none
    from that source). Replaces the previous budget; at least one source. A source's budget cannot
    fall below what was already allocated from it, nor the total below the beneficiaries' amounts."""
    project = _locked_project(actor, project_id)
    if not library_content_editable(project):
        raise _frozen()
    problems: list[FieldIssue] = []
    wanted: dict[str, Decimal] = {}
    for source, value in amounts.items():
        if source not in FundSource.values:
            problems.append(issue(f"amounts.{source}", "unknown_code", _("Unknown source of funds %(value)s."),
                                  value=str(source)[:20]))
            continue
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            continue
        amount = amount_or_issue(value, f"amounts.{source}", FundSource(source).label, problems=problems)
        if amount is not None:
            wanted[source] = amount
    if not wanted and not problems:
        problems.append(issue("amounts", "required", _("Give the amount of at least one source of funds.")))
    allocated = {row["fund__source"]: cents(row["total"]) for row in Allocation.objects.filter(project=project)
                 .values("fund__source").annotate(total=Sum("amount"))}
    for source, total in allocated.items():
        if total and wanted.get(source, ZERO) < total:
            problems.append(issue(f"amounts.{source}", "below_allocated", _(
                "%(source)s: %(allocated)s yuan are already allocated from this source; the budget cannot be less."),
                source=FundSource(source).label, allocated=yuan(total)))
    promised = _sum(a for a in project.beneficiaries.values_list("amount", flat=True) if a is not None)
    if not problems and _sum(wanted.values()) < promised:
        problems.append(issue("amounts", "below_beneficiaries", _(
            "The beneficiary households are promised %(amount)s yuan, more than this budget."), amount=yuan(promised)))
    if problems:
        raise ValidationFailed(issues=problems)
    before = {b.source: b.amount for b in project.budgets.all()}
    project.budgets.exclude(source__in=list(wanted)).delete()
    rows = []
    for source, amount in sorted(wanted.items()):
        row, _created = ProjectBudget.objects.update_or_create(project=project, source=source,
                                                                defaults={"amount": amount})
        rows.append(row)
    audit_record(actor=actor, action=BUDGET_SET, target_type="funds.project", target_id=project.pk,
                 area_code=project.area_id, before=before, after=wanted)
    return rows


@transaction.atomic
def project_beneficiaries_set(*, actor: Any, project_id: int,
                              rows: Sequence[Mapping[str, Any]]) -> list[ProjectBeneficiary]:
    """Set the households the project benefits (replacing the previous list): each row has
    ``household_id``, ``benefit`` (分红/务工/直接补助/其他) and an optional ``amount`` — the part of the
    project's money that reaches the household. Households must be in the actor's areas and in the
    project's township; the amounts together stay within the project's budget. Frozen while the
    library procedure runs past the village's application step."""
    project = _locked_project(actor, project_id)
    if not (library_content_editable(project) or project.status in FUNDABLE_STATUSES):
        raise _frozen()
    problems: list[FieldIssue] = []
    wanted: dict[int, tuple[str, Decimal | None]] = {}
    ids = []
    for index, row in enumerate(rows):
        where = f"rows[{index}]"
        try:
            household_id = _id(row.get("household_id"))
        except NotFound:
            problems.append(issue(f"{where}.household_id", "unknown", _("Choose a household.")))
            continue
        if household_id in wanted:
            problems.append(issue(f"{where}.household_id", "duplicate", _("This household is listed twice.")))
            continue
        benefit = str(row.get("benefit") or "")
        if benefit not in BenefitKind.values:
            problems.append(issue(f"{where}.benefit", "unknown_code", _("Choose how the household benefits.")))
        value = row.get("amount")
        amount = None
        if value not in (None, "") and not (isinstance(value, str) and not value.strip()):
            amount = amount_or_issue(value, f"{where}.amount", _("Amount reaching the household"), problems=problems)
        wanted[household_id] = (benefit, amount)
        ids.append(household_id)
    households = {h.pk: h for h in household_queryset(actor=actor).filter(pk__in=ids)}
    township = project.area_id[:9]  # the township part of a village's or township's code
    for index, household_id in enumerate(ids):
        household = households.get(household_id)
        if household is None:
            problems.append(issue(f"rows[{index}].household_id", "unknown",
                                  _("This household does not exist or is outside your areas.")))
        elif not household.area_id.startswith(township):
            problems.append(issue(f"rows[{index}].household_id", "elsewhere", _(
                "%(name)s lives outside the project's township."), name=household.head_name))
    budget = _sum(project.budgets.values_list("amount", flat=True))
    promised = _sum(amount for _benefit, amount in wanted.values() if amount is not None)
    if promised > budget:
        problems.append(issue("rows", "over_budget", _(
            "The amounts add up to %(promised)s yuan, more than the project's budget of %(budget)s yuan."),
            promised=yuan(promised), budget=yuan(budget)))
    if problems:
        raise ValidationFailed(issues=problems)
    before = {r.household_id: [r.benefit, r.amount] for r in project.beneficiaries.all()}
    project.beneficiaries.exclude(household_id__in=ids).delete()
    saved = []
    for household_id in ids:
        benefit, amount = wanted[household_id]
        row, _created = ProjectBeneficiary.objects.update_or_create(
            project=project, household_id=household_id, defaults={"benefit": benefit, "amount": amount})
        saved.append(row)
    audit_record(actor=actor, action=BENEFICIARIES_SET, target_type="funds.project", target_id=project.pk,
                 area_code=project.area_id, before=before,
                 after={h: [b, a] for h, (b, a) in wanted.items()})
    return saved


@transaction.atomic
def milestone_record(*, actor: Any, project_id: int, kind: str, date: Any, winning_bidder: str = "",
                     note: str = "", today: dt.date | None = None) -> ProjectMilestone:
    """Record (or correct the date of) a milestone of a project in the library: 立项, 招标 (with the
    winning bidder), 开工, 竣工, 验收. Works start only once, are completed after they started and
    accepted after completion; the dates keep that order and are not in the future. 开工, 竣工 and
    验收 move the project to under way, completed and accepted."""
    today = _today(today)
    project = _locked_project(actor, project_id)
    problems: list[FieldIssue] = []
    if project.status not in FUNDABLE_STATUSES:
        raise ValidationFailed(_("Milestones are recorded for projects in the library."), code="not_in_library")
    if kind not in MilestoneKind.values:
        raise ValidationFailed(issues=[issue("kind", "unknown_code", _("Choose the milestone."))])
    day = _date(date, "date", MilestoneKind(kind).label, problems=problems, required=True, today=today)
    winning_bidder, note = (winning_bidder or "").strip(), (note or "").strip()
    if kind == MilestoneKind.TENDER and not winning_bidder:
        problems.append(issue("winning_bidder", "required", _("Name the winning bidder (中标单位).")))
    if len(winning_bidder) > 100 or len(note) > 200:
        problems.append(issue("note", "too_long", _("The bidder has at most 100 characters, the note 200.")))
    recorded = {m.kind: m for m in project.milestones.all()}
    position = MILESTONE_ORDER.index(kind)
    needed = {MilestoneKind.COMPLETION: MilestoneKind.START, MilestoneKind.ACCEPTANCE: MilestoneKind.COMPLETION}
    if kind in needed and needed[kind] not in recorded:
        problems.append(issue("kind", "order", _("Record “%(before)s” first."), before=MilestoneKind(needed[kind]).label))
    if day is not None and not problems:
        for other_kind, other in recorded.items():
            other_position = MILESTONE_ORDER.index(other_kind)
            if (other_position < position and day < other.date) or (other_position > position and day > other.date):
                problems.append(issue("date", "order", _("%(this)s cannot be dated %(date)s: %(other)s is on %(other_date)s."),
                                      this=MilestoneKind(kind).label, date=day, other=MilestoneKind(other_kind).label,
                                      other_date=other.date))
    if problems:
        raise ValidationFailed(issues=problems)
    previous = recorded.get(kind)
    before = {"date": previous.date, "winning_bidder": previous.winning_bidder} if previous else None
    milestone, _created = ProjectMilestone.objects.update_or_create(
        project=project, kind=kind, defaults={"date": day, "winning_bidder": winning_bidder, "note": note,
                                              "recorded_by": actor if getattr(actor, "pk", None) else None})
    status = MILESTONE_STATUS.get(kind)
    order = list(ProjectStatus.values)
    if status is not None and order.index(status) > order.index(project.status):
        project.status = status
        project.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=MILESTONE_RECORDED, target_type="funds.project", target_id=project.pk,
                 area_code=project.area_id, before=before,
                 after={"kind": kind, "date": day, "winning_bidder": winning_bidder, "status": project.status})
    return milestone


def submission_problems(project: Project) -> list[FieldIssue]:
    """What a project lacks before it can be posted for the library (empty when it is complete)."""
    problems = []
    if not project.budgets.exists():
        problems.append(issue("amounts", "required", _("Set the budget by source first.")))
    if not project.responsible_unit or not project.responsible_person:
        problems.append(issue("responsible_unit", "required", _("Name the responsible unit and person.")))
    if not project.planned_start or not project.planned_end:
        problems.append(issue("planned_start", "required", _("Give the planned start and end.")))
    if project.is_industry and not project.linkage:
        problems.append(issue("linkage", "required", _(
            "An industry project says how it links farmers to its gains (联农带农): dividends, jobs, purchase…")))
    return problems


@transaction.atomic
def project_submit_to_library(*, actor: Any, project_id: int, comment: str = "",
                              today: dt.date | None = None) -> Project:
    """Submit a complete project to the library procedure (村级申报, or 乡镇申报 for a township
    project): the case goes to its first notice and the project's content is frozen until the
    procedure ends. Only the role of the application step in the project's area submits."""
    today = _today(today)
    project = _locked_project(actor, project_id)
    if project.status not in EDITABLE_STATUSES:
        raise ValidationFailed(_("%(name)s is already in the library procedure or in the library."),
                               code="already_submitted", params={"name": project.name})
    problems = submission_problems(project)
    if problems:
        raise ValidationFailed(issues=problems)
    project.status, project.library_on = ProjectStatus.IN_PROCEDURE, None
    project.save(update_fields=["status", "library_on", "updated_at"])
    case = workflow_services.subject_case_start(
        actor=actor, procedure_key=library.procedure_key_for(project), year=project.year, area_code=project.area_id,
        subject_ref=project.pk, params={"project": project.name}, comment=comment, today=today)
    project.refresh_from_db()
    project.library_case = case
    project.save(update_fields=["library_case", "updated_at"])
    audit_record(actor=actor, action=SUBMITTED, target_type="funds.project", target_id=project.pk,
                 area_code=project.area_id, after={"case": case.pk, "procedure": case.procedure_key})
    return project


# ---------------------------------------------------------------------------------------------- the ledger


@transaction.atomic
def fund_receive(*, actor: Any, source: str, year: Any, document_number: str, area_code: str, amount: Any,
                 received_on: Any = None, note: str = "", today: dt.date | None = None) -> Fund:
    """Record money received (资金下达) by a county or township in the actor's areas: source, year,
    document number (文号, once per source and area), amount, date (not in the future)."""
    _require_edit(actor)
    today = _today(today)
    problems: list[FieldIssue] = []
    if source not in FundSource.values:
        problems.append(issue("source", "unknown_code", _("Choose the source of the funds.")))
    year = _year(year, today, problems)
    document_number, note = (document_number or "").strip(), (note or "").strip()
    if not document_number or len(document_number) > 60:
        problems.append(issue("document_number", "required", _("Give the document number (文号), up to 60 characters.")))
    value = amount_or_issue(amount, "amount", _("Amount"), problems=problems)
    received_on = _date(received_on or today, "received_on", _("Received on"), problems=problems, today=today)
    area = Area.objects.filter(code=area_code).first() if area_code else None
    if area is None or not code_in_scope(actor, area.code):
        problems.append(issue("area_code", "area_scope", _("Choose a county or township in your areas.")))
    elif codes.level_of(area.code) not in (codes.COUNTY, codes.TOWNSHIP):
        problems.append(issue("area_code", "area_level", _("Funds are received by a county or a township.")))
    if len(note) > 200:
        problems.append(issue("note", "too_long", _("At most %(limit)s characters."), limit=200))
    if not problems and Fund.objects.filter(area=area, document_number=document_number, source=source).exists():
        problems.append(issue("document_number", "duplicate", _(
            "This document number is already recorded for this source here.")))
    if problems:
        raise ValidationFailed(issues=problems)
    try:
        with transaction.atomic():
            fund = Fund.objects.create(source=source, year=year, document_number=document_number, area=area,
                                       amount=value, received_on=received_on, note=note,
                                       created_by=actor if getattr(actor, "pk", None) else None)
    except IntegrityError as exc:
        raise ValidationFailed(issues=[issue("document_number", "duplicate", _(
            "This document number is already recorded for this source here."))]) from exc
    audit_record(actor=actor, action=FUND_RECEIVED, target_type="funds.fund", target_id=fund.pk, area_code=area.code,
                 after={"source": source, "year": year, "document_number": document_number, "amount": value,
                        "received_on": received_on})
    return fund


def _locked_fund(actor: Any, fund_id: Any) -> Fund:
    fund = fund_queryset(actor=actor).select_for_update(of=("self",)).filter(pk=_id(fund_id)).first()
    if fund is None:
        raise NotFound()
    _require_edit(actor)
    return fund


def fund_allocated(fund: Fund) -> Decimal:
    return _sum(Allocation.objects.filter(fund=fund).values_list("amount", flat=True))


def allocation_disbursed(allocation: Allocation) -> Decimal:
    return _sum(Disbursement.objects.filter(allocation=allocation).values_list("amount", flat=True))


@transaction.atomic
def allocate(*, actor: Any, fund_id: int, project_id: int, amount: Any, allocated_on: Any = None, note: str = "",
             today: dt.date | None = None) -> Allocation:
    """Allocate money of a fund to a project in the library inside the fund's area. Refused when the
    fund has not that much left, or when the project's allocations from the fund's source would pass
    its budget for that source. The fund and the project are locked while this is checked."""
    today = _today(today)
    fund = _locked_fund(actor, fund_id)
    project = project_queryset(actor=actor).select_for_update(of=("self",)).filter(pk=_id(project_id)).first()
    if project is None:
        raise NotFound()
    problems: list[FieldIssue] = []
    value = amount_or_issue(amount, "amount", _("Amount"), problems=problems)
    day = _date(allocated_on or today, "allocated_on", _("Allocated on"), problems=problems, today=today)
    note = (note or "").strip()[:200]
    if project.status not in FUNDABLE_STATUSES:
        problems.append(issue("project_id", "not_in_library", _(
            "%(name)s is not in the project library: only projects in the library receive money."), name=project.name))
    elif not project.area_id.startswith(codes.prefix_of(fund.area_id)):
        problems.append(issue("project_id", "outside_fund_area", _(
            "%(name)s is outside the area that received this fund."), name=project.name))
    if day is not None and day < fund.received_on:
        problems.append(issue("allocated_on", "before_receipt", _("The fund was received on %(date)s, later than this."),
                              date=fund.received_on))
    if value is not None and not problems:
        left = fund.amount - fund_allocated(fund)
        if value > left:
            problems.append(issue("amount", "over_fund", _(
                "Only %(left)s yuan of this fund are not yet allocated; %(amount)s yuan is more."),
                left=yuan(left), amount=yuan(value)))
        budget = project.budgets.filter(source=fund.source).values_list("amount", flat=True).first()
        from_source = _sum(Allocation.objects.filter(project=project, fund__source=fund.source)
                           .values_list("amount", flat=True))
        if budget is None:
            problems.append(issue("amount", "no_budget", _(
                "%(name)s has no budget from %(source)s."), name=project.name, source=fund.get_source_display()))
        elif value > budget - from_source:
            problems.append(issue("amount", "over_budget", _(
                "%(name)s's budget from %(source)s is %(budget)s yuan, of which %(allocated)s are allocated: "
                "%(amount)s yuan is more than the %(left)s left."), name=project.name,
                source=fund.get_source_display(), budget=yuan(budget), allocated=yuan(from_source),
                amount=yuan(value), left=yuan(budget - from_source)))
    if problems:
        raise ValidationFailed(issues=problems)
    allocation = Allocation.objects.create(fund=fund, project=project, amount=value, allocated_on=day, note=note,
                                           created_by=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, action=ALLOCATED, target_type="funds.allocation", target_id=allocation.pk,
                 area_code=project.area_id, after={"fund": fund.pk, "document_number": fund.document_number,
                                                   "source": fund.source, "project": project.pk, "amount": value,
                                                   "allocated_on": day})
    return allocation


def _locked_allocation(actor: Any, allocation_id: Any) -> tuple[Fund, Allocation]:
    """The allocation and its fund, both locked (fund first, as ``allocate`` locks them)."""
    pk = _id(allocation_id)
    fund_id = Allocation.objects.filter(pk=pk).values_list("fund_id", flat=True).first()
    if fund_id is None:
        raise NotFound()
    fund = _locked_fund(actor, fund_id)
    allocation = Allocation.objects.select_for_update().get(pk=pk)
    return fund, allocation


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed(issues=[issue("reason", "required", _("Give the reason (up to 200 characters)."))])
    return reason


@transaction.atomic
def allocation_reverse(*, actor: Any, allocation_id: int, reason: str, today: dt.date | None = None) -> Allocation:
    """Reverse a wrong allocation with a negative line naming it (the money returns to the fund).
    Only an allocation with nothing paid out of it (its disbursements reversed first), once."""
    today = _today(today)
    fund, allocation = _locked_allocation(actor, allocation_id)
    reason = _reason(reason)
    if allocation.reverses_id is not None or Allocation.objects.filter(reverses=allocation).exists():
        raise ValidationFailed(_("This allocation is already reversed (or is itself a reversal)."),
                               code="already_reversed")
    paid = allocation_disbursed(allocation)
    if paid:
        raise ValidationFailed(_("%(amount)s yuan were paid out of this allocation: reverse those disbursements "
                                 "first."), code="disbursed", params={"amount": yuan(paid)})
    reversal = Allocation.objects.create(fund=fund, project_id=allocation.project_id, amount=-allocation.amount,
                                         allocated_on=today, note=reason[:200], reverses=allocation,
                                         created_by=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, action=ALLOCATION_REVERSED, target_type="funds.allocation", target_id=allocation.pk,
                 area_code=fund.area_id, after={"reversal": reversal.pk, "amount": reversal.amount, "reason": reason})
    return reversal


@transaction.atomic
def disburse(*, actor: Any, allocation_id: int, amount: Any, payee: str, voucher_number: str, paid_on: Any = None,
             note: str = "", today: dt.date | None = None) -> Disbursement:
    """Pay money out of an allocation (拨付): amount, date (not before the allocation, not in the
    future), payee and voucher number. Never more than the allocation has left: the fund and the
    allocation rows are locked while the sum is checked, so concurrent payments cannot together
    overspend."""
    today = _today(today)
    fund, allocation = _locked_allocation(actor, allocation_id)
    problems: list[FieldIssue] = []
    value = amount_or_issue(amount, "amount", _("Amount"), problems=problems)
    day = _date(paid_on or today, "paid_on", _("Paid on"), problems=problems, today=today)
    payee, voucher_number, note = (payee or "").strip(), (voucher_number or "").strip(), (note or "").strip()
    if not payee or len(payee) > 100:
        problems.append(issue("payee", "required", _("Name the payee (up to 100 characters).")))
    if not voucher_number or len(voucher_number) > 60:
        problems.append(issue("voucher_number", "required", _("Give the voucher number (up to 60 characters).")))
    if allocation.reverses_id is not None or Allocation.objects.filter(reverses=allocation).exists():
        problems.append(issue("allocation_id", "reversed", _("This allocation was reversed; nothing is paid from it.")))
    if day is not None and day < allocation.allocated_on:
        problems.append(issue("paid_on", "before_allocation", _("The money was allocated on %(date)s, later than this."),
                              date=allocation.allocated_on))
    if value is not None and not problems:
        left = allocation.amount - allocation_disbursed(allocation)
        if value > left:
            problems.append(issue("amount", "over_allocation", _(
                "Only %(left)s yuan of this allocation are not yet paid out; %(amount)s yuan is more."),
                left=yuan(left), amount=yuan(value)))
    if problems:
        raise ValidationFailed(issues=problems)
    disbursement = Disbursement.objects.create(
        allocation=allocation, amount=value, paid_on=day, payee=payee, voucher_number=voucher_number,
        note=note[:200], created_by=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, action=DISBURSED, target_type="funds.disbursement", target_id=disbursement.pk,
                 area_code=fund.area_id, after={"allocation": allocation.pk, "fund": fund.pk,
                                                "project": allocation.project_id, "amount": value, "paid_on": day,
                                                "payee": payee, "voucher_number": voucher_number})
    return disbursement


@transaction.atomic
def disbursement_reverse(*, actor: Any, disbursement_id: int, reason: str,
                         today: dt.date | None = None) -> Disbursement:
    """Reverse a wrong disbursement with a negative line naming it (红字冲销), dated today, once; the
    money is available on the allocation again."""
    today = _today(today)
    pk = _id(disbursement_id)
    allocation_id = Disbursement.objects.filter(pk=pk).values_list("allocation_id", flat=True).first()
    if allocation_id is None:
        raise NotFound()
    fund, allocation = _locked_allocation(actor, allocation_id)
    disbursement = Disbursement.objects.select_for_update().get(pk=pk)
    reason = _reason(reason)
    if disbursement.reverses_id is not None or Disbursement.objects.filter(reverses=disbursement).exists():
        raise ValidationFailed(_("This disbursement is already reversed (or is itself a reversal)."),
                               code="already_reversed")
    reversal = Disbursement.objects.create(
        allocation=allocation, amount=-disbursement.amount, paid_on=max(today, disbursement.paid_on),
        payee=disbursement.payee, voucher_number=disbursement.voucher_number, note=reason[:200],
        reverses=disbursement, created_by=actor if getattr(actor, "pk", None) else None)
    audit_record(actor=actor, action=DISBURSEMENT_REVERSED, target_type="funds.disbursement",
                 target_id=disbursement.pk, area_code=fund.area_id,
                 after={"reversal": reversal.pk, "amount": reversal.amount, "reason": reason})
    return reversal
