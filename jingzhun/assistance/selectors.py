"""Reads of units, cadres and pairings, through the actor's area scope.

A household counts as needing a cadre when its record for the year says 贫困户 (not yet exited),
返贫 or 监测对象 (domain §1.8: every poor household has a 帮扶责任人; the monitoring rules give
monitored households one too).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from jingzhun.accounts.scope import area_scope_q, within_area_q
from jingzhun.assistance import matching
from jingzhun.assistance.models import (
    AssistanceUnit,
    Cadre,
    Measure,
    MeasureStatus,
    Pairing,
    Plan,
    Visit,
    VisitPhoto,
    WorkTeam,
)
from jingzhun.core.exceptions import NotFound
from jingzhun.policy.selectors import policy_value
from jingzhun.registry import codelists
from jingzhun.registry.models import Household, HouseholdYear, PersonYear

NEEDS_CADRE = ("poor", "pre_exit", "returned", "monitored")


def unit_queryset(*, actor: Any) -> QuerySet[AssistanceUnit]:
    return AssistanceUnit.objects.filter(area_scope_q(actor, "area_id"))


def cadre_queryset(*, actor: Any) -> QuerySet[Cadre]:
    return Cadre.objects.filter(area_scope_q(actor, "area_id")).select_related("unit")


def cadre_get(*, actor: Any, pk: int) -> Cadre:
    cadre = cadre_queryset(actor=actor).filter(pk=pk).first()
    if cadre is None:
        raise NotFound()
    return cadre


def current_q(on: dt.date, prefix: str = "") -> Q:
    """Pairings in force on ``on``."""
    return Q(**{f"{prefix}starts_on__lte": on}) & (Q(**{f"{prefix}ends_on__isnull": True})
                                                   | Q(**{f"{prefix}ends_on__gte": on}))


def pairing_history(*, actor: Any, household_id: int) -> list[Pairing]:
    household = Household.objects.filter(area_scope_q(actor, "area_id"), pk=household_id).first()
    if household is None:
        raise NotFound()
    return list(Pairing.objects.filter(household=household).select_related("cadre", "cadre__unit")
                .order_by("-starts_on", "-id"))


def households_without_cadre(*, actor: Any, year: int, on: dt.date, area_code: str = "") -> QuerySet[Household]:
    """Poor and monitored households (status for ``year``) in the actor's areas with no cadre on ``on``."""
    needing = HouseholdYear.objects.filter(household=OuterRef("pk"), year=year, status__in=NEEDS_CADRE)
    paired = Pairing.objects.filter(current_q(on), household=OuterRef("pk"))
    queryset = Household.objects.filter(area_scope_q(actor, "area_id"), is_active=True)
    if area_code:
        queryset = queryset.filter(within_area_q("area_id", area_code))
    return queryset.filter(Exists(needing)).exclude(Exists(paired)).order_by("area_id", "household_number")


def gaps_by_village(*, actor: Any, year: int, on: dt.date, area_code: str = "") -> dict[str, int]:
    """Village code → number of households without a cadre (only villages that have gaps)."""
    rows = (households_without_cadre(actor=actor, year=year, on=on, area_code=area_code).order_by()
            .values("area_id").annotate(n=Count("id")))
    return {r["area_id"]: r["n"] for r in rows}


def cadre_loads(*, cadre_ids: list[int], on: dt.date) -> dict[int, int]:
    """Cadre id → households paired with them on ``on`` (0 for none)."""
    rows = (Pairing.objects.filter(current_q(on), cadre_id__in=cadre_ids).values("cadre_id")
            .annotate(n=Count("id")))
    loads = dict.fromkeys(cadre_ids, 0)
    loads.update({r["cadre_id"]: r["n"] for r in rows})
    return loads


# --- Cadres' own households, plans, visits -------------------------------------------------------

NEEDS_VISIT = (*NEEDS_CADRE, "exited")


