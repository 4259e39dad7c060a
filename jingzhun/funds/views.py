"""Pages of projects and funds. Each view parses input, calls one service (writes) or the scoped
selectors (reads), and turns domain errors into pages: ``NotFound`` → 404 (the same for a missing and
an out-of-scope project or fund), ``ActionForbidden`` → 403, ``ValidationFailed`` → the form again
with each message beside its field (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jingzhun.accounts.roles import Capability, can
from jingzhun.accounts.scope import area_scope_q
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.core.exceptions import ActionForbidden, ValidationFailed
from jingzhun.core.tables import XLSX_CONTENT_TYPE
from jingzhun.funds import library, selectors, services
from jingzhun.funds.exports import projects_csv, projects_xlsx_bytes
from jingzhun.funds.forms import (
    AllocateForm,
    BudgetForm,
    DisburseForm,
    FundForm,
    MilestoneForm,
    ProjectFilterForm,
    ProjectForm,
)
from jingzhun.funds.library import place_name
from jingzhun.funds.models import EDITABLE_STATUSES, FUNDABLE_STATUSES, BenefitKind, FundSource
from jingzhun.funds.money import yuan
from jingzhun.registry.selectors import household_queryset
from jingzhun.web.forms import apply_issues
from jingzhun.web.views import page
from jingzhun.workflow.selectors import may_start

PAGE_SIZE = 50
MAX_CHOICES = 3000
MAX_HOUSEHOLDS = 500


# ---------------------------------------------------------------------------------------------- helpers


def _places(user: Any) -> list[tuple[str, str]]:
    """Villages and townships in the user's areas, for the project's place."""
    areas = (Area.objects.filter(area_scope_q(user, "code"), level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE])
             .select_related("parent").order_by("code")[:MAX_CHOICES])
    return [(a.code, place_name(a) if a.level == AreaLevel.VILLAGE else f"{a.name}（{_('whole township')}）")
            for a in areas]


def _areas(user: Any, levels: list[int]) -> list[tuple[str, str]]:
    areas = Area.objects.filter(area_scope_q(user, "code"), level__in=levels).select_related("parent")
    return [(a.code, place_name(a)) for a in areas.order_by("code")[:MAX_CHOICES]]


def _failed(exc: ValidationFailed, *forms_: forms.Form) -> list[str]:
    """Put each issue beside its field in the first form that has it; the rest go on top."""
    if not exc.issues:
        return [exc.text()]
    remaining = list(exc.issues)
    for form in forms_:
        unplaced = apply_issues(remaining, {"": form})
        remaining = [i for i in remaining if i.text() in unplaced]
    return [i.text() for i in remaining]


def _post(request: HttpRequest, *names: str) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in names}


def _chosen(request: HttpRequest, form: forms.Form, *names: str) -> bool:
    """The selects the user must choose; an empty one gets its message here (nothing to look up)."""
    ok = True
    for name in names:
        if not request.POST.get(form.add_prefix(name)):
            form.add_error(name, _("Choose one."))
            ok = False
    return ok


def _with_failure(call: Callable[[], Any], *forms_: forms.Form) -> tuple[Any, list[str]]:
    """Run a service call; a ``ValidationFailed`` becomes messages on the forms (and on top)."""
    try:
        return call(), []
    except ValidationFailed as exc:
        return None, _failed(exc, *forms_)


# ---------------------------------------------------------------------------------------------- projects


@page
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    """The user's projects, filtered by area, year, kind and status, with their money."""
    user = request.user
    form = ProjectFilterForm(request.GET or None, areas=_areas(user, [AreaLevel.COUNTY, AreaLevel.TOWNSHIP,
                                                                      AreaLevel.VILLAGE]))
    filters = form.values()
    queryset = selectors.project_list(actor=user, **filters)
    page_obj = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    money = selectors.project_money([p.pk for p in page_obj])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "funds/project_list.html", {
        "form": form, "page_obj": page_obj, "rows": [{"project": p, "money": money[p.pk]} for p in page_obj],
        "query": query.urlencode(), "can_edit": can(user, Capability.REGISTRY_EDIT),
        "can_export": can(user, Capability.EXPORT),
    })


