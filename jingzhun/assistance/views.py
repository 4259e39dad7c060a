"""Office pages of assistance: the 四查 overview and village page, units, cadres, work teams,
pairing (one household or a balanced suggestion for a village) and the statistics. Each view parses
its input, calls one service or the selectors, and shows domain errors as messages (422) or as the
404/403 pages. The cadre's phone pages are in ``views_mobile``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.roles import Capability, can
from jingzhun.areas.models import AreaLevel
from jingzhun.areas.selectors import area_get, area_villages
from jingzhun.assistance import checks, selectors, services
from jingzhun.assistance.catalogue import PATHWAY_BY_CODE
from jingzhun.assistance.models import TeamRole, UnitLevel
from jingzhun.core import clock, tables
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden, DomainError, ValidationFailed
from jingzhun.funds import selectors as funds_selectors
from jingzhun.registry import codelists
from jingzhun.registry.models import HouseholdYear
from jingzhun.registry.selectors import household_latest_year
from jingzhun.web.inputs import flash_errors, form_date, form_id
from jingzhun.web.views import page

REPORT_EXPORTED = register_action("assistance.report.exported", _("Assistance report exported"))
MAX_LIST = 500


def _year(request: HttpRequest, today: dt.date) -> int:
    """``?year=``, else the latest year the registry has records for, else this year."""
    year = form_id(request.GET.get("year"))
    if year and 2013 <= year <= today.year + 1:
        return year
    return household_latest_year(actor=request.user) or today.year


def _villages(user: Any) -> list[Any]:
    return list(area_villages(actor=user).select_related("parent")[:2000])


def _export(request: HttpRequest, *, name: str, headers: list[Any], rows: list[list[Any]],
            filters: dict[str, Any]) -> HttpResponse:
    """Send a report table as XLSX or CSV (``?format=``, ``&encoding=gbk``), audited first."""
    fmt = request.GET.get("format", "")
    if fmt not in tables.FORMATS:
        raise Http404()
    if not can(request.user, Capability.EXPORT):
        raise ActionForbidden()
    audit_record(actor=request.user, action=REPORT_EXPORTED, target_type="assistance.report", target_id=name,
                 after={"format": fmt, "rows": len(rows), **filters})
    data, content_type = tables.table_bytes(headers, rows, fmt=fmt, encoding=request.GET.get("encoding", ""),
                                            sheet=name)
    response = HttpResponse(data, content_type=content_type)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response


STATUS_TEXT = {checks.OK: "✓", checks.FAILED: "✗", checks.NOT_APPLICABLE: "—"}


@page
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """四查 for every village in the user's areas (or inside ``?area=``), with export."""
    user, today = request.user, clock.today()
    year = _year(request, today)
    area_code = request.GET.get("area", "")
    if area_code:
        area_get(actor=user, code=area_code)
    results = checks.village_checks(actor=user, year=year, on=today, area_code=area_code)
    if request.GET.get("format"):
        headers = [_("Village code"), _("Village"), *(str(checks.CHECK_LABELS[c]) for c in checks.CHECKS), _("Reasons")]
        rows = [[r.village.code, r.village.name, *(STATUS_TEXT[getattr(r, c).status] for c in checks.CHECKS),
                 "；".join(reason for _n, _l, check in r.items() for reason in check.reasons)] for r in results]
        return _export(request, name="four-checks", headers=headers, rows=rows, filters={"year": year, "area": area_code})
    failed_first = sorted(results, key=lambda r: (r.passed, r.village.code))
    return render(request, "assistance/overview.html", {
        "year": year, "years": list(range(today.year + 1, 2013, -1)), "area_code": area_code, "results": failed_first,
        "summary": checks.summary(results), "labels": checks.CHECK_LABELS, "villages": _villages(user)})


