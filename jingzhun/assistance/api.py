"""Assistance in the REST API: the four checks per village, a household's cadre, plan and visits,
and adding a measure — the same services, selectors and scopes as the pages. A household or village
outside your areas answers 404 exactly like a missing one. Photos are served by the pages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from jingzhun.api.schemas import ERRORS
from jingzhun.areas.selectors import area_get
from jingzhun.assistance import checks, selectors, services
from jingzhun.core import clock
from jingzhun.registry import privacy
from jingzhun.registry.selectors import household_get

assistance = Router(tags=["assistance"])


class CheckOut(Schema):
    status: str
    reasons: list[str]
    counts: dict[str, Any]


class VillageCheckOut(Schema):
    village_code: str
    village_name: str
    people: CheckOut
    projects: CheckOut
    funds: CheckOut
    measures: CheckOut


class CadreOut(Schema):
    id: int
    name: str
    unit: str
    phone: str


class MeasureOut(Schema):
    id: int
    kind: str
    content: str
    amount: Decimal | None
    funding_source: str
    deadline: dt.date | None
    expected_income_gain: Decimal | None
    status: str
    done_on: dt.date | None


class VisitOut(Schema):
    id: int
    visited_on: dt.date
    cadre: str | None
    place: str
    content: str
    latitude: Decimal | None
    longitude: Decimal | None
    photos: int


class HouseholdAssistanceOut(Schema):
    household_id: int
    year: int
    cadre: CadreOut | None
    measures: list[MeasureOut]
    gaps: list[str]
    visits: list[VisitOut]


class MeasureIn(Schema):
    year: int
    kind: str
    content: str
    amount: str = ""
    funding_source: str = ""
    deadline: str = ""
    expected_income_gain: str = ""
    status: str = "planned"


class MeasureSavedOut(Schema):
    measure: MeasureOut
    misfit: str | None


def _check(check: checks.Check) -> dict[str, Any]:
    return {"status": check.status, "reasons": check.reasons, "counts": check.counts}


def _measure(m: Any) -> dict[str, Any]:
    return {k: getattr(m, k) for k in ("id", "kind", "content", "amount", "funding_source", "deadline",
                                       "expected_income_gain", "status", "done_on")}


@assistance.get("/checks", response={200: list[VillageCheckOut], **ERRORS}, summary="四查 per village")
def four_checks(request: HttpRequest, year: int, area: str = "") -> list[dict[str, Any]]:
    """People, projects, funds and measures in place, for every village in your areas (or inside ``area``)."""
    if area:
        area_get(actor=request.auth, code=area)
    results = checks.village_checks(actor=request.auth, year=year, on=clock.today(), area_code=area)
    return [{"village_code": r.village.code, "village_name": r.village.name,
             **{name: _check(getattr(r, name)) for name in checks.CHECKS}} for r in results]


@assistance.get("/households/{int:household_id}", response={200: HouseholdAssistanceOut, **ERRORS},
                summary="A household's cadre, plan and visits")
def household_assistance(request: HttpRequest, household_id: int, year: int) -> dict[str, Any]:
    household = household_get(actor=request.auth, pk=household_id)
    cadre = selectors.current_cadre(household_id=household.pk, on=clock.today())
    plan = selectors.plan_for(household=household, year=year)
    return {
        "household_id": household.pk, "year": year,
        "cadre": {"id": cadre.pk, "name": cadre.name, "unit": cadre.unit.name,
                  "phone": privacy.shown_phone(request.auth, cadre.phone)} if cadre else None,
        "measures": [_measure(m) for m in (plan.measures.all() if plan else ())],
        "gaps": [g.message for g in selectors.plan_gaps_for(household=household, year=year, plan=plan)],
        "visits": [{"id": v.pk, "visited_on": v.visited_on, "cadre": v.cadre.name if v.cadre else None, "place": v.place,
                    "content": v.content, "latitude": v.latitude, "longitude": v.longitude, "photos": len(v.photos.all())}
                   for v in selectors.visits_of(household=household)],
    }


@assistance.post("/households/{int:household_id}/measures", response={201: MeasureSavedOut, **ERRORS},
                 summary="Add a measure to the household's plan")
def measure_add(request: HttpRequest, household_id: int, payload: MeasureIn) -> Status:
    """The plan of ``year`` is written if missing; a measure that does not fit the household's causes
    is kept and ``misfit`` says why."""
    data = payload.dict()
    year = data.pop("year")
    saved = services.measure_save(actor=request.auth, household_id=household_id, year=year, data=data)
    return Status(201, {"measure": _measure(saved.measure), "misfit": saved.misfit})
