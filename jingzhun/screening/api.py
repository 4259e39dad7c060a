"""Screening in the REST API: runs, their hits, fixing and exempting, a household's hits, the
department lists loaded.

Reads go through ``screening.selectors`` (a run, hit or household outside your areas answers 404
exactly like a missing one); writes through ``screening.services`` (role → 403, validation → 422
with the field named). Starting a run records it and hands it to ``jobs.submit``: the answer comes
at once with the run's id and status; poll ``GET /screening/runs/{id}`` for progress. ID numbers and
phones in hits are masked for roles without ``registry.view_sensitive``, as everywhere else.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status

from jingzhun.api.schemas import ERRORS, CodeOut
from jingzhun.areas import codes
from jingzhun.core.exceptions import ValidationFailed, issue
from jingzhun.registry import privacy
from jingzhun.registry import selectors as registry_selectors
from jingzhun.screening import jobs, presenters, selectors, services
from jingzhun.screening.catalogue import RULES_BY_ID
from jingzhun.screening.catalogue.base import DATA_SOURCES
from jingzhun.screening.models import DepartmentList, Hit, HitStatus, RunStatus, ScreeningRun

screening = Router(tags=["screening"])
MAX_LIMIT = 200
# Values whose column holds personal data, masked like the registry masks them.
MASKED_COLUMNS = {"id_number": privacy.mask_id_number, "phone": privacy.mask_phone,
                  "household_phone": privacy.mask_phone}


# --- schemas -----------------------------------------------------------------------------------------


class RunIn(Schema):
    year: int
    area: str = Field(..., description="12-digit code of the area to screen (inside your areas), e.g. a county")
    groups: list[str] = Field([], description="rule groups (eligibility, exclusion, exit, monitoring, quality, "
                                              "quality.identity, …); all when empty")


class RunStartedOut(Schema):
    id: int
    status: CodeOut


class ProgressOut(Schema):
    stage: str = Field(..., description="snapshot, features, rules or writing while running")
    done: int
    total: int


class RuleCountOut(Schema):
    rule_id: str
    name: str = Field(..., description="in the request's language")
    name_zh: str
    name_en: str
    group: str
    severity: str
    hits: int


class RunOut(Schema):
    id: int
    year: int
    area_code: str
    area_name: str
    groups: list[str]
    engine: str
    status: CodeOut
    stale: bool = Field(..., description="still queued or running long after it started: its process died")
    progress: ProgressOut
    started_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    persons: int
    households: int
    hit_count: int
    rule_ids: list[str] = Field(..., description="the rules run")
    rules_without_data: list[str] = Field(..., description="rules left off: no department list loaded for them")
    counts: list[RuleCountOut] = Field(..., description="hits per rule run, in catalogue order")
    error: str


class RunPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RunOut]


class ExemptionOut(Schema):
    id: int
    reason: str
    year_from: int
    year_to: int | None


class HitOut(Schema):
    id: int
    run_id: int
    year: int
    rule_id: str
    rule_name: str = Field(..., description="in the request's language")
    group: str
    severity: str
    scope: str = Field(..., description="the unit: person, household, village or county")
    unit_key: str = Field(..., description="the member's ID number (masked as your role requires), the household "
                                           "number, or the area code")
    area_code: str
    household_id: int | None
    household_number: str | None
    person_id: int | None
    values: dict[str, Any] = Field(..., description="the values that triggered the rule, by name")
    message: str = Field(..., description="the explanation in the request's language")
    message_zh: str
    message_en: str
    status: CodeOut
    note: str
    reopened: bool = Field(..., description="marked fixed before, found again by a later run")
    resolved_at: dt.datetime | None
    exemption: ExemptionOut | None


class HitPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[HitOut]


class HitFixIn(Schema):
    note: str = Field(..., description="what was corrected")


class HitExemptIn(Schema):
    reason: str = Field(..., description="why the rule does not apply (at least 4 characters)")
    year_to: int | None = Field(None, description="last year the exemption holds (default: open-ended)")


class HitFilters(Schema):
    rule: str = Field("", description="a rule id, e.g. MON-01")
    area: str = Field("", description="12-digit area code: only hits at or below it")
    status: str = Field("", description="open, fixed or exempt")


class DepartmentListOut(Schema):
    id: int
    source: str
    source_name_zh: str
    source_name_en: str
    area_code: str
    area_name: str
    year: int
    file_name: str
    row_count: int
    loaded_by: str
    loaded_at: dt.datetime


# --- presentation ------------------------------------------------------------------------------------


def _english() -> bool:
    return (translation.get_language() or "").startswith("en")


def _status(choices: Any, value: str) -> dict[str, str]:
    return {"code": value, "label": str(choices(value).label) if value in choices.values else value}


def _run_out(run: ScreeningRun) -> dict[str, Any]:
    english = _english()
    counts = []
    for rule_id in run.rule_ids or list(run.counts):
        rule = RULES_BY_ID.get(rule_id)
        counts.append({
            "rule_id": rule_id, "name": (rule.name_en if english else rule.name_zh) if rule else rule_id,
            "name_zh": rule.name_zh if rule else rule_id, "name_en": rule.name_en if rule else rule_id,
            "group": rule.group if rule else "", "severity": str(rule.severity) if rule else "",
            "hits": int(run.counts.get(rule_id, 0)),
        })
    return {
        "id": run.pk, "year": run.year, "area_code": run.area_id, "area_name": run.area.name, "groups": run.groups,
        "engine": run.engine, "status": _status(RunStatus, run.status), "stale": selectors.run_is_stale(run),
        "progress": {"stage": run.stage, "done": run.done, "total": run.total},
        "started_by": run.started_by.username if run.started_by else "", "created_at": run.created_at,
        "started_at": run.started_at, "finished_at": run.finished_at, "persons": run.persons,
        "households": run.households, "hit_count": run.hit_count, "rule_ids": run.rule_ids,
        "rules_without_data": run.rules_without_data, "counts": counts, "error": run.error,
    }


def _shown(actor: Any, hit: Hit) -> tuple[str, dict[str, Any], str, str, str]:
    """The unit key, values, sentences and note with ID numbers and phones masked for roles that may
    not see them (values by their column, free text by ``presenters.mask_numbers``)."""
    if privacy.sees_sensitive(actor):
        return hit.unit_key, hit.values, hit.message_zh, hit.message_en, hit.note
    values = dict(hit.values)
    rule = RULES_BY_ID.get(hit.rule_id)
    for value in rule.values if rule else ():
        mask = MASKED_COLUMNS.get(value.sql)
        raw = values.get(value.name)
        if mask and isinstance(raw, str) and raw:
            values[value.name] = mask(raw)
    unit_key = privacy.mask_id_number(hit.unit_key) if hit.scope == "person" and hit.unit_key else hit.unit_key
    return (unit_key, values, presenters.mask_numbers(hit.message_zh, actor),
            presenters.mask_numbers(hit.message_en, actor), presenters.mask_numbers(hit.note, actor))


def _hit_out(actor: Any, hit: Hit) -> dict[str, Any]:
    rule = RULES_BY_ID.get(hit.rule_id)
    english = _english()
    unit_key, values, message_zh, message_en, note = _shown(actor, hit)
    exemption = hit.exemption if hit.exemption_id else None
    return {
        "id": hit.pk, "run_id": hit.run_id, "year": hit.year, "rule_id": hit.rule_id,
        "rule_name": (rule.name_en if english else rule.name_zh) if rule else hit.rule_id,
        "group": hit.group, "severity": hit.severity, "scope": hit.scope, "unit_key": unit_key,
        "area_code": hit.area_id, "household_id": hit.household_id,
        "household_number": hit.household.household_number if hit.household_id else None,
        "person_id": hit.person_id, "values": values, "message": message_en if english else message_zh,
        "message_zh": message_zh, "message_en": message_en, "status": _status(HitStatus, hit.status),
        "note": note, "reopened": hit.reopened, "resolved_at": hit.resolved_at,
        "exemption": None if exemption is None else {"id": exemption.pk, "reason": exemption.reason,
                                                     "year_from": exemption.year_from, "year_to": exemption.year_to},
    }


def _hit_fresh(request: HttpRequest, hit_id: int) -> dict[str, Any]:
    return _hit_out(request.auth, selectors.hit_get(actor=request.auth, hit_id=hit_id))


def _department_out(item: DepartmentList) -> dict[str, Any]:
    zh, en = DATA_SOURCES[item.source]
    return {"id": item.pk, "source": item.source, "source_name_zh": zh, "source_name_en": en,
            "area_code": item.area_id, "area_name": item.area.name, "year": item.year, "file_name": item.file_name,
            "row_count": item.row_count, "loaded_by": item.loaded_by.username if item.loaded_by else "",
            "loaded_at": item.loaded_at}


def _check_area(name: str, code: str) -> None:
    if code and not codes.is_area_code(code):
        raise ValidationFailed(issues=[issue(name, "area_code", _("An area code has 12 digits."))])


# --- runs ------------------------------------------------------------------------------------------------


@screening.get("/runs", response={200: RunPage, **ERRORS}, summary="Screening runs in your areas")
def run_list(request: HttpRequest, limit: int = Query(50, ge=1, le=MAX_LIMIT),
             offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """Runs of areas inside your areas, newest first."""
    runs = selectors.runs_visible(actor=request.auth)
    return {"count": runs.count(), "limit": limit, "offset": offset,
            "items": [_run_out(r) for r in runs[offset:offset + limit]]}


@screening.post("/runs", response={202: RunStartedOut, **ERRORS}, summary="Start a screening run")
def run_start(request: HttpRequest, payload: RunIn) -> Status:
    """Record a run for ``year`` and ``area`` and queue it; answers at once with its id and status.
    Needs ``screening.run``. The run replaces the previous hits of the same year, area and rules when
    it finishes (fixes and exemptions are kept)."""
    _check_area("area", payload.area)
    run = services.screening_start(actor=request.auth, year=payload.year, area_code=payload.area,
                                   groups=payload.groups)
    jobs.submit(run.pk)
    run.refresh_from_db(fields=["status"])
    return Status(202, {"id": run.pk, "status": _status(RunStatus, run.status)})


@screening.get("/runs/{int:run_id}", response={200: RunOut, **ERRORS}, summary="One run: status, progress, counts")
def run_get(request: HttpRequest, run_id: int) -> dict[str, Any]:
    return _run_out(selectors.run_get(actor=request.auth, run_id=run_id))


@screening.get("/runs/{int:run_id}/hits", response={200: HitPage, **ERRORS}, summary="The hits of a run")
def run_hits(request: HttpRequest, run_id: int, filters: Query[HitFilters],
             limit: int = Query(50, ge=1, le=MAX_LIMIT), offset: int = Query(0, ge=0)) -> dict[str, Any]:
    """The run's hits inside your areas, by area, rule and unit; ``count`` counts all matches. Hits
    that a later run of the same year, area and rules replaced are no longer listed here."""
    _check_area("area", filters.area)
    if filters.status and filters.status not in HitStatus.values:
        raise ValidationFailed(issues=[issue("status", "invalid", _("Use one of: %(values)s."),
                                             values=", ".join(HitStatus.values))])
    hits = selectors.run_hits(actor=request.auth, run_id=run_id, rule_id=filters.rule, area_code=filters.area,
                              status=filters.status)
    return {"count": hits.count(), "limit": limit, "offset": offset,
            "items": [_hit_out(request.auth, h) for h in hits[offset:offset + limit]]}


# --- hits ------------------------------------------------------------------------------------------------


@screening.get("/hits/{int:hit_id}", response={200: HitOut, **ERRORS}, summary="One hit")
def hit_get(request: HttpRequest, hit_id: int) -> dict[str, Any]:
    return _hit_fresh(request, hit_id)


@screening.post("/hits/{int:hit_id}/fixed", response={200: HitOut, **ERRORS}, summary="Mark a hit fixed")
def hit_fixed(request: HttpRequest, hit_id: int, payload: HitFixIn) -> dict[str, Any]:
    """The data or the situation was corrected (say what in ``note``); the next run checks it and
    reopens the hit if the rule still applies. Needs ``registry.edit``."""
    services.hit_mark_fixed(actor=request.auth, hit_id=hit_id, note=payload.note)
    return _hit_fresh(request, hit_id)


@screening.post("/hits/{int:hit_id}/reopen", response={200: HitOut, **ERRORS}, summary="Reopen a hit marked fixed")
def hit_reopen(request: HttpRequest, hit_id: int) -> dict[str, Any]:
    services.hit_reopen(actor=request.auth, hit_id=hit_id)
    return _hit_fresh(request, hit_id)


@screening.post("/hits/{int:hit_id}/exempt", response={200: HitOut, **ERRORS}, summary="Exempt the unit from the rule")
def hit_exempt(request: HttpRequest, hit_id: int, payload: HitExemptIn) -> dict[str, Any]:
    """The rule does not apply to this unit (豁免) from the hit's year (to ``year_to``): later runs
    store its hits as exempt. ``reason`` is required. Needs ``screening.exempt``."""
    services.hit_exempt(actor=request.auth, hit_id=hit_id, reason=payload.reason, year_to=payload.year_to)
    return _hit_fresh(request, hit_id)


@screening.get("/households/{int:household_id}/hits", response={200: list[HitOut], **ERRORS},
               summary="A household's hits")
def household_hits(request: HttpRequest, household_id: int,
                   year: int | None = Query(None, description="default: the latest year with hits")) -> list[dict[str, Any]]:
    """Hits on the household and its members, errors first."""
    registry_selectors.household_get(actor=request.auth, pk=household_id)
    hits = selectors.household_hits(actor=request.auth, household_id=household_id, year=year)
    return [_hit_out(request.auth, h) for h in hits]


# --- department lists ------------------------------------------------------------------------------------


@screening.get("/department-lists", response={200: list[DepartmentListOut], **ERRORS},
               summary="Department lists loaded for your areas")
def department_lists(request: HttpRequest, year: int | None = None) -> list[dict[str, Any]]:
    """Lists loaded (``jingzhun departments load``) for an area inside or above your areas, newest year
    first; the exclusion rule of a source runs in the screenings of a year it has a list for."""
    lists = selectors.department_lists_visible(actor=request.auth)
    if year:
        lists = lists.filter(year=year)
    return [_department_out(item) for item in lists]
