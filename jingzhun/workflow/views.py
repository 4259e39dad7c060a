"""Pages of procedures and public notices. Each view parses input, calls one service (or the
selectors it needs), and shows domain errors beside the form (422) or as the 404/403 pages.

The public notice page (``public_notice``) and its PDF are the only pages without login: they show
what the notice shows and accept objections while it runs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import area_scope_q
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.areas.selectors import area_get, area_villages
from jingzhun.core import clock
from jingzhun.core.exceptions import ActionForbidden, NotFound, ValidationFailed
from jingzhun.registry import codelists
from jingzhun.registry.models import HouseholdYear
from jingzhun.registry.selectors import household_queryset
from jingzhun.web.inputs import flash_errors, form_date, form_id, form_ids
from jingzhun.web.views import page
from jingzhun.workflow import calendar, effects, flows, pdf, selectors, services, subjects
from jingzhun.workflow.models import (
    CaseStatus,
    Decision,
    Effect,
    Evidence,
    EvidenceKind,
    NoticeKind,
    NoticeStatus,
    ObjectionStatus,
    Step,
    StepKind,
    Subject,
)

MAX_LIST = 500


# --- queue ------------------------------------------------------------------------------------


@page
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Cases waiting for me, by step and area, with the overdue ones first."""
    user, today = request.user, clock.today()
    rows = selectors.queue(actor=user, today=today)
    overdue = list(selectors.overdue_cases(actor=user, today=today)[:50])
    notices = list(selectors.notice_queryset(actor=user).filter(status=NoticeStatus.OPEN)[:50])
    return render(request, "workflow/queue.html", {
        "rows": rows, "overdue": overdue, "notices": notices, "today": today,
        "can_start": bool(_startable(user, today.year)),
    })


def _startable(user: Any, year: int) -> list[Any]:
    """Procedures whose first step the user's role performs (what the start page offers). A project
    goes into its procedure from the project's own page, so those procedures are not offered here."""
    role = getattr(user, "role", "")
    out = []
    for procedure in selectors.procedures_in_force(year=year, area_code=None):
        if procedure.subject not in services.AREA_OR_HOUSEHOLD:
            continue
        first = procedure.steps.order_by("position").first()
        if first is not None and (user.is_superuser or first.role == role):
            out.append(procedure)
    return out


# --- start ------------------------------------------------------------------------------------


class StartForm(forms.Form):
    procedure = forms.ChoiceField(label=gettext_lazy("Procedure"))
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2013, max_value=2100)
    area = forms.ChoiceField(label=gettext_lazy("Village"))