def my_households(*, actor: Any, on: dt.date) -> QuerySet[Household]:
    """The households paired with the actor's cadre record on ``on`` (none for a user who is not a cadre)."""
    cadre = getattr(actor, "cadre", None) if getattr(actor, "is_authenticated", False) else None
    if cadre is None:
        return Household.objects.none()
    paired = Pairing.objects.filter(current_q(on), household=OuterRef("pk"), cadre=cadre)
    return (Household.objects.filter(area_scope_q(actor, "area_id"), is_active=True).filter(Exists(paired))
            .select_related("area").order_by("area_id", "household_number"))


def current_cadre(*, household_id: int, on: dt.date) -> Cadre | None:
    pairing = (Pairing.objects.filter(current_q(on), household_id=household_id).select_related("cadre", "cadre__unit")
               .first())
    return pairing.cadre if pairing else None


def household_facts_bulk(household_ids: list[int], year: int) -> dict[int, matching.HouseholdFacts]:
    """Household id → the causes and risks of its record for ``year`` (or the latest before it) and
    whether any active member can work (each member's latest yearly record up to ``year``); two queries
    for any number of households."""
    records: dict[int, dict[str, Any]] = {}
    for row in (HouseholdYear.objects.filter(household_id__in=household_ids, year__lte=year)
                .order_by("household_id", "-year")
                .values("household_id", "main_cause", "other_cause_1", "other_cause_2", "risks")):
        records.setdefault(row["household_id"], row)
    abilities: dict[int, dict[int, str]] = defaultdict(dict)
    for household_id, person_id, ability in (
            PersonYear.objects.filter(person__household_id__in=household_ids, person__status="active", year__lte=year)
            .order_by("person_id", "-year").values_list("person__household_id", "person_id", "labour_ability")):
        abilities[household_id].setdefault(person_id, ability)
    facts = {}
    for household_id in household_ids:
        record = records.get(household_id, {})
        latest = abilities.get(household_id, {})
        # Nothing recorded about the members' labour: assume they can work, so the plan asks for a
        # developmental measure until the village records otherwise.
        facts[household_id] = matching.HouseholdFacts(
            causes=tuple(c for c in (record.get("main_cause"), record.get("other_cause_1"), record.get("other_cause_2"))
                         if c),
            risks=tuple(record.get("risks") or ()),
            has_labour=not latest or any(ability in matching.LABOUR_CODES for ability in latest.values()))
    return facts


def household_facts(household: Household, year: int) -> matching.HouseholdFacts:
    """``household_facts_bulk`` for one household."""
    return household_facts_bulk([household.pk], year)[household.pk]


def planned_measure(kind: str, status: str) -> matching.PlannedMeasure | None:
    """A measure as the matching rules see it (None for a cancelled one, which counts for nothing)."""
    if status == MeasureStatus.CANCELLED:
        return None
    return matching.PlannedMeasure(kind, status in (MeasureStatus.UNDER_WAY, MeasureStatus.DONE))


def cause_label(code: str) -> str:
    return codelists.label("poverty_cause", code, "zh") or code


def risk_label(code: str) -> str:
    return codelists.label("risk_type", code, "zh") or code


def plan_for(*, household: Household, year: int) -> Plan | None:
    """The household's plan for ``year`` with its measures (the caller has checked the household's scope)."""
    return (Plan.objects.filter(household=household, year=year)
            .prefetch_related("measures", "measures__responsible").first())


def plan_gaps_for(*, household: Household, year: int, plan: Plan | None = None) -> list[matching.Gap]:
    """What the household's plan for ``year`` lacks (``matching.plan_gaps``)."""
    plan = plan if plan is not None else plan_for(household=household, year=year)
    measures = [p for p in (planned_measure(m.kind, m.status) for m in (plan.measures.all() if plan else ())) if p]
    return matching.plan_gaps(household_facts(household, year), measures, cause_label=cause_label,
                              risk_label=risk_label)


