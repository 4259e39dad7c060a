"""Reads of procedures, cases, queues and notices, always through the actor's area scope.

Every fetch by id answers "not found" alike for a missing row and for one outside the actor's areas.
The public notice page is the one read without login: ``notice_public_get`` returns only what a
notice shows (entries not taken off), looked up by its unguessable token.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from jingzhun.accounts.scope import area_scope_q, code_in_scope, sees_everything, within_area_q
from jingzhun.areas import codes
from jingzhun.core.exceptions import NotFound
from jingzhun.workflow import flows
from jingzhun.workflow.models import Case, CaseStatus, Notice, NoticeEntry, NoticeStatus, Procedure, Step


def procedure_resolve(*, key: str, year: int, area_code: str | None) -> Procedure:
    """The definition of ``key`` in force for ``year`` in ``area_code``: the nearest region that has
    an active one (county, then city, then province, then the national preset), latest
    ``from_year`` not after ``year``. Raises NotFound when none applies."""
    chain = [c for c in codes.region_chain(area_code) if c]
    rows = Procedure.objects.filter(key=key, from_year__lte=year, active=True).filter(
        Q(region__isnull=True) | Q(region_id__in=chain))
    best = codes.nearest_regional(rows, area_code, region=lambda p: p.region_id, year=lambda p: p.from_year)
    if best is not None:
        return best
    raise NotFound()


def procedures_in_force(*, year: int, area_code: str | None, subject: str | None = None) -> list[Procedure]:
    """One definition per key (the one ``procedure_resolve`` picks), for the start page."""
    keys = Procedure.objects.filter(active=True, from_year__lte=year)
    if subject:
        keys = keys.filter(subject=subject)
    out = []
    for key in sorted(set(keys.values_list("key", flat=True))):
        try:
            out.append(procedure_resolve(key=key, year=year, area_code=area_code))
        except NotFound:
            continue
    return out


def case_queryset(*, actor: Any) -> QuerySet[Case]:
    """Cases whose household, village or county lies inside the actor's areas."""
    return (Case.objects.filter(area_scope_q(actor, "area_id"))
            .select_related("procedure", "step", "household", "area"))


def case_get(*, actor: Any, pk: int) -> Case:
    case = case_queryset(actor=actor).filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


def may_act(actor: Any, case: Case, step: Step | None = None) -> bool:
    """Whether ``actor`` is the role and area that acts at ``step`` (default: the case's current step)."""
    return may_act_in(actor, case.area_id, step or case.step)


def may_act_in(actor: Any, area_code: str, step: Step | None) -> bool:
    """Whether ``actor`` is the role that acts at ``step`` and covers ``area_code`` at the step's level
    (a case's area, or the area a notice is posted in)."""
    if step is None or actor is None or not getattr(actor, "is_active", False):
        return False
    if sees_everything(actor):
        return True
    if getattr(actor, "role", "") != step.role:
        return False
    return code_in_scope(actor, flows.area_at_level(area_code, step.level))


def may_start(actor: Any, procedure_key: str, year: int, area_code: str) -> bool:
    """Whether ``actor`` performs the first step of ``procedure_key`` in ``area_code`` for ``year``."""
    try:
        procedure = procedure_resolve(key=procedure_key, year=year, area_code=area_code)
    except NotFound:
        return False
    first = procedure.steps.order_by("position").first()
    return first is not None and may_act_in(actor, area_code, first)


def household_cases(*, actor: Any, household_id: int) -> list[Case]:
    return list(case_queryset(actor=actor).filter(household_id=household_id).order_by("-year", "-id"))


@dataclass(frozen=True)
class QueueRow:
    step: Step
    year: int
    area_code: str
    area_name: str
    count: int
    overdue: int


def waiting_for(*, actor: Any) -> QuerySet[Case]:
    """Open cases in the actor's areas standing at a step of the actor's role (all for a superuser)."""
    cases = case_queryset(actor=actor).filter(status=CaseStatus.OPEN)
    if not sees_everything(actor):
        cases = cases.filter(step__role=getattr(actor, "role", ""))
    return cases


def _overdue_q(today: dt.date) -> Q:
    return Q(due_on__lt=today) | Q(step_due_on__lt=today)


def queue(*, actor: Any, today: dt.date) -> list[QueueRow]:
    """Open cases waiting for the actor's role in the actor's areas, by step, year and area, with
    how many of them are past their time limit."""
    rows = (waiting_for(actor=actor).values("step_id", "year", "area_id", "area__name")
            .annotate(count=Count("id"), overdue=Count("id", filter=_overdue_q(today)))
            .order_by("step__procedure__key", "year", "step__position", "area_id"))
    steps = Step.objects.select_related("procedure").in_bulk({r["step_id"] for r in rows})
    return [QueueRow(steps[r["step_id"]], r["year"], r["area_id"], r["area__name"], r["count"], r["overdue"])
            for r in rows]


def overdue_cases(*, actor: Any, today: dt.date) -> QuerySet[Case]:
    """Open cases past the procedure's or the step's time limit, for the level that must act now."""
    return waiting_for(actor=actor).filter(_overdue_q(today)).order_by("due_on", "step_due_on", "id")


def cases_at(*, actor: Any, step_id: int, area_code: str, year: int) -> QuerySet[Case]:
    """Open cases at one step in one area (and below) for one year — what one screen acts on."""
    return (case_queryset(actor=actor)
            .filter(within_area_q("area_id", area_code), status=CaseStatus.OPEN, step_id=step_id, year=year)
            .order_by("area_id", "household__group_name", "household__household_number", "id"))


def on_open_notice(case_ids: list[int]) -> set[int]:
    """Cases already listed (and not taken off) on a notice that is still posted."""
    return set(NoticeEntry.objects.filter(case_id__in=case_ids, withdrawn=False, notice__status=NoticeStatus.OPEN)
               .values_list("case_id", flat=True))


def notice_queryset(*, actor: Any) -> QuerySet[Notice]:
    return Notice.objects.filter(area_scope_q(actor, "area_id")).select_related("procedure", "step", "area")


def notice_get(*, actor: Any, pk: int) -> Notice:
    notice = notice_queryset(actor=actor).filter(pk=pk).first()
    if notice is None:
        raise NotFound()
    return notice


def notice_public_get(*, token: str) -> Notice:
    """The notice behind a public link (no login). NotFound for an unknown or malformed token."""
    try:
        key = uuid.UUID(str(token))
    except ValueError:
        raise NotFound() from None
    notice = Notice.objects.select_related("procedure", "step", "area").filter(public_token=key).first()
    if notice is None:
        raise NotFound()
    return notice


def notice_public_entries(notice: Notice) -> list[NoticeEntry]:
    return list(notice.entries.filter(withdrawn=False).order_by("line"))