@page
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Choose a procedure, a year and a village; tick households (or the village itself); submit."""
    user, today = request.user, clock.today()
    data = request.POST if request.method == "POST" else request.GET
    year = form_id(data.get("year")) or today.year
    procedures = _startable(user, year)
    if not procedures:
        raise ActionForbidden()
    form = StartForm(data or None)
    form.fields["procedure"].choices = [(p.key, p.name_zh) for p in procedures]
    procedure = next((p for p in procedures if p.key == data.get("procedure")), procedures[0])
    if procedure.subject == Subject.COUNTY:  # a county exit is started for the county itself
        villages = list(Area.objects.filter(area_scope_q(user, "code"), level=AreaLevel.COUNTY)
                        .select_related("parent").order_by("code")[:200])
    else:
        villages = list(area_villages(actor=user)[:2000])
    form.fields["area"].choices = [(a.code, f"{a.parent.name if a.parent else ''} {a.name}") for a in villages]
    area_code = data.get("area") or (villages[0].code if villages else "")
    context: dict[str, Any] = {"form": form, "procedure": procedure, "year": year, "area_code": area_code,
                               "today": today, "effect": procedure.effect,
                               **{name: codelists.choices(list_key, blank=False) for name, list_key in (
                                   ("monitoring_types", "monitoring_type"), ("risk_types", "risk_type"),
                                   ("causes", "poverty_cause"), ("methods", "elimination_method"))},
                               "evidence_kinds": EvidenceKind.choices}
    first_step = procedure.steps.order_by("position").first()
    context["first_step"] = first_step
    if procedure.subject == Subject.HOUSEHOLD and area_code:
        homes = list(household_queryset(actor=user).filter(area_id=area_code, is_active=True)
                     .order_by("group_name", "household_number")[:MAX_LIST])
        statuses = dict(HouseholdYear.objects.filter(household__in=homes, year=year).values_list("household_id", "status"))
        open_ids = set(selectors.case_queryset(actor=user).filter(procedure_key=procedure.key, year=year,
                                                                   status=CaseStatus.OPEN, household__in=homes)
                       .values_list("household_id", flat=True))
        context["households"] = [{"h": h, "status": codelists.label("household_status", statuses.get(h.pk, "")) or "—",
                                  "open": h.pk in open_ids} for h in homes]
    if request.method == "POST" and form.is_valid():
        params = _start_params(request, procedure.effect)
        try:
            kwargs: dict[str, Any] = {}
            if procedure.subject == Subject.HOUSEHOLD:
                kwargs["household_ids"] = form_ids(request.POST.getlist("household"))
            else:
                kwargs["area_codes"] = [c for c in request.POST.getlist("subject_area") if c]
            if not kwargs.get("household_ids") and not kwargs.get("area_codes"):
                raise ValidationFailed(_("Tick at least one household."), code="required")
            evidence = [(request.POST.get("evidence_kind") or "other", f) for f in request.FILES.getlist("evidence")]
            cases = services.cases_start(actor=user, procedure_key=procedure.key, year=year, params=params,
                                         clue_on=form_date(request.POST.get("clue_on")),
                                         comment=request.POST.get("comment", ""), evidence=evidence, today=today, **kwargs)
        except ValidationFailed as exc:
            flash_errors(request, exc)
            return render(request, "workflow/start.html", context, status=422)
        messages.success(request, _("%(count)s case(s) submitted.") % {"count": len(cases)})
        first = cases[0]
        if first.status == CaseStatus.OPEN:
            return redirect(_step_url(first.step_id, area_code_for(first), year))
        return redirect("workflow:case", pk=first.pk)
    return render(request, "workflow/start.html", context)


def _start_params(request: HttpRequest, effect: str) -> dict[str, Any]:
    post = request.POST
    if effect == Effect.IDENTIFY:
        return {k: v for k, v in {"main_cause": post.get("main_cause", ""), "standard": post.get("standard", "")}.items() if v}
    if effect == Effect.MONITOR:
        return {"monitoring_type": post.get("monitoring_type", ""), "risks": post.getlist("risks")}
    if effect == Effect.ELIMINATE_RISK:
        measures = [m.strip() for m in post.get("measures", "").splitlines() if m.strip()]
        return {"method": post.get("method", ""), "measures": measures}
    return {}


def area_code_for(case: Any) -> str:
    """The area a step screen lists: the case's own area at the step's level."""
    return flows.area_at_level(case.area_id, case.step.level) if case.step else case.area_id


def _step_url(step_id: int, area_code: str, year: int) -> str:
    return reverse("workflow:step", kwargs={"step_id": step_id, "area_code": area_code, "year": year})


# --- one step in one area ---------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, step_id: int, area_code: str, year: int) -> HttpResponse:
    """The open cases at one step in one area: act on the ticked ones, or post them on a notice."""
    user, today = request.user, clock.today()
    area = area_get(actor=user, code=area_code)
    cases = list(selectors.cases_at(actor=user, step_id=step_id, area_code=area_code, year=year)[:MAX_LIST])
    step_obj = cases[0].step if cases else None
    if step_obj is None:
        step_obj = Step.objects.select_related("procedure").filter(pk=step_id).first()
        if step_obj is None:
            raise NotFound()
    status = 200
    if request.method == "POST":
        ids = form_ids(request.POST.getlist("case"))
        position = form_id(request.POST.get("position")) or 0
        try:
            if request.POST.get("do") == "publish":
                notice = services.notice_publish(
                    actor=user, case_ids=ids, at_position=position, contact_name=request.POST.get("contact_name", ""),
                    contact_phone=request.POST.get("contact_phone", ""), starts_on=form_date(request.POST.get("starts_on")),
                    reason=request.POST.get("reason", ""), today=today)
                messages.success(request, _("Notice posted."))
                return redirect("workflow:notice", pk=notice.pk)
            evidence = [(request.POST.get("evidence_kind") or "other", f) for f in request.FILES.getlist("evidence")]
            action = request.POST.get("do", "")
            if action == "attach":
                if not evidence:
                    raise ValidationFailed(_("Choose a file to upload."), code="required")
                services.evidence_add(actor=user, case_ids=ids, kind=evidence[0][0], upload=evidence[0][1])
                messages.success(request, _("File attached to %(count)s case(s).") % {"count": len(ids)})
            else:
                services.cases_act(actor=user, case_ids=ids, action=action, at_position=position,
                                   comment=request.POST.get("comment", ""),
                                   return_to=form_id(request.POST.get("return_to")),
                                   evidence=evidence, today=today)
                messages.success(request, _("Done for %(count)s case(s).") % {"count": len(ids)})
            return redirect(request.get_full_path())
        except (ValidationFailed, services.StepChanged) as exc:
            flash_errors(request, exc)
            status = 422 if isinstance(exc, ValidationFailed) else 409
    return render(request, "workflow/step.html", _step_context(user, step_obj, area, year, cases, today), status=status)


def _step_context(user: Any, step_obj: Any, area: Any, year: int, cases: list[Any], today: dt.date) -> dict[str, Any]:
    procedure = step_obj.procedure
    steps = list(procedure.steps.order_by("position"))
    posted = selectors.on_open_notice([c.pk for c in cases])
    evidence_counts = Counter(Evidence.objects.filter(case__in=cases, step=step_obj).values_list("case_id", flat=True))
    rows = [{"case": c, "posted": c.pk in posted, "evidence": evidence_counts.get(c.pk, 0),
             "name": c.subject_name, "url": subjects.url_of(c),
             "overdue": c.overdue_on(today),
             "may_act": selectors.may_act(user, c)} for c in cases]
    notice_days = None
    if step_obj.kind == StepKind.NOTICE:
        notice_days = services.notice_days_for(step_obj, year=year, area_code=area.code)
    return {
        "procedure": procedure, "step": step_obj, "steps": steps, "area": area, "year": year, "rows": rows,
        "earlier_steps": [s for s in steps if s.position < step_obj.position],
        "is_notice": step_obj.is_notice, "is_announcement": step_obj.kind == StepKind.ANNOUNCEMENT,
        "notice_days": notice_days, "today": today, "evidence_kinds": EvidenceKind.choices,
        "required_evidence": [EvidenceKind(k).label for k in step_obj.evidence if k in EvidenceKind.values],
        "can_act": any(r["may_act"] for r in rows),
        "calendar_known": calendar.covers(today),
    }


# --- one case ---------------------------------------------------------------------------------


@page
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, pk: int) -> HttpResponse:
    user, today = request.user, clock.today()
    case_obj = selectors.case_get(actor=user, pk=pk)
    if request.method == "POST" and request.POST.get("do") == "roll_back":
        try:
            services.case_roll_back(actor=user, case_id=case_obj.pk, reason=request.POST.get("reason", ""), today=today)
            messages.success(request, _("The result was rolled back."))
            return redirect("workflow:case", pk=pk)
        except ValidationFailed as exc:
            flash_errors(request, exc)
    decisions = list(Decision.objects.filter(case=case_obj).select_related("step", "notice").prefetch_related("evidence"))
    steps = list(case_obj.procedure.steps.order_by("position"))
    return render(request, "workflow/case.html", {
        "case": case_obj, "decisions": decisions, "steps": steps, "today": today,
        "evidence": list(Evidence.objects.filter(case=case_obj).select_related("step")),
        "entries": list(case_obj.notice_entries.select_related("notice")),
        "step_link": _step_url(case_obj.step_id, area_code_for(case_obj), case_obj.year) if case_obj.step_id else "",
        "subject_url": subjects.url_of(case_obj),
        "can_roll_back": (case_obj.status == CaseStatus.COMPLETED
                          and case_obj.procedure.effect in effects.ROLLBACK_EFFECTS),
    })


@page
@require_GET
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    row = Evidence.objects.filter(pk=pk).select_related("case").first()
    if row is None or row.case_id is None:
        raise NotFound()
    selectors.case_get(actor=request.user, pk=row.case_id)  # scope gate
    # Verification forms and authorisations carry ID numbers, accounts and health details.
    if not can(request.user, Capability.SENSITIVE_VIEW):
        raise ActionForbidden()
    return FileResponse(row.file.open("rb"), as_attachment=True, filename=row.original_name)


# --- notices ----------------------------------------------------------------------------------


@page
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.notice_queryset(actor=request.user).prefetch_related("objections")[:200])
    return render(request, "workflow/notices.html", {"notices": rows, "today": clock.today()})


@page
@require_http_methods(["GET", "POST"])
def notice(request: HttpRequest, pk: int) -> HttpResponse:
    """Manage one notice: its list, objections (record, resolve), closing it, its PDF and public link."""
    user, today = request.user, clock.today()
    notice_obj = selectors.notice_get(actor=user, pk=pk)
    status = 200
    if request.method == "POST":
        action = request.POST.get("do")
        try:
            if action == "close":
                services.notice_close(actor=user, notice_id=notice_obj.pk, today=today)
                messages.success(request, _("The notice is closed; its cases moved on."))
            elif action == "resolve":
                services.objection_resolve(actor=user, objection_id=form_id(request.POST.get("objection")) or 0,
                                           upheld=request.POST.get("upheld") == "1",
                                           resolution=request.POST.get("resolution", ""), today=today)
                messages.success(request, _("The objection is resolved."))
            elif action == "object":
                services.objection_file(notice=notice_obj, entry_id=form_id(request.POST.get("entry")),
                                        filed_by_name=request.POST.get("filed_by_name", ""),
                                        contact=request.POST.get("contact", ""),
                                        content=request.POST.get("content", ""), actor=user, today=today)
                messages.success(request, _("The objection is recorded."))
            else:
                raise ValidationFailed(_("Unknown action."), code="unknown")
            return redirect("workflow:notice", pk=pk)
        except (ValidationFailed, services.StepChanged) as exc:
            flash_errors(request, exc)
            status = 422
        except ActionForbidden as exc:
            raise PermissionDenied(exc.text()) from exc
    notice_obj.refresh_from_db()
    objections = list(notice_obj.objections.select_related("entry").order_by("id"))
    return render(request, "workflow/notice.html", {
        "notice": notice_obj, "entries": list(notice_obj.entries.order_by("line")), "objections": objections,
        "open_objections": sum(1 for o in objections if o.status == ObjectionStatus.OPEN),
        "public_url": request.build_absolute_uri(reverse("notices:public", kwargs={"token": notice_obj.public_token})),
        "today": today, "can_close": notice_obj.status == NoticeStatus.OPEN and today > notice_obj.ends_on,
        "accepting": _accepting(notice_obj, today),
        "may_manage": selectors.may_act_in(user, notice_obj.area_id, notice_obj.step),
    }, status=status)


def _accepting(notice_obj: Any, today: dt.date) -> bool:
    return (notice_obj.kind == NoticeKind.PUBLICITY and notice_obj.status == NoticeStatus.OPEN
            and notice_obj.starts_on <= today <= notice_obj.ends_on)


def _pdf_response(notice_obj: Any) -> HttpResponse:
    try:
        data = pdf.notice_pdf(notice_obj)
    except pdf.NoticeFontMissing as exc:
        return HttpResponse(exc.text(), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice_obj.pk}.pdf"'
    return response


@page
@require_GET
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf_response(selectors.notice_get(actor=request.user, pk=pk))


# --- public (no login) ------------------------------------------------------------------------


def _public(token: str) -> Any:
    try:
        return selectors.notice_public_get(token=token)
    except NotFound as exc:
        raise Http404(exc.text()) from exc


@require_http_methods(["GET", "POST"])
def public_notice(request: HttpRequest, token: str) -> HttpResponse:
    """The notice as posted, for anyone with the link; objections are accepted while it runs."""
    notice_obj, today = _public(token), clock.today()
    status, values = 200, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("entry", "filed_by_name", "contact", "content")}
        if _too_many_objections(request):
            messages.error(request, _("Too many objections were sent from this connection in the last hour. "
                                      "Please call the telephone on the notice instead."))
            status = 429
    if request.method == "POST" and status == 200:
        try:
            services.objection_file(notice=notice_obj, entry_id=form_id(values["entry"]),
                                    filed_by_name=values["filed_by_name"], contact=values["contact"],
                                    content=values["content"], today=today)
            messages.success(request, _("Your objection was received. The village will check it and answer you."))
            return redirect("notices:public", token=token)
        except ValidationFailed as exc:
            flash_errors(request, exc)
            status = 422
    return render(request, "workflow/public_notice.html", {
        "notice": notice_obj, "entries": selectors.notice_public_entries(notice_obj), "today": today,
        "accepting": _accepting(notice_obj, today), "values": values,
    }, status=status)


PUBLIC_OBJECTIONS_PER_HOUR = 20


def _too_many_objections(request: HttpRequest) -> bool:
    """A plain per-address limit on the public form (the page needs no login)."""
    key = f"workflow:objections:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > PUBLIC_OBJECTIONS_PER_HOUR
    except ValueError:  # expired between add and incr
        return False


@require_GET
def public_notice_pdf(request: HttpRequest, token: str) -> HttpResponse:
    return _pdf_response(_public(token))