def visits_of(*, household: Household, limit: int = 50) -> list[Visit]:
    """The household's latest visits with their photos and cadre (the caller has checked the scope)."""
    return list(Visit.objects.filter(household=household).select_related("cadre", "recorded_by")
                .prefetch_related("photos").order_by("-visited_on", "-id")[:limit])


def visit_photo_get(*, actor: Any, pk: int) -> VisitPhoto:
    """A photo, if its household is inside the actor's areas (NotFound otherwise)."""
    photo = VisitPhoto.objects.select_related("visit__household").filter(pk=pk).first()
    if photo is None or not Household.objects.filter(area_scope_q(actor, "area_id"), pk=photo.visit.household_id).exists():
        raise NotFound()
    return photo


def households_not_visited(*, actor: Any, year: int, on: dt.date, area_code: str = "") -> QuerySet[Household]:
    """Households that should be visited (poor, monitored or exited in ``year``) with no visit in the
    ``visit_interval_days`` before ``on`` (policy parameter of the household's county)."""
    since = on - dt.timedelta(days=visit_interval(year=year, area_code=area_code))
    should = HouseholdYear.objects.filter(household=OuterRef("pk"), year=year, status__in=NEEDS_VISIT)
    visited = Visit.objects.filter(household=OuterRef("pk"), visited_on__gt=since, visited_on__lte=on)
    queryset = Household.objects.filter(area_scope_q(actor, "area_id"), is_active=True)
    if area_code:
        queryset = queryset.filter(within_area_q("area_id", area_code))
    return (queryset.filter(Exists(should)).exclude(Exists(visited)).annotate(last_visit=_last_visit_q())
            .order_by("area_id", "household_number"))


def teams_in(*, actor: Any, on: dt.date, area_code: str = "") -> QuerySet[WorkTeam]:
    """Work teams whose term covers ``on`` (and not recalled), in the actor's areas."""
    queryset = WorkTeam.objects.filter(area_scope_q(actor, "village_id"), starts_on__lte=on, ends_on__gte=on).filter(
        Q(recalled_on__isnull=True) | Q(recalled_on__gt=on))
    if area_code:
        queryset = queryset.filter(within_area_q("village_id", area_code))
    return queryset.select_related("unit", "village").prefetch_related("members__cadre").order_by("village_id")


def visit_interval(*, year: int, area_code: str = "") -> int:
    """Days within which a household should have been visited (policy ``visit_interval_days``)."""
    return int(policy_value(kind="visit_interval_days", year=year, area_code=area_code or None))


# --- The cadre's phone pages and the household page's 帮扶 section ---------------------------------


@dataclass(frozen=True)
class VisitState:
    """Whether a household is due a visit: its last visit, the policy's interval and the day the next
    visit is due. ``overdue`` only for households that should be visited (``NEEDS_VISIT``)."""

    last_visit: dt.date | None
    interval_days: int | None  # None when the policy has no value for the year
    due_on: dt.date | None  # None when never visited
    overdue: bool


def _visit_state(*, area_code: str, status: str, year: int, on: dt.date, last_visit: dt.date | None,
                 intervals: dict[str, int | None]) -> VisitState:
    if area_code not in intervals:
        try:
            intervals[area_code] = visit_interval(year=year, area_code=area_code)
        except NotFound:
            intervals[area_code] = None
    interval = intervals[area_code]
    if interval is None:
        return VisitState(last_visit, None, None, False)
    due_on = last_visit + dt.timedelta(days=interval) if last_visit else None
    # The same rule as households_not_visited: a visit counts while it is less than ``interval`` days old.
    overdue = status in NEEDS_VISIT and (last_visit is None or last_visit <= on - dt.timedelta(days=interval))
    return VisitState(last_visit, interval, due_on, overdue)


