"""Screening pages: start a run, watch it, counts per rule and area, drill-down, village task list.

The pages call ``screening.services`` (start a run, mark a finding fixed, reopen it, exempt it) and
read through ``screening.selectors``, which keep only what lies inside the user's areas: a run,
area or finding outside them is the same 404 as one that does not exist. A run executes in the
background (``jobs.submit``); the run page polls its status with htmx until it is done.
Who may do what: everyone signed in reads the findings of their areas; ``screening.run`` starts
runs; ``registry.edit`` marks findings fixed and reopens them; ``screening.exempt`` grants
exemptions; ``registry.export`` downloads the lists. Forms are shown only to those who may use
them, and a POST by anyone else is refused with 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import code_in_scope
from jingzhun.areas.models import AreaLevel
from jingzhun.areas.selectors import area_ancestors, area_get, area_in_scope, area_roots
from jingzhun.core.exceptions import ActionForbidden, DomainError, NotFound, ValidationFailed
from jingzhun.core.tables import XLSX_CONTENT_TYPE
from jingzhun.registry.selectors import household_latest_year
from jingzhun.screening import exports, jobs, presenters, selectors, services
from jingzhun.screening.catalogue import RULES_BY_ID
from jingzhun.screening.models import Hit, HitStatus, RunStatus, ScreeningRun
from jingzhun.web.forms import apply_issues
from jingzhun.web.inputs import form_id
from jingzhun.web.views import page

HITS_PER_PAGE = 50
RUNS_PER_PAGE = 20
STATUS_FILTERS = (HitStatus.OPEN, HitStatus.FIXED, HitStatus.EXEMPT)
# With more areas than this in a user's scope, villages are left out of the area list for a run
# (a province has tens of thousands); a village is still reached through its township.
MAX_AREA_CHOICES = 1000
# Labels of the fields a finding's forms send, to name the field in an error message.
FIELD_LABELS = {
    "note": gettext_lazy("What was corrected"),
    "reason": gettext_lazy("Reason for the exemption"),
    "year_to": gettext_lazy("Last year of the exemption"),
    "status": gettext_lazy("Status"),
}


# --- plumbing ---------------------------------------------------------------------------------


def _year(value: Any) -> int | None:
    year = form_id(value)
    return year if year is not None and 2010 <= year <= 2100 else None


def _rule_url(rule_id: str, year: int, area_code: str, status: str = "") -> str:
    query = {"year": year, "area": area_code} | ({"status": status} if status else {})
    return reverse("screening:rule", args=[rule_id]) + "?" + urlencode(query)


def _tasks_url(area_code: str, year: int) -> str:
    return reverse("screening:tasks", args=[area_code]) + "?" + urlencode({"year": year})


def _ancestors(user: Any, area: Any, url: Callable[[str], str]) -> list[dict[str, Any]]:
    """The breadcrumbs above ``area`` (``screening/_crumbs.html``): a link (``url(code)``) only to the
    areas inside the user's scope."""
    return [{"area": a, "link": code_in_scope(user, a.code), "url": url(a.code)} for a in area_ancestors(area)]


def _area_url(year: int) -> Callable[[str], str]:
    return lambda code: f"{reverse('screening:area', args=[code])}?{urlencode({'year': year})}"


# --- home: runs and starting one -----------------------------------------------------------------


class StartForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2010, max_value=2100, error_messages={
        "required": gettext_lazy("Enter the year to check."),
        "invalid": gettext_lazy("Enter a year such as 2024."),
    })
    area = forms.ChoiceField(label=gettext_lazy("Area"), error_messages={
        "required": gettext_lazy("Choose the area to check."),
        "invalid_choice": gettext_lazy("Choose an area from the list."),
    })
    groups = forms.MultipleChoiceField(label=gettext_lazy("Rules"), required=False,
                                       widget=forms.CheckboxSelectMultiple, error_messages={
                                           "invalid_choice": gettext_lazy("Choose the rules from the list."),
                                       })

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = areas
        self.fields["groups"].choices = [(g, presenters.group_label(g)) for g in presenters.GROUP_CHOICES]


def _area_choices(user: Any) -> list[tuple[str, str]]:
    areas = area_in_scope(actor=user)
    if len(areas) > MAX_AREA_CHOICES:
        areas = [a for a in areas if a.level < AreaLevel.VILLAGE]
    top = min((a.level for a in areas), default=0)
    return [(a.code, "\u3000" * max(a.level - top, 0) + a.name) for a in areas]


