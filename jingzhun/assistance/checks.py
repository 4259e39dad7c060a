"""四查: are the people, projects, funds and measures in place in each village? (domain §2.4)

``village_checks`` answers the four questions for every village inside an area and the actor's
scope, for a year and a day, with the counts behind each answer:

* **people (人员)** — every poor and monitored household has a current cadre; every household that
  should be visited (poor, monitored or exited) was visited within ``visit_interval_days``; a poor or
  exited village (``areas.AreaYear``) has a resident work team of at least three with a first secretary;
* **measures (措施)** — every poor and monitored household has a plan for the year with at least one
  measure, the plan has no gap (``matching.plan_gaps``), and no measure is past its deadline unfinished;
* **projects (项目)** and **funds (资金)** — from ``funds.selectors.funds_report`` when the village has
  projects of the year: every project is in the project library; every finished project is paid.

Each check is ``ok``, ``failed`` or ``not_applicable`` (a village with nothing to check) with the
reasons as sentences. Everything is counted with a few grouped queries over the whole area; plan
gaps are computed per household in Python from prefetched rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.scope import area_scope_q, within_area_q
from jingzhun.areas.models import Area, AreaLevel, AreaYear
from jingzhun.assistance import matching, selectors
from jingzhun.assistance.models import Measure, MeasureStatus, TeamRole
from jingzhun.registry.models import HouseholdYear

OK, FAILED, NOT_APPLICABLE = "ok", "failed", "not_applicable"
CHECKS = ("people", "projects", "funds", "measures")
CHECK_LABELS = {"people": _("People in place"), "projects": _("Projects in place"), "funds": _("Funds in place"),
                "measures": _("Measures in place")}


@dataclass
class Check:
    status: str = NOT_APPLICABLE
    reasons: list[str] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    def fail(self, reason: Any) -> None:
        self.status = FAILED
        self.reasons.append(str(reason))


@dataclass
class VillageCheck:
    village: Area
    people: Check = field(default_factory=Check)
    projects: Check = field(default_factory=Check)
    funds: Check = field(default_factory=Check)
    measures: Check = field(default_factory=Check)

    @property
    def passed(self) -> bool:
        return all(getattr(self, name).status != FAILED for name in CHECKS)

    def items(self) -> list[tuple[str, Any, Check]]:
        return [(name, CHECK_LABELS[name], getattr(self, name)) for name in CHECKS]


def _in_area(queryset: Any, field_name: str, area_code: str) -> Any:
    return queryset.filter(within_area_q(field_name, area_code)) if area_code else queryset


def _villages(actor: Any, area_code: str) -> list[Area]:
    villages = Area.objects.filter(area_scope_q(actor, "code"), level=AreaLevel.VILLAGE)
    return list(_in_area(villages, "code", area_code).order_by("code"))


def plan_gaps_bulk(household_ids: list[int], year: int) -> dict[int, list[matching.Gap]]:
    """``matching.plan_gaps`` for many households at once (ids → gaps), from three grouped queries."""
    facts = selectors.household_facts_bulk(household_ids, year)
    measures: dict[int, list[matching.PlannedMeasure]] = defaultdict(list)
    for household_id, kind, status in (Measure.objects.filter(plan__household_id__in=household_ids, plan__year=year)
                                       .values_list("plan__household_id", "kind", "status")):
        planned = selectors.planned_measure(kind, status)
        if planned is not None:
            measures[household_id].append(planned)
    return {household_id: matching.plan_gaps(facts[household_id], measures.get(household_id, []),
                                             cause_label=selectors.cause_label, risk_label=selectors.risk_label)
            for household_id in household_ids}


def village_checks(*, actor: Any, year: int, on: dt.date, area_code: str = "") -> list[VillageCheck]:
    """The four checks for every village inside ``area_code`` (all the actor's villages when empty)."""
    villages = _villages(actor, area_code)
    results = {v.code: VillageCheck(village=v) for v in villages}
    if not results:
        return []
    scope_code = area_code or ""
    needing = list(_in_area(HouseholdYear.objects.filter(area_scope_q(actor, "household__area_id"), year=year,
                                                         status__in=selectors.NEEDS_CADRE,
                                                         household__is_active=True), "household__area_id", scope_code)
                   .values_list("household_id", "household__area_id"))
    needing_by_village = Counter(village for _h, village in needing)
    without_cadre = selectors.gaps_by_village(actor=actor, year=year, on=on, area_code=scope_code)
    not_visited = Counter(selectors.households_not_visited(actor=actor, year=year, on=on, area_code=scope_code)
                          .order_by().values_list("area_id", flat=True))
    teams = {team.village_id: team for team in selectors.teams_in(actor=actor, on=on, area_code=scope_code)}
    standing = {row.area_id: row.standing for row in
                AreaYear.objects.filter(area_id__in=list(results), year__lte=year).order_by("area_id", "year")}
    gaps = plan_gaps_bulk([h for h, _v in needing], year)
    overdue = Counter(_in_area(Measure.objects.filter(plan__year=year, deadline__lt=on,
                                                      status__in=(MeasureStatus.PLANNED, MeasureStatus.UNDER_WAY)),
                               "plan__household__area_id", scope_code)
                      .filter(area_scope_q(actor, "plan__household__area_id"))
                      .values_list("plan__household__area_id", flat=True))
    gap_households: Counter[str] = Counter()
    gap_kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for household_id, village in needing:
        if gaps[household_id]:
            gap_households[village] += 1
            for gap in gaps[household_id]:
                gap_kinds[village][gap.code] += 1
    for code, result in results.items():
        _people(result.people, needing_by_village[code], without_cadre.get(code, 0), not_visited[code],
                teams.get(code), standing.get(code))
        _measures(result.measures, needing_by_village[code], gap_households[code], gap_kinds[code], overdue[code])
    _projects_and_funds(actor, year, scope_code, results)
    return list(results.values())


def _people(check: Check, needing: int, without_cadre: int, not_visited: int, team: Any, standing: str | None) -> None:
    check.counts = {"needing": needing, "without_cadre": without_cadre, "not_visited": not_visited,
                    "team_members": 0, "first_secretary": None}
    if team is not None:
        members = [m for m in team.members.all() if m.left_on is None]
        check.counts["team_members"] = len(members)
        secretary = next((m.cadre.name for m in members if m.role == TeamRole.FIRST_SECRETARY), None)
        check.counts["first_secretary"] = secretary
    if not needing and standing is None and team is None:
        return
    check.status = OK
    if without_cadre:
        check.fail(_("%(n)s poor or monitored households have no assistance cadre.") % {"n": without_cadre})
    if not_visited:
        check.fail(_("%(n)s households were not visited within the visit period.") % {"n": not_visited})
    if standing is not None:
        if team is None:
            check.fail(_("The village has no resident work team."))
        else:
            if check.counts["team_members"] < 3:
                check.fail(_("The work team has fewer than three members."))
            if check.counts["first_secretary"] is None:
                check.fail(_("The village has no first secretary."))


def _measures(check: Check, needing: int, with_gaps: int, kinds: Counter[str], overdue: int) -> None:
    check.counts = {"needing": needing, "with_gaps": with_gaps, "gaps": dict(kinds), "overdue": overdue}
    if not needing and not overdue:
        return
    check.status = OK
    if kinds.get("no_measure"):
        check.fail(_("%(n)s households have no plan or no measure for the year.") % {"n": kinds["no_measure"]})
    others = with_gaps - kinds.get("no_measure", 0)
    if others:
        check.fail(_("%(n)s households' measures do not answer their causes or labour.") % {"n": others})
    if overdue:
        check.fail(_("%(n)s measures are past their deadline and not done.") % {"n": overdue})


def _projects_and_funds(actor: Any, year: int, area_code: str, results: dict[str, VillageCheck]) -> None:
    """Projects and funds per village from ``funds.selectors.funds_report``: projects of the year not
    yet in the project library fail the projects check; completed projects paid less than their budget
    fail the funds check. A village without projects of the year has nothing to check."""
    from jingzhun.funds.selectors import funds_report

    for row in funds_report(actor=actor, year=year, level="village", area_code=area_code):
        result = results.get(row.area_code)
        if result is None or not row.projects:
            continue
        projects, funds = result.projects, result.funds
        projects.status = OK
        projects.counts = {"projects": row.projects, "in_library": row.in_library,
                           "industry_projects": row.industry_projects, "industry_share": row.industry_share}
        if row.projects > row.in_library:
            projects.fail(_("%(n)s projects of the year are not in the project library yet.")
                          % {"n": row.projects - row.in_library})
        funds.status = OK
        funds.counts = {"budget": row.budget, "allocated": row.allocated, "disbursed": row.disbursed,
                        "disbursement_rate": row.disbursement_rate, "lagging": row.lagging}
        if row.lagging:
            funds.fail(_("%(n)s finished projects have been paid less than their budget.") % {"n": row.lagging})


def summary(results: list[VillageCheck]) -> dict[str, dict[str, int]]:
    """Check name → {ok, failed, not_applicable} village counts."""
    out = {name: dict.fromkeys((OK, FAILED, NOT_APPLICABLE), 0) for name in CHECKS}
    for result in results:
        for name in CHECKS:
            out[name][getattr(result, name).status] += 1
    return out


def measures_by_pathway(*, actor: Any, year: int, area_code: str = "") -> list[dict[str, Any]]:
    """五个一批 statistics: per pathway, the measures, households and persons reached (cancelled measures
    left out), in the order of ``catalogue.PATHWAYS``."""
    from jingzhun.assistance.catalogue import KIND_BY_CODE, PATHWAYS
    from jingzhun.registry.models import Person

    rows = (_in_area(Measure.objects.filter(area_scope_q(actor, "plan__household__area_id"), plan__year=year),
                     "plan__household__area_id", area_code)
            .exclude(status=MeasureStatus.CANCELLED).values_list("kind", "plan__household_id"))
    households: dict[str, set[int]] = defaultdict(set)
    measures: Counter[str] = Counter()
    for kind, household_id in rows:
        pathway = KIND_BY_CODE[kind].pathway if kind in KIND_BY_CODE else "guarantees"
        households[pathway].add(household_id)
        measures[pathway] += 1
    every = set().union(*households.values()) if households else set()
    sizes = dict(Person.objects.filter(household_id__in=every, status="active").values("household_id")
                 .annotate(n=Count("id")).values_list("household_id", "n")) if every else {}
    return [{"pathway": p, "measures": measures[p.code], "households": len(households[p.code]),
             "persons": sum(sizes.get(h, 0) for h in households[p.code])} for p in PATHWAYS]


__all__ = ["CHECKS", "FAILED", "NOT_APPLICABLE", "OK", "Check", "VillageCheck", "measures_by_pathway",
           "plan_gaps_bulk", "summary", "village_checks"]