@page
@require_GET
def project_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The list as filtered on the page: XLSX, or CSV in UTF-8 (``?encoding=gbk`` for GBK)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404()
    if not can(request.user, Capability.EXPORT):
        raise ActionForbidden()
    filters = ProjectFilterForm(request.GET or None).values()
    projects = selectors.project_list(actor=request.user, **filters)
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        response: HttpResponse = HttpResponse(projects_xlsx_bytes(actor=request.user, projects=projects,
                                                                  filters=filters), content_type=XLSX_CONTENT_TYPE)
    else:
        encoding = "gbk" if request.GET.get("encoding") == "gbk" else "utf-8-sig"
        response = StreamingHttpResponse(
            projects_csv(actor=request.user, projects=projects, filters=filters, encoding=encoding),
            content_type=f"text/csv; charset={'gbk' if encoding == 'gbk' else 'utf-8'}")
    response["Content-Disposition"] = f'attachment; filename="projects-{stamp}.{fmt}"'
    return response


PROJECT_INPUTS = ("name", "kind", "area_code", "year", "content", "planned_start", "planned_end", "responsible_unit",
                  "responsible_person", "responsible_phone", "expected_benefit", "linkage")


@page
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can(user, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    places = _places(user)
    status, top = 200, []
    if request.method == "POST":
        form = ProjectForm(request.POST, places=places)
        project, top = _with_failure(lambda: services.project_save(actor=user, data=_post(request, *PROJECT_INPUTS)),
                                     form)
        if project is not None:
            messages.success(request, _("Project saved. Set its budget next."))
            return redirect("funds:project_detail", pk=project.pk)
        status = 422
    else:
        form = ProjectForm(initial={"year": timezone.localdate().year,
                                    "area_code": places[0][0] if len(places) == 1 else ""}, places=places)
    return render(request, "funds/project_form.html", {"form": form, "project": None, "top_errors": top,
                                                       "has_errors": status == 422}, status=status)


@page
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    project = selectors.project_get(actor=user, pk=pk)
    if not can(user, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    frozen = not services.library_content_editable(project)
    current = {"name": project.name, "kind": project.kind, "area_code": project.area_id, "year": project.year,
               "content": project.content, "planned_start": project.planned_start or "",
               "planned_end": project.planned_end or "", "responsible_unit": project.responsible_unit,
               "responsible_person": project.responsible_person, "responsible_phone": project.responsible_phone,
               "expected_benefit": project.expected_benefit, "linkage": project.linkage}
    status, top = 200, []
    if request.method == "POST":
        form = ProjectForm(request.POST, initial=current, places=_places(user), frozen=frozen)
        data = _post(request, *PROJECT_INPUTS)
        if frozen:  # what the notices showed is sent as it is
            data.update({k: current[k] for k in ("name", "kind", "area_code", "year", "content")})
        saved, top = _with_failure(lambda: services.project_save(actor=user, data=data, project_id=project.pk), form)
        if saved is not None:
            messages.success(request, _("Project saved."))
            return redirect("funds:project_detail", pk=project.pk)
        status = 422
    else:
        form = ProjectForm(initial=current, places=_places(user), frozen=frozen)
    return render(request, "funds/project_form.html", {"form": form, "project": project, "frozen": frozen,
                                                       "top_errors": top, "has_errors": status == 422}, status=status)


def _budget_form(detail: selectors.ProjectDetail, data: Any = None) -> BudgetForm:
    initial = {f"amounts.{s}": a for s, a in detail.money.budget_by_source.items()}
    return BudgetForm(data, initial=initial)


@page
@require_http_methods(["GET", "POST"])
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A project: budget by source with what was allocated and paid, allocations, disbursements,
    milestones, beneficiaries, its library case and notices; forms to set the budget, record a
    milestone and submit it to the library."""
    user = request.user
    detail = selectors.project_detail(actor=user, pk=pk)
    project = detail.project
    budget_form, milestone_form = _budget_form(detail), MilestoneForm()
    status, top = 200, []
    if request.method == "POST":
        action = request.POST.get("do", "")
        if action == "budget":
            budget_form = _budget_form(detail, request.POST)
            done, top = _with_failure(lambda: services.project_budget_set(
                actor=user, project_id=project.pk, amounts=budget_form.amounts()), budget_form)
            message = _("Budget saved.")
        elif action == "milestone":
            milestone_form = MilestoneForm(request.POST)
            done, top = _with_failure(lambda: services.milestone_record(
                actor=user, project_id=project.pk, **_post(request, "kind", "date", "winning_bidder", "note")),
                milestone_form)
            message = _("Milestone recorded.")
        elif action == "submit":
            done, top = _with_failure(lambda: services.project_submit_to_library(
                actor=user, project_id=project.pk, comment=request.POST.get("comment", "")))
            message = _("Submitted: the project now goes through the library procedure, starting with its notice.")
        else:
            done, top = None, [_("Unknown action.")]
        if done is not None:
            messages.success(request, message)
            return redirect("funds:project_detail", pk=project.pk)
        status = 422
    editable = services.library_content_editable(project)
    return render(request, "funds/project_detail.html", {
        "d": detail, "project": project, "money": detail.money, "budget_form": budget_form,
        "milestone_form": milestone_form, "top_errors": top, "has_errors": status == 422,
        "can_edit": can(user, Capability.REGISTRY_EDIT), "editable": editable,
        "fundable": project.status in FUNDABLE_STATUSES,
        "may_submit": (project.status in EDITABLE_STATUSES and can(user, Capability.REGISTRY_EDIT)
                       and may_start(user, library.procedure_key_for(project), project.year, project.area_id)),
        "missing": services.submission_problems(project) if editable else [],
    }, status=status)


@page
@require_http_methods(["GET", "POST"])
def project_beneficiaries(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick the households of one village of the project's township that the project benefits, with
    how and how much; households of the township's other villages stay as they are."""
    user = request.user
    project = selectors.project_get(actor=user, pk=pk)
    if not can(user, Capability.REGISTRY_EDIT):
        raise ActionForbidden()
    township = project.area_id[:9]
    villages = [(c, n) for c, n in _areas(user, [AreaLevel.VILLAGE]) if c.startswith(township)]
    default = project.area_id if project.area.level == AreaLevel.VILLAGE else (villages[0][0] if villages else "")
    village = request.POST.get("village") or request.GET.get("village") or default
    if village not in {c for c, _n in villages}:
        village = default
    homes = list(household_queryset(actor=user).filter(area_id=village, is_active=True)
                 .order_by("group_name", "household_number")[:MAX_HOUSEHOLDS]) if village else []
    current = {b.household_id: b for b in project.beneficiaries.all()}
    status, top = 200, []
    if request.method == "POST":
        shown = {h.pk for h in homes}
        ticked = {int(v) for v in request.POST.getlist("household") if v.isdigit() and int(v) in shown}
        rows = [{"household_id": h, "benefit": b.benefit, "amount": b.amount} for h, b in current.items()
                if h not in shown]
        rows += [{"household_id": h, "benefit": request.POST.get(f"benefit_{h}", ""),
                  "amount": request.POST.get(f"amount_{h}", "")} for h in sorted(ticked)]
        done, top = _with_failure(lambda: services.project_beneficiaries_set(actor=user, project_id=project.pk,
                                                                             rows=rows))
        if done is not None:
            messages.success(request, _("Beneficiary households saved."))
            return redirect("funds:project_detail", pk=project.pk)
        status = 422
    values = request.POST if request.method == "POST" else None
    table = []
    for h in homes:
        row = current.get(h.pk)
        table.append({
            "h": h, "ticked": (str(h.pk) in values.getlist("household")) if values else row is not None,
            "benefit": values.get(f"benefit_{h.pk}", "") if values else (row.benefit if row else ""),
            "amount": values.get(f"amount_{h.pk}", "") if values else (row.amount if row and row.amount else ""),
        })
    return render(request, "funds/project_beneficiaries.html", {
        "project": project, "villages": villages, "village": village, "table": table,
        "benefits": BenefitKind.choices, "top_errors": top, "has_errors": status == 422,
        "others": sum(1 for h in current if h not in {x.pk for x in homes}),
    }, status=status)


@page
@require_GET
def household_projects(request: HttpRequest, pk: int) -> HttpResponse:
    """The projects that benefit a household, the money that reaches it and the funds it came from."""
    household = household_queryset(actor=request.user).select_related("area").filter(pk=pk).first()
    rows = selectors.household_projects(actor=request.user, household_id=pk)
    return render(request, "funds/household_projects.html", {"household": household, "rows": rows})


# ---------------------------------------------------------------------------------------------- funds


def _ledger_forms(user: Any, data: Any = None, action: str = "") -> dict[str, forms.Form]:
    ledger_funds = [r for r in selectors.fund_rows(selectors.fund_queryset(actor=user).order_by("-year", "id"))
                    if r.unallocated > 0][:MAX_CHOICES]
    fund_choices = [(str(r.fund.pk), f"{r.fund.document_number} · {r.fund.get_source_display()} · "
                                     f"{_('left')} {yuan(r.unallocated)}") for r in ledger_funds]
    project_choices = [(str(p.pk), f"{p.year} {p.name} · {p.area.name}")
                       for p in selectors.fundable_projects(actor=user)[:MAX_CHOICES]]
    allocation_choices = [(str(r.allocation.pk), f"{r.allocation.project.name} · {r.allocation.fund.document_number} · "
                                                 f"{_('left')} {yuan(r.left)}")
                          for r in selectors.open_allocations(actor=user)[:MAX_CHOICES]]
    return {
        "receive": FundForm(data if action == "receive" else None, areas=_areas(user, [AreaLevel.COUNTY,
                                                                                        AreaLevel.TOWNSHIP]),
                            prefix="receive"),
        "allocate": AllocateForm(data if action == "allocate" else None, funds=fund_choices, projects=project_choices,
                                 prefix="allocate"),
        "disburse": DisburseForm(data if action == "disburse" else None, allocations=allocation_choices,
                                 prefix="disburse"),
    }


def _prefixed(request: HttpRequest, prefix: str, *names: str) -> dict[str, str]:
    return {name: request.POST.get(f"{prefix}-{name}", "") for name in names}


def _ledger_post(request: HttpRequest, action: str, form: forms.Form) -> tuple[Any, list[str]]:
    user = request.user
    if action == "receive":
        values = _prefixed(request, "receive", "source", "year", "document_number", "area_code", "amount",
                           "received_on", "note")
        return _with_failure(lambda: services.fund_receive(actor=user, **values), form)
    if action == "allocate":
        values = _prefixed(request, "allocate", "fund_id", "project_id", "amount", "allocated_on", "note")
        if not _chosen(request, form, "fund_id", "project_id"):
            return None, []
        return _with_failure(lambda: services.allocate(actor=user, **values), form)
    values = _prefixed(request, "disburse", "allocation_id", "amount", "paid_on", "payee", "voucher_number", "note")
    if not _chosen(request, form, "allocation_id"):
        return None, []
    return _with_failure(lambda: services.disburse(actor=user, **values), form)


@page
@require_http_methods(["GET", "POST"])
def ledger(request: HttpRequest) -> HttpResponse:
    """The fund ledger: funds by source and year with allocated, disbursed, balance and rate; forms to
    receive a fund, allocate it to a project and disburse."""
    user = request.user
    action = request.POST.get("do", "") if request.method == "POST" else ""
    if action and action not in ("receive", "allocate", "disburse"):
        raise Http404()
    forms_ = _ledger_forms(user, request.POST, action)
    status, top = 200, []
    if action:
        done, top = _ledger_post(request, action, forms_[action])
        if done is not None:
            messages.success(request, {"receive": _("Fund recorded."), "allocate": _("Money allocated."),
                                       "disburse": _("Disbursement recorded.")}[action])
            return redirect(request.get_full_path())
        status = 422
    year = request.GET.get("year", "")
    source = request.GET.get("source", "")
    ledger_ = selectors.fund_ledger(actor=user, year=int(year) if year.isdigit() and len(year) == 4 else None,
                                    source=source if source in FundSource.values else "")
    if request.method == "GET" and request.GET.get("project", "").isdigit():
        forms_["allocate"].initial["project_id"] = request.GET["project"]
    return render(request, "funds/ledger.html", {
        "ledger": ledger_, "forms": forms_, "action": action, "top_errors": top, "has_errors": status == 422,
        "can_edit": can(user, Capability.REGISTRY_EDIT), "year": year, "source": source,
        "sources": FundSource.choices,
    }, status=status)


@page
@require_http_methods(["GET", "POST"])
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One fund: its allocations and disbursements (with reversal), and where the money went down to
    the households."""
    user = request.user
    trace = selectors.fund_trace(actor=user, fund_id=pk)
    status, top = 200, []
    if request.method == "POST":
        action, target = request.POST.get("do", ""), request.POST.get("id", "")
        reason = request.POST.get("reason", "")
        if action == "reverse_disbursement":
            done, top = _with_failure(lambda: services.disbursement_reverse(actor=user, disbursement_id=target,
                                                                            reason=reason))
        elif action == "reverse_allocation":
            done, top = _with_failure(lambda: services.allocation_reverse(actor=user, allocation_id=target,
                                                                          reason=reason))
        else:
            raise Http404()
        if done is not None:
            messages.success(request, _("Reversed: a correcting line was added to the ledger."))
            return redirect("funds:fund_detail", pk=pk)
        status = 422
    fund = trace.fund
    disbursements = selectors.fund_disbursements(fund)
    return render(request, "funds/fund_detail.html", {
        "trace": trace, "fund": fund, "row": selectors.fund_rows(selectors.fund_queryset(actor=user).filter(pk=fund.pk))[0],
        "allocations": selectors.fund_allocation_rows(fund), "disbursements": disbursements,
        "reversed": selectors.reversed_disbursement_ids(disbursements), "can_edit": can(user, Capability.REGISTRY_EDIT),
        "top_errors": top, "has_errors": status == 422,
    }, status=status)