def _my_areas(user: Any) -> list[dict[str, Any]]:
    """The user's own areas, each linked to its findings (a village straight to its task list)."""
    out = []
    for area in area_roots(actor=user):
        if area.level == AreaLevel.VILLAGE:
            url = reverse("screening:tasks", args=[area.code])
        else:
            url = reverse("screening:area", args=[area.code])
        out.append({"area": area, "url": url})
    return out


@page
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """GET: the runs the user may see and, for ``screening.run``, the form to start one.
    POST: record the run, hand it to the background worker and go to its page at once."""
    user = request.user
    can_run = can(user, Capability.SCREENING_RUN)
    status = 200
    form = None
    if request.method == "POST":
        if not can_run:
            raise ActionForbidden()
        form = StartForm(request.POST, areas=_area_choices(user))
        if form.is_valid():
            try:
                run = services.screening_start(actor=user, year=form.cleaned_data["year"],
                                               area_code=form.cleaned_data["area"],
                                               groups=form.cleaned_data["groups"])
            except ValidationFailed as exc:
                for text in apply_issues(exc.issues, {"": form}):
                    form.add_error(None, text)
            except NotFound:
                form.add_error("area", _("Choose an area from the list."))
            else:
                jobs.submit(run.pk)
                return redirect("screening:run", pk=run.pk)
        status = 422
    elif can_run:
        choices = _area_choices(user)
        form = StartForm(areas=choices, initial={
            "year": household_latest_year(actor=user) or timezone.localdate().year,
            "area": choices[0][0] if choices else "",
        })
    runs = Paginator(selectors.runs_visible(actor=user), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "screening/index.html", {
        "form": form,
        "can_run": can_run,
        "runs": runs,
        "rows": [{"run": r, "state": presenters.run_state(r), "groups": presenters.groups_label(r.groups)}
                 for r in runs],
        "my_areas": _my_areas(user),
        "has_errors": status != 200,
    }, status=status)


# --- one run --------------------------------------------------------------------------------------


