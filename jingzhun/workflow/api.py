"""Procedures and notices in the REST API: the same services, rules and scopes as the pages.

A case or notice outside your areas answers 404 exactly like a missing one; acting at a step that
is not your role's answers 403; a case that moved since you read it answers 409 ``step_changed``;
a refused rule answers 422 with its reason in zh-hans and en. Evidence files are uploaded through
the pages; the API lists them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jingzhun.api.schemas import ERRORS
from jingzhun.core import clock
from jingzhun.workflow import selectors, services
from jingzhun.workflow.models import Case, Decision, Notice

cases = Router(tags=["procedures"])
notices = Router(tags=["notices"])
MAX_LIMIT = 500


class StepOut(Schema):
    id: int
    position: int
    code: str
    name_zh: str
    name_en: str
    kind: str
    level: str
    role: str


class CaseOut(Schema):
    id: int
    procedure: str
    procedure_name: str
    year: int
    household_id: int | None
    subject_ref: int | None = Field(None, description="the project's id for a project-library case")
    area_code: str
    status: str
    position: int
    step: StepOut | None
    started_on: dt.date
    clue_on: dt.date | None
    due_on: dt.date | None
    step_due_on: dt.date | None
    closed_on: dt.date | None
    params: dict[str, Any]


class DecisionOut(Schema):
    action: str
    step: str | None
    from_position: int
    to_position: int | None
    actor: str
    role: str
    decided_on: dt.date
    comment: str
    notice_id: int | None
    evidence: list[str]


class CaseDetailOut(CaseOut):
    decisions: list[DecisionOut]


class CasePage(Schema):
    count: int
    items: list[CaseOut]


class StartIn(Schema):
    procedure: str = Field(..., description="procedure key, e.g. identification_2014, monitoring_2021")
    year: int
    household_ids: list[int] = []
    area_codes: list[str] = Field([], description="for village and county exits")
    params: dict[str, Any] = Field({}, description="monitoring_type, risks, method, measures, main_cause…")
    clue_on: dt.date | None = None
    comment: str = ""


class ActIn(Schema):
    case_ids: list[int]
    action: Literal["approve", "return", "reject", "withdraw"]
    at_position: int = Field(..., description="the step the cases stand at as you read them")
    comment: str = ""
    return_to: int | None = None


class NoticeIn(Schema):
    case_ids: list[int]
    at_position: int
    contact_name: str = ""
    contact_phone: str = ""
    starts_on: dt.date | None = None
    reason: str = ""


class EntryOut(Schema):
    id: int
    line: int
    case_id: int
    name: str
    group_name: str
    household_size: int | None
    decision: str
    reason: str
    details: dict[str, Any] = Field({}, description="a project's place, content, budget, sources, beneficiaries")
    withdrawn: bool


class ObjectionOut(Schema):
    id: int
    entry_id: int | None
    filed_by_name: str
    contact: str
    content: str
    filed_on: dt.date
    status: str
    resolution: str


class NoticeOut(Schema):
    id: int
    title: str
    kind: str
    area_code: str
    year: int
    starts_on: dt.date
    ends_on: dt.date
    days: int
    working_days: bool
    status: str
    contact_name: str
    contact_phone: str
    public_token: str


class NoticeDetailOut(NoticeOut):
    entries: list[EntryOut]
    objections: list[ObjectionOut]


class ResolveIn(Schema):
    upheld: bool
    resolution: str


def _step(step: Any) -> dict[str, Any] | None:
    if step is None:
        return None
    return {k: getattr(step, k) for k in ("id", "position", "code", "name_zh", "name_en", "kind", "level", "role")}


def _case(case: Case) -> dict[str, Any]:
    return {"id": case.pk, "procedure": case.procedure_key, "procedure_name": case.procedure.name_zh, "year": case.year,
            "household_id": case.household_id, "subject_ref": case.subject_ref, "area_code": case.area_id, "status": case.status,
            "position": case.position, "step": _step(case.step), "started_on": case.started_on, "clue_on": case.clue_on,
            "due_on": case.due_on, "step_due_on": case.step_due_on, "closed_on": case.closed_on, "params": case.params}


def _notice(notice: Notice) -> dict[str, Any]:
    return {"id": notice.pk, "title": notice.title, "kind": notice.kind, "area_code": notice.area_id,
            "year": notice.year, "starts_on": notice.starts_on, "ends_on": notice.ends_on, "days": notice.days,
            "working_days": notice.working_days, "status": notice.status, "contact_name": notice.contact_name,
            "contact_phone": notice.contact_phone, "public_token": str(notice.public_token)}


@cases.get("", response={200: CasePage, **ERRORS}, summary="Cases in your areas")
def case_list(request: HttpRequest, status: str = "", procedure: str = "", year: int | None = None,
              waiting_for_me: bool = False, limit: int = Query(100, ge=1, le=MAX_LIMIT),
              offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """Cases whose household, village or county is inside your areas; ``waiting_for_me`` keeps the
    open ones at a step your role acts on."""
    queryset = (selectors.waiting_for if waiting_for_me else selectors.case_queryset)(actor=request.auth)
    if status:
        queryset = queryset.filter(status=status)
    if procedure:
        queryset = queryset.filter(procedure_key=procedure)
    if year:
        queryset = queryset.filter(year=year)
    queryset = queryset.order_by("id")
    return {"count": queryset.count(), "items": [_case(c) for c in queryset[offset:offset + limit]]}


@cases.get("/overdue", response={200: CasePage, **ERRORS}, summary="Open cases past their time limit, for your role")
def case_overdue(request: HttpRequest) -> dict[str, Any]:
    rows = list(selectors.overdue_cases(actor=request.auth, today=clock.today())[:MAX_LIMIT])
    return {"count": len(rows), "items": [_case(c) for c in rows]}


@cases.get("/{int:case_id}", response={200: CaseDetailOut, **ERRORS}, summary="One case with its decisions")
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case = selectors.case_get(actor=request.auth, pk=case_id)
    decisions = Decision.objects.filter(case=case).select_related("step").prefetch_related("evidence")
    return {**_case(case), "decisions": [
        {"action": d.action, "step": d.step.code if d.step else None, "from_position": d.from_position,
         "to_position": d.to_position, "actor": d.actor_name, "role": d.role, "decided_on": d.decided_on,
         "comment": d.comment, "notice_id": d.notice_id, "evidence": [e.original_name for e in d.evidence.all()]}
        for d in decisions]}


@cases.post("", response={201: CasePage, **ERRORS}, summary="Start a procedure for households or areas")
def case_start(request: HttpRequest, payload: StartIn) -> Status:
    started = services.cases_start(actor=request.auth, procedure_key=payload.procedure, year=payload.year,
                                   household_ids=payload.household_ids, area_codes=payload.area_codes,
                                   params=payload.params, clue_on=payload.clue_on, comment=payload.comment)
    return Status(201, {"count": len(started), "items": [_case(c) for c in started]})


@cases.post("/act", response={200: CasePage, **ERRORS}, summary="Approve, return, reject or withdraw cases")
def case_act(request: HttpRequest, payload: ActIn) -> dict[str, Any]:
    """All or nothing: every case must stand at ``at_position`` and be yours to act on."""
    done = services.cases_act(actor=request.auth, case_ids=payload.case_ids, action=payload.action,
                              at_position=payload.at_position, comment=payload.comment, return_to=payload.return_to)
    fresh = selectors.case_queryset(actor=request.auth).filter(pk__in=[c.pk for c in done]).order_by("id")
    return {"count": len(done), "items": [_case(c) for c in fresh]}


@notices.get("", response={200: list[NoticeOut], **ERRORS}, summary="Notices posted in your areas")
def notice_list(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    queryset = selectors.notice_queryset(actor=request.auth)
    if status:
        queryset = queryset.filter(status=status)
    return [_notice(n) for n in queryset[:MAX_LIMIT]]


@notices.get("/{int:notice_id}", response={200: NoticeDetailOut, **ERRORS}, summary="One notice")
def notice_detail(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    notice = selectors.notice_get(actor=request.auth, pk=notice_id)
    # Who objected is for the officials who check the objection, as the public form promises.
    manages = selectors.may_act_in(request.auth, notice.area_id, notice.step)
    return {**_notice(notice),
            "entries": [{"id": e.pk, "line": e.line, "case_id": e.case_id, "name": e.name, "group_name": e.group_name,
                         "household_size": e.household_size, "decision": e.decision, "reason": e.reason,
                         "details": e.details, "withdrawn": e.withdrawn} for e in notice.entries.order_by("line")],
            "objections": [{"id": o.pk, "entry_id": o.entry_id, "filed_by_name": o.filed_by_name if manages else "",
                            "contact": o.contact if manages else "",
                            "content": o.content, "filed_on": o.filed_on, "status": o.status,
                            "resolution": o.resolution} for o in notice.objections.order_by("id")]}


@notices.post("", response={201: NoticeOut, **ERRORS}, summary="Post a notice (公示) or an announcement (公告)")
def notice_post(request: HttpRequest, payload: NoticeIn) -> Status:
    notice = services.notice_publish(actor=request.auth, case_ids=payload.case_ids, at_position=payload.at_position,
                                     contact_name=payload.contact_name, contact_phone=payload.contact_phone,
                                     starts_on=payload.starts_on, reason=payload.reason)
    return Status(201, _notice(notice))


@notices.post("/{int:notice_id}/close", response={200: NoticeOut, **ERRORS}, summary="Close a notice after its end")
def notice_close(request: HttpRequest, notice_id: int) -> dict[str, Any]:
    return _notice(services.notice_close(actor=request.auth, notice_id=notice_id))


@notices.post("/objections/{int:objection_id}/resolve", response={200: ObjectionOut, **ERRORS},
              summary="Uphold or dismiss an objection")
def objection_resolve(request: HttpRequest, objection_id: int, payload: ResolveIn) -> dict[str, Any]:
    o = services.objection_resolve(actor=request.auth, objection_id=objection_id, upheld=payload.upheld,
                                   resolution=payload.resolution)
    return {"id": o.pk, "entry_id": o.entry_id, "filed_by_name": o.filed_by_name, "contact": o.contact,
            "content": o.content, "filed_on": o.filed_on, "status": o.status, "resolution": o.resolution}