@page
@require_GET
def village(request: HttpRequest, code: str) -> HttpResponse:
    """One village: the four checks and what lies behind them, with the pairing tools."""
    user, today = request.user, clock.today()
    area = area_get(actor=user, code=code)
    if area.level != AreaLevel.VILLAGE:
        raise Http404()
    year = _year(request, today)
    (result,) = checks.village_checks(actor=user, year=year, on=today, area_code=code) or [None]
    without = list(selectors.households_without_cadre(actor=user, year=year, on=today, area_code=code)[:MAX_LIST])
    not_visited = list(selectors.households_not_visited(actor=user, year=year, on=today, area_code=code)[:MAX_LIST])
    needing = list(HouseholdYear.objects.filter(household__area_id=code, year=year, household__is_active=True,
                                                status__in=selectors.NEEDS_CADRE)
                   .select_related("household").order_by("household__household_number")[:MAX_LIST])
    gaps = checks.plan_gaps_bulk([y.household_id for y in needing], year)
    cadres = list(selectors.cadre_queryset(actor=user).filter(active=True, area_id__in=[code, area.parent_id]))
    loads = selectors.cadre_loads(cadre_ids=[c.pk for c in cadres], on=today)
    suggestion: dict[int, int] = {}
    chosen = [n for n in (form_id(v) for v in request.GET.getlist("cadre")) if n]
    if chosen:
        try:
            suggestion = services.pairing_suggest(actor=user, village_code=code, cadre_ids=chosen, year=year, today=today)
        except DomainError as exc:
            flash_errors(request, exc)
    return render(request, "assistance/village.html", {
        "area": area, "year": year, "today": today, "result": result,
        "team": selectors.teams_in(actor=user, on=today, area_code=code).first(),
        "without": without, "not_visited": not_visited,
        "gap_rows": [(y.household, gaps[y.household_id]) for y in needing if gaps[y.household_id]],
        "cadres": [(c, loads.get(c.pk, 0)) for c in cadres], "chosen": chosen,
        "suggestion": [(h, suggestion.get(h.pk)) for h in without] if suggestion else [],
        "can_edit": can(user, Capability.REGISTRY_EDIT),
        "interval": selectors.visit_interval(year=year, area_code=code)})


@page
@require_POST
def village_pair(request: HttpRequest, code: str) -> HttpResponse:
    """Pair the ticked households with the chosen cadres (all or nothing)."""
    user, today = request.user, clock.today()
    area_get(actor=user, code=code)
    assignments = {}
    for key, value in request.POST.items():
        if key.startswith("pair_") and form_id(key[5:]) and form_id(value):
            assignments[int(key[5:])] = int(value)
    try:
        if not assignments:
            raise ValidationFailed(_("Choose a cadre for at least one household."), code="required")
        made = services.pairings_assign_bulk(actor=user, assignments=assignments,
                                             starts_on=(form_date(request.POST.get("starts_on")) or today), today=today)
    except DomainError as exc:
        flash_errors(request, exc)
        return redirect(f"{request.path.rsplit('pairings/', 1)[0]}?year={request.POST.get('year', '')}")
    messages.success(request, _("%(n)s households paired.") % {"n": len(made)})
    return redirect(f"{request.path.rsplit('pairings/', 1)[0]}?year={request.POST.get('year', '')}")


@page
@require_POST
def household_pair(request: HttpRequest, pk: int) -> HttpResponse:
    """Pair one household with a cadre from a date (a current pairing ends the day before)."""
    user, today = request.user, clock.today()
    try:
        cadre_id = form_id(request.POST.get("cadre"))
        if cadre_id is None:
            raise ValidationFailed(_("Choose a cadre."), code="required")
        services.pairing_assign(actor=user, household_id=pk, cadre_id=cadre_id,
                                starts_on=(form_date(request.POST.get("starts_on")) or today), note=request.POST.get("note", ""),
                                today=today)
    except ValidationFailed as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The cadre is paired with the household."))
    return redirect("web:household_detail", pk=pk)


@page
@require_http_methods(["GET", "POST"])
def cadres(request: HttpRequest) -> HttpResponse:
    """The cadres in the user's areas with their current load; register one."""
    user, today = request.user, clock.today()
    status = 200
    if request.method == "POST":
        try:
            cadre = services.cadre_register(actor=user, data=request.POST, today=today)
        except ValidationFailed as exc:
            flash_errors(request, exc)
            status = 422
        else:
            messages.success(request, _("%(name)s is registered as an assistance cadre.") % {"name": cadre.name})
            return redirect("assistance:cadres")
    rows = list(selectors.cadre_queryset(actor=user).filter(active=True).order_by("area_id", "name")[:MAX_LIST])
    loads = selectors.cadre_loads(cadre_ids=[c.pk for c in rows], on=today)
    return render(request, "assistance/cadres.html", {
        "rows": [(c, loads.get(c.pk, 0)) for c in rows], "units": list(selectors.unit_queryset(actor=user)),
        "areas": _villages(user), "form": request.POST if status == 422 else {},
        "political": codelists.choices("political_status", blank=True),
        "can_edit": can(user, Capability.REGISTRY_EDIT), "sees_ids": can(user, Capability.SENSITIVE_VIEW)},
        status=status)