def _count_rows(user: Any, year: int, area_code: str, rule_ids: set[str] | None = None,
                found: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Counts per rule inside the area (open, fixed, exempt), each with its drill-down links."""
    rows = []
    for row in selectors.rule_counts(actor=user, year=year, area_code=area_code):
        if rule_ids is not None and row["rule_id"] not in rule_ids:
            continue
        rule = row["rule"]
        rows.append({
            **row,
            "name": presenters.rule_name(rule.id),
            "group": presenters.group_label(rule.group),
            "severity": str(rule.severity),
            "severity_label": presenters.severity_label(str(rule.severity)),
            "found": (found or {}).get(rule.id, 0),
            "url": _rule_url(rule.id, year, area_code),
            "open_url": _rule_url(rule.id, year, area_code, HitStatus.OPEN),
            "fixed_url": _rule_url(rule.id, year, area_code, HitStatus.FIXED),
            "exempt_url": _rule_url(rule.id, year, area_code, HitStatus.EXEMPT),
        })
    return rows


def _run_context(request: HttpRequest, run: ScreeningRun) -> dict[str, Any]:
    user = request.user
    state = presenters.run_state(run)
    context: dict[str, Any] = {
        "run": run,
        "state": state,
        "groups": presenters.groups_label(run.groups),
        "without_data": [{"id": rule_id, "name": presenters.rule_name(rule_id),
                          "needs": [presenters.data_source_label(n) for n in getattr(RULES_BY_ID.get(rule_id),
                                                                                    "needs", ())]}
                         for rule_id in run.rules_without_data],
        "can_run": can(user, Capability.SCREENING_RUN),
    }
    if run.status == RunStatus.DONE:
        rows = _count_rows(user, run.year, run.area_id, set(run.rule_ids), run.counts)
        context.update({
            "counts": rows,
            "quiet": sum(1 for rule_id in run.rule_ids if not run.counts.get(rule_id)),
            "is_village": run.area.level == AreaLevel.VILLAGE,
            "tasks_url": _tasks_url(run.area_id, run.year),
        })
    return context


@page
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(actor=request.user, run_id=pk)
    return render(request, "screening/run.html", _run_context(request, run))


@page
@require_GET
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status part of the run page, polled by htmx every 2 s while the run works."""
    run = selectors.run_get(actor=request.user, run_id=pk)
    return render(request, "screening/_run_status.html", _run_context(request, run))


# --- findings of an area, drill-down of one rule ------------------------------------------------


@page
@require_GET
def area_findings(request: HttpRequest, code: str) -> HttpResponse:
    """Counts per rule inside one area for a year (the latest with findings unless asked)."""
    user = request.user
    area = area_get(actor=user, code=code)
    year = (_year(request.GET.get("year")) or presenters.latest_year(actor=user, area_code=area.code)
            or timezone.localdate().year)
    return render(request, "screening/area.html", {
        "area": area,
        "year": year,
        "ancestors": _ancestors(user, area, _area_url(year)),
        "counts": _count_rows(user, year, area.code),
        "is_village": area.level == AreaLevel.VILLAGE,
        "tasks_url": _tasks_url(area.code, year),
    })


def _drill_params(request: HttpRequest, rule_id: str) -> tuple[Any, Any, int, str]:
    """The rule, area, year and status filter a drill-down or its export asks for (NotFound when
    the rule is unknown or the area is not one of the user's)."""
    rule = RULES_BY_ID.get(rule_id)
    if rule is None:
        raise NotFound()
    code = request.GET.get("area", "")
    if not code:
        root = area_roots(actor=request.user).first()
        if root is None:
            raise NotFound()
        code = root.code
    area = area_get(actor=request.user, code=code)
    year = (_year(request.GET.get("year")) or presenters.latest_year(actor=request.user, area_code=area.code)
            or timezone.localdate().year)
    status = request.GET.get("status", "")
    return rule, area, year, status if status in STATUS_FILTERS else ""


@page
@require_GET
def rule_detail(request: HttpRequest, rule_id: str) -> HttpResponse:
    """One rule: counts per area one level down (click to go down to villages) and its findings
    at the chosen area, a page at a time."""
    user = request.user
    rule, area, year, status = _drill_params(request, rule_id)
    is_village = area.level == AreaLevel.VILLAGE
    totals = next((r for r in selectors.rule_counts(actor=user, year=year, area_code=area.code)
                   if r["rule_id"] == rule.id), {"open": 0, "fixed": 0, "exempt": 0, "reopened": 0, "total": 0})
    children = [] if is_village else [
        {**row, "total": row["open"] + row["fixed"] + row["exempt"], "url": _rule_url(rule.id, year, row["code"])}
        for row in selectors.rule_counts_by_area(actor=user, year=year, rule_id=rule.id, area_code=area.code)]
    hits = selectors.hits_list(actor=user, year=year, area_code=area.code, rule_id=rule.id, status=status)
    page_obj = Paginator(hits, HITS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    export_query = urlencode({"year": year, "area": area.code} | ({"status": status} if status else {}))
    return render(request, "screening/rule.html", {
        "rule": rule,
        "rule_name": presenters.rule_name(rule.id),
        "group": presenters.group_label(rule.group),
        "severity": str(rule.severity),
        "severity_label": presenters.severity_label(str(rule.severity)),
        "area": area,
        "year": year,
        "status": status,
        "status_choices": [(s, presenters.STATUS_LABELS[s]) for s in STATUS_FILTERS],
        "ancestors": _ancestors(user, area, lambda code: _rule_url(rule.id, year, code)),
        "totals": totals,
        "children": children,
        "is_village": is_village,
        "tasks_url": _tasks_url(area.code, year),
        "page_obj": page_obj,
        "rows": [presenters.hit_row(h, user) for h in page_obj],
        "query_string": query.urlencode(),
        "export_query": export_query,
        "can_export": can(user, Capability.EXPORT),
    })


@page
@require_GET
def rule_export(request: HttpRequest, rule_id: str, fmt: str) -> HttpResponse:
    """The findings of the drill-down (same rule, area, year and status): XLSX, or CSV in UTF-8
    (``?encoding=gbk`` for GBK). Only findings inside the user's areas; audited."""
    if fmt not in ("csv", "xlsx"):
        raise Http404()
    if not can(request.user, Capability.EXPORT):
        raise ActionForbidden()
    rule, area, year, status = _drill_params(request, rule_id)
    hits = selectors.hits_list(actor=request.user, year=year, area_code=area.code, rule_id=rule.id, status=status)
    filters = {"rule": rule.id, "year": year, "area": area.code, "status": status}
    name = f"screening-{rule.id}-{area.code}-{year}.{fmt}"
    if fmt == "xlsx":
        response: HttpResponse = HttpResponse(exports.hits_xlsx_bytes(actor=request.user, hits=hits, filters=filters),
                                              content_type=XLSX_CONTENT_TYPE)
    else:
        encoding = "gbk" if request.GET.get("encoding") == "gbk" else "utf-8-sig"
        response = StreamingHttpResponse(
            exports.hits_csv(actor=request.user, hits=hits, filters=filters, encoding=encoding),
            content_type=f"text/csv; charset={'gbk' if encoding == 'gbk' else 'utf-8'}")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- village task list and the actions on a finding ----------------------------------------------


@page
@require_GET
def tasks(request: HttpRequest, code: str) -> HttpResponse:
    """A village's findings of a year grouped by household: open ones first, most serious first,
    each with the forms the user's role may use."""
    user = request.user
    area = area_get(actor=user, code=code)
    if area.level != AreaLevel.VILLAGE:
        raise NotFound()
    year = (_year(request.GET.get("year")) or presenters.latest_year(actor=user, area_code=area.code)
            or timezone.localdate().year)
    only_open = request.GET.get("show") == "open"
    hits = selectors.village_tasks(actor=user, year=year, village_code=area.code)
    counts = {s: sum(1 for h in hits if h.status == s) for s in STATUS_FILTERS}
    groups: dict[int, dict[str, Any]] = {}
    for hit in hits:
        if only_open and hit.status != HitStatus.OPEN:
            continue
        group = groups.setdefault(hit.household_id or 0, {"household": hit.household, "rows": [], "open": 0})
        group["rows"].append(presenters.hit_row(hit, user))
        group["open"] += int(hit.status == HitStatus.OPEN)
    return render(request, "screening/tasks.html", {
        "area": area,
        "year": year,
        "ancestors": _ancestors(user, area, _area_url(year)),
        "groups": list(groups.values()),
        "counts": counts,
        "total": len(hits),
        "only_open": only_open,
        "can_fix": can(user, Capability.REGISTRY_EDIT),
        "can_exempt": can(user, Capability.SCREENING_EXEMPT),
        "next": request.get_full_path(),
    })


def _back(request: HttpRequest, hit: Hit) -> HttpResponseRedirect:
    """Back to the page the form was on (a local address only), else to the village's task list."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = _tasks_url(hit.area_id, hit.year)
    return redirect(target.split("#", 1)[0] + f"#hit-{hit.pk}")


def _finding(hit: Hit, user: Any) -> str:
    return f"{hit.rule_id} {presenters.rule_name(hit.rule_id)} — {presenters.unit_label(hit, user)}"


def _flash_domain_error(request: HttpRequest, hit: Hit, exc: DomainError) -> None:
    """Each problem as a message naming the finding, the field and the reason."""
    finding = _finding(hit, request.user)
    for item in exc.issues or []:
        label = FIELD_LABELS.get(item.field, item.field)
        messages.error(request, _("%(finding)s: %(field)s — %(reason)s")
                       % {"finding": finding, "field": label, "reason": item.text()})
    if not exc.issues:
        messages.error(request, _("%(finding)s: %(reason)s") % {"finding": finding, "reason": exc.text()})


def _act(request: HttpRequest, pk: int, action: Callable[[Any], Any], success: str) -> HttpResponse:
    """Run ``action(user)`` on the finding; its domain errors become messages on the page the user
    came from (NotFound and ActionForbidden go up as 404 and 403)."""
    hit = selectors.hit_get(actor=request.user, hit_id=pk)
    try:
        action(request.user)
    except ValidationFailed as exc:
        _flash_domain_error(request, hit, exc)
    else:
        messages.success(request, success % {"finding": _finding(hit, request.user)})
    return _back(request, hit)


@page
@require_POST
def hit_fix(request: HttpRequest, pk: int) -> HttpResponse:
    if not can(request.user, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    return _act(request, pk, lambda user: services.hit_mark_fixed(actor=user, hit_id=pk,
                                                                  note=request.POST.get("note", "")),
                _("Marked fixed: %(finding)s. The next run checks it again."))


@page
@require_POST
def hit_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    if not can(request.user, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    return _act(request, pk, lambda user: services.hit_reopen(actor=user, hit_id=pk),
                _("Reopened: %(finding)s."))


@page
@require_POST
def hit_exempt(request: HttpRequest, pk: int) -> HttpResponse:
    if not can(request.user, Capability.SCREENING_EXEMPT):
        raise ActionForbidden()
    raw_year = request.POST.get("year_to", "").strip()
    year_to = _year(raw_year)
    if raw_year and year_to is None:
        hit = selectors.hit_get(actor=request.user, hit_id=pk)
        messages.error(request, _("%(finding)s: %(field)s — %(reason)s") % {
            "finding": _finding(hit, request.user), "field": FIELD_LABELS["year_to"],
            "reason": _("Enter a year such as 2026, or leave it empty for no end.")})
        return _back(request, hit)
    return _act(request, pk, lambda user: services.hit_exempt(actor=user, hit_id=pk,
                                                              reason=request.POST.get("reason", ""), year_to=year_to),
                _("Exempted: %(finding)s. Later runs list it as exempt, not as a task."))
