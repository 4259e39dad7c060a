"""Reads of units, cadres and pairings, through the actor's area scope.

A household counts as needing a cadre when its record for the year says 贫困户 (not yet exited),
返贫 or 监测对象 (domain §1.8: every poor household has a 帮扶责任人; the monitoring rules give
monitored households one too).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from jingzhun.accounts.scope import area_scope_q
from jingzhun.areas import codes
from jingzhun.assistance.models import AssistanceUnit, Cadre, Pairing
from jingzhun.core.exceptions import NotFound
from jingzhun.registry.models import Household, HouseholdYear

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
        low, high = codes.code_range(area_code)
        queryset = queryset.filter(area_id__gte=low, area_id__lte=high)
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