def _latest_statuses(household_ids: list[int], year: int) -> dict[int, tuple[int, str]]:
    """Household id → (year, status) of its latest yearly record up to ``year``."""
    out: dict[int, tuple[int, str]] = {}
    for household_id, record_year, status in (HouseholdYear.objects.filter(household_id__in=household_ids,
                                                                           year__lte=year)
                                              .order_by("household_id", "-year")
                                              .values_list("household_id", "year", "status")):
        out.setdefault(household_id, (record_year, status))
    return out


def _last_visit_q() -> Subquery:
    return Subquery(Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_on").values("visited_on")[:1])


def my_cadre(*, actor: Any) -> Cadre | None:
    """The actor's own cadre record when it is active (None for a user who is not a cadre)."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return Cadre.objects.select_related("unit").filter(user_id=actor.pk, active=True).first()


@dataclass(frozen=True)
class MyHousehold:
    """One line of the cadre's list 我的帮扶户."""

    household: Household
    status: str  # status code of the latest yearly record up to the year ('' without one)
    status_year: int | None
    visit: VisitState
    gap_count: int


def my_household_rows(*, actor: Any, on: dt.date, year: int) -> list[MyHousehold]:
    """The households paired with the actor's cadre record on ``on`` (``my_households``), each with its
    latest status up to ``year``, last visit, whether a visit is overdue (policy ``visit_interval_days``
    of the household's area) and how many gaps its plan for ``year`` has. A cadre has a handful of
    households, so the gaps are worked out one household at a time."""
    households = list(my_households(actor=actor, on=on).annotate(last_visit=_last_visit_q()))
    statuses = _latest_statuses([h.pk for h in households], year)
    plans = {p.household_id: p for p in Plan.objects.filter(household__in=households, year=year)
             .prefetch_related("measures")}
    intervals: dict[str, int | None] = {}
    rows = []
    for household in households:
        status_year, status = statuses.get(household.pk, (None, ""))
        rows.append(MyHousehold(
            household=household, status=status, status_year=status_year,
            visit=_visit_state(area_code=household.area_id, status=status, year=year, on=on,
                               last_visit=household.last_visit, intervals=intervals),
            gap_count=len(plan_gaps_for(household=household, year=year, plan=plans.get(household.pk))),
        ))
    return rows


@dataclass(frozen=True)
class HouseholdAssistance:
    """What the household page shows under 帮扶: the cadre on ``on`` and every pairing, the plan for
    ``year`` with its measures and gaps, the latest visits (with photos) and whether one is due."""

    year: int
    cadre: Cadre | None
    pairings: list[Pairing]
    plan: Plan | None
    measures: list[Measure]
    gaps: list[matching.Gap]
    visits: list[Visit]
    visit: VisitState
    status: str  # of the latest yearly record up to ``year``
    needs_cadre: bool  # poor or monitored: a missing cadre is a gap (domain §1.8)


def household_assistance(*, actor: Any, household: Household, year: int, on: dt.date,
                         visits: int = 10) -> HouseholdAssistance:
    """The 帮扶 section of one household; NotFound when it lies outside the actor's areas."""
    pairings = pairing_history(actor=actor, household_id=household.pk)
    cadre = next((p.cadre for p in pairings if p.starts_on <= on and (p.ends_on is None or p.ends_on >= on)), None)
    plan = plan_for(household=household, year=year)
    status = _latest_statuses([household.pk], year).get(household.pk, (None, ""))[1]
    recent = visits_of(household=household, limit=visits)
    last = recent[0].visited_on if recent else None
    return HouseholdAssistance(
        year=year, cadre=cadre, pairings=pairings, plan=plan, measures=list(plan.measures.all()) if plan else [],
        gaps=plan_gaps_for(household=household, year=year, plan=plan), visits=recent,
        visit=_visit_state(area_code=household.area_id, status=status, year=year, on=on, last_visit=last,
                           intervals={}),
        status=status, needs_cadre=status in NEEDS_CADRE,
    )
