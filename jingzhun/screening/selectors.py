"""Scoped reads of screening results: runs, counts per rule and area, task lists, a household's hits.

Every function takes the ``actor`` and keeps only what lies inside the actor's areas
(``accounts.scope.area_scope_q``); an out-of-scope id raises ``NotFound`` like a missing one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from jingzhun.accounts.scope import area_scope_q, scope_roots, within_area_q
from jingzhun.areas import codes
from jingzhun.areas.models import Area
from jingzhun.areas.selectors import area_get
from jingzhun.core.exceptions import NotFound
from jingzhun.screening.catalogue import RULES_BY_ID
from jingzhun.screening.models import DepartmentList, Hit, HitStatus, RunStatus, ScreeningRun

STALE_AFTER = dt.timedelta(minutes=30)
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def runs_visible(*, actor: Any) -> QuerySet[ScreeningRun]:
    return ScreeningRun.objects.filter(area_scope_q(actor, "area_id")).select_related("area", "started_by")


def run_get(*, actor: Any, run_id: int) -> ScreeningRun:
    run = runs_visible(actor=actor).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    return run


def run_is_stale(run: ScreeningRun) -> bool:
    """A run still marked running long after it started belongs to a process that died."""
    return (run.status in (RunStatus.RUNNING, RunStatus.QUEUED) and run.created_at is not None
            and timezone.now() - run.created_at > STALE_AFTER)


def hits_visible(*, actor: Any, year: int | None = None) -> QuerySet[Hit]:
    hits = Hit.objects.filter(area_scope_q(actor, "area_id"))
    return hits.filter(year=year) if year else hits


def rule_counts(*, actor: Any, year: int, area_code: str) -> list[dict[str, Any]]:
    """Per rule: open, fixed and exempt hits inside ``area_code``, in catalogue order."""
    area_get(actor=actor, code=area_code)
    rows = (hits_visible(actor=actor, year=year).filter(within_area_q("area_id", area_code))
            .values("rule_id").annotate(
                open=Count("id", filter=Q(status=HitStatus.OPEN)),
                fixed=Count("id", filter=Q(status=HitStatus.FIXED)),
                exempt=Count("id", filter=Q(status=HitStatus.EXEMPT)),
                reopened=Count("id", filter=Q(reopened=True, status=HitStatus.OPEN))))
    by_rule = {r["rule_id"]: r for r in rows}
    out = []
    for rule_id, rule in RULES_BY_ID.items():
        if rule_id in by_rule:
            out.append({"rule": rule, **by_rule[rule_id], "total": by_rule[rule_id]["open"]
                        + by_rule[rule_id]["fixed"] + by_rule[rule_id]["exempt"]})
    return out


def child_level_length(area_code: str) -> int:
    """Digits that name the areas one level below ``area_code`` (2 → 4 → 6 → 9 → 12)."""
    return {1: 4, 2: 6, 3: 9, 4: 12}.get(codes.level_of(area_code), 12)


def rule_counts_by_area(*, actor: Any, year: int, rule_id: str, area_code: str) -> list[dict[str, Any]]:
    """Hits of one rule per area one level below ``area_code`` (for drilling down), with names."""
    area_get(actor=actor, code=area_code)
    length = child_level_length(area_code)
    rows = (hits_visible(actor=actor, year=year).filter(within_area_q("area_id", area_code), rule_id=rule_id)
            .annotate(prefix=Substr("area_id", 1, length)).values("prefix")
            .annotate(open=Count("id", filter=Q(status=HitStatus.OPEN)),
                      fixed=Count("id", filter=Q(status=HitStatus.FIXED)),
                      exempt=Count("id", filter=Q(status=HitStatus.EXEMPT))).order_by("prefix"))
    codes12 = [r["prefix"].ljust(12, "0") for r in rows]
    names = dict(Area.objects.filter(code__in=codes12).values_list("code", "name"))
    return [{"code": code, "name": names.get(code, code), **row} for code, row in zip(codes12, rows, strict=True)]


def hits_list(*, actor: Any, year: int, area_code: str, rule_id: str = "", status: str = "",
              household_id: int | None = None) -> QuerySet[Hit]:
    area_get(actor=actor, code=area_code)
    hits = hits_visible(actor=actor, year=year).filter(within_area_q("area_id", area_code))
    if rule_id:
        hits = hits.filter(rule_id=rule_id)
    if status:
        hits = hits.filter(status=status)
    if household_id:
        hits = hits.filter(household_id=household_id)
    return hits.select_related("household", "person", "area", "exemption", "resolved_by").order_by(
        "area_id", "rule_id", "unit_key")


def village_tasks(*, actor: Any, year: int, village_code: str) -> list[Hit]:
    """The village's findings to act on: errors first, then warnings, then information; fixed and
    exempt ones after the open ones."""
    hits = list(hits_list(actor=actor, year=year, area_code=village_code))
    status_order = {HitStatus.OPEN: 0, HitStatus.FIXED: 1, HitStatus.EXEMPT: 2}
    hits.sort(key=lambda h: (status_order.get(h.status, 3), SEVERITY_ORDER.get(h.severity, 3), h.rule_id,
                             h.unit_key))
    return hits


def household_hits(*, actor: Any, household_id: int, year: int | None = None) -> list[Hit]:
    """Hits on the household and its members (the latest year with hits when ``year`` is None)."""
    hits = Hit.objects.filter(area_scope_q(actor, "area_id"), household_id=household_id)
    if year is None:
        year = hits.order_by("-year").values_list("year", flat=True).first()
        if year is None:
            return []
    return sorted(hits.filter(year=year).select_related("household", "person", "exemption"),
                  key=lambda h: (SEVERITY_ORDER.get(h.severity, 3), h.rule_id, h.unit_key))


def hit_get(*, actor: Any, hit_id: int) -> Hit:
    hit = hits_visible(actor=actor).filter(pk=hit_id).select_related("household", "person", "area",
                                                                      "exemption").first()
    if hit is None:
        raise NotFound()
    return hit


def run_hits(*, actor: Any, run_id: int, rule_id: str = "", area_code: str = "", status: str = "") -> QuerySet[Hit]:
    """The hits stored by one run (those a later run of the same year, area and rules replaced are
    gone), inside the actor's areas, optionally of one rule, area (and below) and status. NotFound
    when the run is absent or outside the actor's areas; an area filter outside them finds nothing."""
    run = run_get(actor=actor, run_id=run_id)
    hits = hits_visible(actor=actor).filter(run=run)
    if rule_id:
        hits = hits.filter(rule_id=rule_id)
    if area_code:
        hits = hits.filter(within_area_q("area_id", area_code))
    if status:
        hits = hits.filter(status=status)
    return hits.select_related("area", "household", "person", "exemption").order_by("area_id", "rule_id",
                                                                                    "unit_key", "id")


def department_lists_visible(*, actor: Any) -> QuerySet[DepartmentList]:
    """Department lists loaded for an area inside the actor's areas or above them (a city's or a
    province's list covers the actor's county too), newest year first."""
    above: set[str] = set()
    for root in scope_roots(actor):
        above.update(codes.parent_candidates(root))
    where = area_scope_q(actor, "area_id")
    if above:
        where |= Q(area_id__in=above)
    return DepartmentList.objects.filter(where).select_related("area", "loaded_by")