@page
@require_http_methods(["GET", "POST"])
def units(request: HttpRequest) -> HttpResponse:
    """Assistance units and the villages each assists; register one."""
    user = request.user
    status = 200
    if request.method == "POST":
        try:
            unit = services.unit_save(actor=user, name=request.POST.get("name", ""), level=request.POST.get("level", ""),
                                      area_code=request.POST.get("area", ""),
                                      village_codes=[c for c in request.POST.getlist("villages") if c])
        except ValidationFailed as exc:
            flash_errors(request, exc)
            status = 422
        else:
            messages.success(request, _("%(name)s is saved.") % {"name": unit.name})
            return redirect("assistance:units")
    from jingzhun.areas.selectors import area_in_scope

    return render(request, "assistance/units.html", {
        "rows": list(selectors.unit_queryset(actor=user).prefetch_related("villages")[:MAX_LIST]),
        "levels": UnitLevel.choices, "areas": area_in_scope(actor=user), "villages": _villages(user),
        "form": request.POST if status == 422 else {}, "can_edit": can(user, Capability.REGISTRY_EDIT)}, status=status)


@page
@require_http_methods(["GET", "POST"])
def team_new(request: HttpRequest) -> HttpResponse:
    """Send a resident work team to a village: unit, term, members and their roles."""
    user, today = request.user, clock.today()
    if not can(user, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    status = 200
    if request.method == "POST":
        members = [(cadre_id, request.POST.get(f"role_{cadre_id}", TeamRole.MEMBER))
                   for cadre_id in (form_id(v) for v in request.POST.getlist("member")) if cadre_id]
        try:
            team = services.team_send(actor=user, village_code=request.POST.get("village", ""),
                                      unit_id=form_id(request.POST.get("unit")) or 0,
                                      starts_on=(form_date(request.POST.get("starts_on")) or today),
                                      ends_on=(form_date(request.POST.get("ends_on")) or today) if request.POST.get("ends_on")
                                      else None, members=members)
        except ValidationFailed as exc:
            flash_errors(request, exc)
            status = 422
        else:
            messages.success(request, _("The work team is sent."))
            return redirect("assistance:village", code=team.village_id)
    return render(request, "assistance/team_new.html", {
        "villages": _villages(user), "units": list(selectors.unit_queryset(actor=user)),
        "cadres": list(selectors.cadre_queryset(actor=user).filter(active=True)[:MAX_LIST]), "roles": TeamRole.choices,
        "today": today, "form": request.POST if status == 422 else {}}, status=status)


@page
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """Statistics per area and year: measures per pathway (五个一批), projects and funds per area
    (industry share, disbursement rate; ``?level=village|township|county``), the four checks in numbers."""
    user, today = request.user, clock.today()
    year = _year(request, today)
    area_code = request.GET.get("area", "")
    if area_code:
        area_get(actor=user, code=area_code)
    pathways = checks.measures_by_pathway(actor=user, year=year, area_code=area_code)
    level = request.GET.get("level") if request.GET.get("level") in ("village", "township", "county") else "township"
    money = funds_selectors.funds_report(actor=user, year=year, level=level, area_code=area_code)
    if request.GET.get("format") and request.GET.get("table") == "funds":
        headers = [_("Area code"), _("Area"), _("Projects"), _("Industry projects"), _("Industry share (%)"),
                   _("Budget (yuan)"), _("Allocated (yuan)"), _("Disbursed (yuan)"), _("Disbursement rate (%)")]
        rows = [[r.area_code, r.area_name, r.projects, r.industry_projects, r.industry_share, r.budget, r.allocated,
                 r.disbursed, r.disbursement_rate] for r in money]
        return _export(request, name="projects-funds", headers=headers, rows=rows,
                       filters={"year": year, "area": area_code, "level": level})
    if request.GET.get("format"):
        headers = [_("Pathway"), _("Measures"), _("Households"), _("Persons")]
        rows = [[r["pathway"].zh, r["measures"], r["households"], r["persons"]] for r in pathways]
        return _export(request, name="pathways", headers=headers, rows=rows, filters={"year": year, "area": area_code})
    results = checks.village_checks(actor=user, year=year, on=today, area_code=area_code)
    return render(request, "assistance/reports.html", {
        "year": year, "years": list(range(today.year + 1, 2013, -1)), "area_code": area_code, "pathways": pathways,
        "summary": checks.summary(results), "labels": checks.CHECK_LABELS, "villages": _villages(user),
        "pathway_names": PATHWAY_BY_CODE, "money": money, "level": level,
        "money_total": funds_selectors.report_total(money) if money else None})
