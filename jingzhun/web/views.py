"""Pages of the web UI. Each view parses input, calls one service (writes) or the selectors it
needs to show a page (reads, all scoped), and turns domain errors into messages or 4xx pages:
``NotFound`` → the 404 page (the same for a missing and an out-of-scope record), ``ActionForbidden``
→ the 403 page, ``ValidationFailed`` → the form again with each message beside its field (422),
``EditConflict`` → the form again with the user's input kept and the other person's changes (409)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from jingzhun.accounts.roles import Capability, Role, can
from jingzhun.accounts.scope import code_in_scope
from jingzhun.areas.models import AreaLevel
from jingzhun.areas.selectors import (
    area_ancestors,
    area_get,
    area_in_scope,
    area_list,
    area_roots,
    area_villages,
)
from jingzhun.assistance import selectors as assistance_selectors
from jingzhun.assistance import services as assistance_services
from jingzhun.core import clock
from jingzhun.core.exceptions import ActionForbidden, EditConflict, NotFound, ValidationFailed
from jingzhun.registry import codelists, services
from jingzhun.registry.exports import XLSX_CONTENT_TYPE, households_csv, households_xlsx_bytes
from jingzhun.registry.selectors import (
    household_counts,
    household_counts_by_area,
    household_detail,
    household_events,
    household_get,
    household_history,
    household_latest_year,
    household_search,
    household_statuses,
    person_get,
)
from jingzhun.screening import presenters as screening_presenters
from jingzhun.web import presenters
from jingzhun.web.forms import (
    FirstYearForm,
    HouseholdCreateForm,
    HouseholdEditForm,
    HouseholdYearForm,
    MemberEditForm,
    MemberForm,
    MemberRowFormSet,
    SearchForm,
    apply_issues,
)
from jingzhun.workflow import selectors as workflow_selectors
from jingzhun.workflow import services as workflow_services

PAGE_SIZE = 20
SEARCH_CAP = 1000
MEMBER_PREFIX = "members"


# --- plumbing ---------------------------------------------------------------------------------


def domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """NotFound → 404 page, ActionForbidden → 403 page (rendered by Django's handlers)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.text()) from exc
        except ActionForbidden as exc:
            raise PermissionDenied(exc.text()) from exc

    return wrapper


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page for signed-in users whose domain errors become 404/403 pages."""
    return login_required(domain_errors(view))


def _require_edit(request: HttpRequest) -> None:
    if not can(request.user, Capability.REGISTRY_EDIT):
        raise ActionForbidden()


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _role_label(user: Any) -> str:
    if getattr(user, "is_superuser", False):
        return _("Administrator")
    try:
        return str(Role(user.role).label)
    except ValueError:
        return ""


def _status_counts(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"code": code, "label": label, "count": counts.get(f"status_{code}", 0)}
            for code, label in codelists.choices("household_status", blank=False)]


def _year_options(latest: int | None) -> list[int]:
    top = max(latest or 0, timezone.localdate().year)
    return list(range(top, 2013, -1))


class CappedPaginator(Paginator):
    """Counts at most ``cap`` + 1 rows (a bounded sub-query) instead of COUNT(*) over everything."""

    def __init__(self, object_list: Any, per_page: int, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = SEARCH_CAP if cap is None else cap

    @cached_property
    def _bounded_count(self) -> int:
        # Without ORDER BY: an ordered capped count makes PostgreSQL walk the household-number index.
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._bounded_count, self.cap)

    @property
    def capped(self) -> bool:
        return self._bounded_count > self.cap


# --- sign-in ----------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        """Assistance cadres with a cadre record land on their phone page (我的帮扶户) instead of home,
        also when they were sent to sign in from the home page; another page asked for wins."""
        url = super().get_success_url()
        user = self.request.user
        if (url == reverse("web:home") and getattr(user, "role", "") == Role.CADRE
                and assistance_selectors.my_cadre(actor=user) is not None):
            return reverse("mobile:home")
        return url


# --- home and areas ---------------------------------------------------------------------------


@page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    latest = household_latest_year(actor=user)
    year = _int(request.GET.get("year")) or latest or timezone.localdate().year
    counts = household_counts(actor=user, year=year)
    roots = list(area_roots(actor=user))
    return render(request, "web/home.html", {
        "year": year,
        "years": _year_options(latest),
        "counts": counts,
        "status_counts": _status_counts(counts),
        "roots": roots,
        "role_label": _role_label(user),
        "can_edit": can(user, Capability.REGISTRY_EDIT),
    })


@page
@require_GET
def area_index(request: HttpRequest) -> HttpResponse:
    roots = list(area_roots(actor=request.user))
    counts = household_counts_by_area(actor=request.user, area_codes=[a.code for a in roots])
    return render(request, "web/area_tree.html", {
        "area": None,
        "ancestors": [],
        "children": [{"area": a, "households": counts.get(a.code, 0)} for a in roots],
    })


@page
@require_GET
def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = area_get(actor=request.user, code=code)
    children = list(area_list(actor=request.user, parent_code=area.code))
    counts = household_counts_by_area(actor=request.user, area_codes=[area.code, *(c.code for c in children)])
    ancestors = [{"area": a, "link": code_in_scope(request.user, a.code)} for a in area_ancestors(area)]
    return render(request, "web/area_tree.html", {
        "area": area,
        "ancestors": ancestors,
        "total": counts.get(area.code, 0),
        "children": [{"area": c, "households": counts.get(c.code, 0)} for c in children],
        "is_village": area.level == AreaLevel.VILLAGE,
    })


# --- households: search and detail ------------------------------------------------------------


def _area_choices(user: Any) -> list[tuple[str, str]]:
    out = []
    areas = area_in_scope(actor=user)
    top = min((a.level for a in areas), default=0)
    for a in areas:
        out.append((a.code, "\u3000" * max(a.level - top, 0) + a.name))
    return out


@page
@require_GET
@vary_on_headers("HX-Request")
def household_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = SearchForm(request.GET or None, areas=_area_choices(user))
    form.is_valid()
    params = getattr(form, "cleaned_data", {}) or {}
    latest = household_latest_year(actor=user)
    year = params.get("year") or latest or timezone.localdate().year
    queryset = household_search(actor=user, query=params.get("q", ""), area_code=params.get("area", ""),
                                status=params.get("status", ""), year=year)
    paginator = CappedPaginator(queryset, PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    rows = list(page_obj.object_list)
    statuses = household_statuses(actor=user, household_ids=[h.pk for h in rows], year=year)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "year": year,
        "page_obj": page_obj,
        "paginator": paginator,
        "rows": [{"household": h, "status": statuses.get(h.pk, "")} for h in rows],
        "query_string": query.urlencode(),
        "searched": any(params.get(k) for k in ("q", "area", "status")),
        "can_edit": can(user, Capability.REGISTRY_EDIT),
        "can_export": can(user, Capability.EXPORT),
    }
    template = "web/_results.html" if _is_htmx(request) else "web/household_list.html"
    return render(request, template, context)


@page
@require_GET
def household_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The list as the search page filters it, one row per member: XLSX, or CSV in UTF-8 or GBK."""
    if fmt not in ("csv", "xlsx"):
        raise Http404()
    if not can(request.user, Capability.EXPORT):
        raise ActionForbidden()
    form = SearchForm(request.GET or None, areas=_area_choices(request.user))
    form.is_valid()
    params = getattr(form, "cleaned_data", {}) or {}
    year = params.get("year") or household_latest_year(actor=request.user)
    queryset = household_search(actor=request.user, query=params.get("q", ""), area_code=params.get("area", ""),
                                status=params.get("status", ""), year=year)
    filters = {k: params.get(k) for k in ("q", "area", "status")} | {"year": year}
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        response = HttpResponse(households_xlsx_bytes(actor=request.user, households=queryset, year=year,
                                                      filters=filters), content_type=XLSX_CONTENT_TYPE)
    else:
        encoding = "gbk" if request.GET.get("encoding") == "gbk" else "utf-8-sig"
        response = StreamingHttpResponse(
            households_csv(actor=request.user, households=queryset, year=year, filters=filters, encoding=encoding),
            content_type=f"text/csv; charset={'gbk' if encoding == 'gbk' else 'utf-8'}")
    response["Content-Disposition"] = f'attachment; filename="households-{stamp}.{fmt}"'
    return response


def _member_names(household: Any) -> dict[int, str]:
    return {p.pk: p.name for p in getattr(household, "member_list", [])}


@page
@require_GET
def household_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    household = household_detail(actor=user, pk=pk)
    history = household_history(actor=user, household=household)
    years = [presenters.year_view(user, y) for y in household.year_list]
    today = clock.today()
    return render(request, "web/household_detail.html", {
        "household": household,
        "ancestors": area_ancestors(household.area),
        "current": years[0] if years else None,
        "years": years,
        "events": household_events(actor=user, household=household),
        "history": presenters.history_entries(user, history, _member_names(household)),
        "can_edit": can(user, Capability.REGISTRY_EDIT),
        "this_year": timezone.localdate().year,
        "cases": workflow_selectors.household_cases(actor=user, household_id=household.pk),
        "screening_findings": screening_presenters.household_findings(actor=user, household_id=household.pk),
        "assistance": assistance_selectors.household_assistance(actor=user, household=household, year=today.year,
                                                                on=today),
        "assistance_may_write": assistance_services.may_assist(user, household, today),
        "assistance_cadres": list(assistance_selectors.cadre_queryset(actor=user).filter(
            active=True, area_id__in=[household.area_id, household.area.parent_id])) if can(
            user, Capability.REGISTRY_EDIT) else [],
    })


# --- households: writes -----------------------------------------------------------------------


def _conflict(request: HttpRequest, exc: EditConflict, household: Any) -> dict[str, Any]:
    names = {p.pk: p.name for p in getattr(household, "member_list", [])}
    return {
        "conflict_message": exc.text(),
        "conflict_changes": presenters.conflict_entries(request.user, exc.changes, names),
    }


def _form_after_conflict(form: Any, current: dict[str, Any], version: int) -> Any:
    """The form again after a conflict: the record as it is now with the user's own edits on top,
    the current version, and the current values as the new baseline — so saving again sends only
    the user's edits and keeps the other person's."""
    edits = form.edited_data()
    baseline = json.dumps(current, cls=DjangoJSONEncoder)
    rebound = type(form)(data={**current, **edits, "version": version, "baseline": baseline})
    rebound.is_valid()
    return rebound


def _values(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {k: getattr(obj, k) for k in names} if obj is not None else {}


def _member_rows(data: Any = None) -> Any:
    if data is None:
        return MemberRowFormSet(prefix=MEMBER_PREFIX, initial=[{"relation": "head"}])
    return MemberRowFormSet(data, prefix=MEMBER_PREFIX)


@page
@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    _require_edit(request)
    user = request.user
    villages = [(v.code, f"{v.parent.name if v.parent else ''} › {v.name}") for v in area_villages(actor=user)]
    status = 200
    top: list[str] = []
    if request.method == "POST":
        form = HouseholdCreateForm(request.POST, villages=villages)
        formset = _member_rows(request.POST)
        year_form = FirstYearForm(request.POST, prefix="year")
        if request.POST.get("add_row"):
            data = request.POST.copy()
            total = _int(data.get(f"{MEMBER_PREFIX}-TOTAL_FORMS")) or 0
            data[f"{MEMBER_PREFIX}-TOTAL_FORMS"] = str(min(total + 1, 30))
            formset = MemberRowFormSet(data, prefix=MEMBER_PREFIX)
            return render(request, "web/household_create.html", {
                "form": form, "formset": formset, "year_form": year_form, "top_errors": []})
        parsed = [form.is_valid(), formset.is_valid(), year_form.is_valid()]
        if all(parsed):
            rows = [f for f in formset.forms if f.has_changed()]
            year, year_data = year_form.service_data()
            if year_data and not year:
                year = timezone.localdate().year
            try:
                household = services.household_register(
                    actor=user, area_code=form.cleaned_data["area"], members=[f.service_data() for f in rows],
                    household=form.service_data(), year=year, year_data=year_data or None,
                )
            except ValidationFailed as exc:
                top = apply_issues(exc.issues, {"": form, "members": rows, "year.": year_form})
                status = 422
            else:
                messages.success(request, _("Household %(number)s registered.") % {"number": household.household_number})
                return redirect("web:household_detail", pk=household.pk)
        else:
            status = 422
    else:
        form = HouseholdCreateForm(villages=villages, initial={"area": villages[0][0] if len(villages) == 1 else ""})
        formset = _member_rows()
        year_form = FirstYearForm(prefix="year", initial={"year": timezone.localdate().year})
    return render(request, "web/household_create.html", {
        "form": form, "formset": formset, "year_form": year_form, "top_errors": top, "has_errors": status == 422,
    }, status=status)


@page
@require_GET
def member_row(request: HttpRequest) -> HttpResponse:
    """HTMX: one more empty member row for the registration form (and the new form count)."""
    _require_edit(request)
    index = _int(request.GET.get(f"{MEMBER_PREFIX}-TOTAL_FORMS")) or 0
    if index >= 30:
        return HttpResponse("")
    formset = MemberRowFormSet(prefix=MEMBER_PREFIX)
    row = formset._construct_form(index)  # an unbound form with this row's prefix
    return render(request, "web/_member_row_oob.html", {"row": row, "index": index, "total": index + 1})


def _versioned_save(
    request: HttpRequest,
    form: Any,
    *,
    save: Callable[[Any], Any],
    current_values: Callable[[], dict[str, Any]],
    household: Any,
    success: Callable[[Any], HttpResponse],
) -> tuple[Any, dict[str, Any], int] | HttpResponse:
    """Run one edit service on a bound ``VersionedForm``: the redirect on success, else the form to
    show again with its context and status — 422 with field messages, or 409 after a conflict with
    the record as it is now, the user's edits on top and the other person's changes listed."""
    if not form.is_valid():
        return form, {}, 422
    try:
        result = save(form)
    except ValidationFailed as exc:
        return form, {"top_errors": apply_issues(exc.issues, {"": form})}, 422
    except EditConflict as exc:
        return _form_after_conflict(form, current_values(), exc.current_version), _conflict(request, exc, household), 409
    return success(result)


@page
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_get(actor=request.user, pk=pk)
    _require_edit(request)

    def current() -> dict[str, Any]:
        household.refresh_from_db()
        return _values(household, services.HOUSEHOLD_FIELDS)

    def saved(_result: Any) -> HttpResponse:
        messages.success(request, _("Household saved."))
        return redirect("web:household_detail", pk=household.pk)

    if request.method == "POST":
        outcome = _versioned_save(
            request, HouseholdEditForm(request.POST), household=household, current_values=current, success=saved,
            save=lambda form: services.household_update(
                actor=request.user, household_id=household.pk, expected_version=form.cleaned_data["version"],
                changes=form.edited_data()),
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        form, extra, status = outcome
    else:
        form, extra, status = HouseholdEditForm.for_values(current(), version=household.version), {}, 200
    return render(request, "web/household_edit.html", {
        "household": household, "form": form, "has_errors": status == 422, **extra}, status=status)


@page
@require_http_methods(["GET", "POST"])
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = household_get(actor=request.user, pk=pk)
    _require_edit(request)

    def saved(person: Any) -> HttpResponse:
        messages.success(request, _("Member %(name)s added.") % {"name": person.name})
        return redirect("web:household_detail", pk=household.pk)

    if request.method == "POST":
        outcome = _versioned_save(
            request, MemberForm(request.POST), household=household, current_values=dict, success=saved,
            save=lambda form: services.person_add(
                actor=request.user, household_id=household.pk, expected_version=form.cleaned_data["version"],
                data=form.service_data()),
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        form, extra, status = outcome
    else:
        form, extra, status = MemberForm(initial={"version": household.version, "id_type": "resident_id"}), {}, 200
    return render(request, "web/member_form.html", {
        "household": household, "form": form, "person": None, "has_errors": status == 422, **extra}, status=status)


@page
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get(actor=request.user, pk=pk)
    household = person.household
    _require_edit(request)

    def current() -> dict[str, Any]:
        person.refresh_from_db()
        return _values(person, services.PERSON_FIELDS)

    def saved(updated: Any) -> HttpResponse:
        messages.success(request, _("Member %(name)s saved.") % {"name": updated.name})
        return redirect("web:household_detail", pk=household.pk)

    if request.method == "POST":
        outcome = _versioned_save(
            request, MemberEditForm(request.POST), household=household, current_values=current, success=saved,
            save=lambda form: services.person_update(
                actor=request.user, person_id=person.pk, expected_version=form.cleaned_data["version"],
                changes=form.edited_data()),
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        form, extra, status = outcome
    else:
        form, extra, status = MemberEditForm.for_values(current(), version=household.version), {}, 200
    return render(request, "web/member_form.html", {
        "household": household, "form": form, "person": person, "has_errors": status == 422, **extra}, status=status)


@page
@require_GET
def year_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The "add a year" box on the detail page: go to that year's form."""
    household = household_get(actor=request.user, pk=pk)
    year = _int(request.GET.get("year")) or timezone.localdate().year
    if not 2013 <= year <= timezone.localdate().year + 1:
        messages.error(request, _("The year must be between 2013 and %(max)s.") % {"max": timezone.localdate().year + 1})
        return redirect("web:household_detail", pk=household.pk)
    return redirect("web:year_edit", pk=household.pk, year=year)


@page
@require_http_methods(["GET", "POST"])
def year_edit(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    household = household_detail(actor=request.user, pk=pk)
    _require_edit(request)
    if not 2013 <= year <= timezone.localdate().year + 1:
        raise Http404()
    existing = next((y for y in household.year_list if y.year == year), None)

    def current() -> dict[str, Any]:
        fresh = household_detail(actor=request.user, pk=household.pk)
        return _values(next((y for y in fresh.year_list if y.year == year), None), services.HOUSEHOLD_YEAR_FIELDS)

    # A year decided by an approved procedure is locked: saving submits a data-change request instead,
    # which only the role of that procedure's first step (the village) may do.
    locked = existing is not None and existing.locked
    may_request = locked and workflow_selectors.may_start(request.user, "data_change", year, household.area_id)
    if locked and not may_request and request.method == "POST":
        messages.error(request, _("This year is locked. A change to it is requested by the village officer "
                                  "(数据变更审批)."))
        return redirect(reverse("web:household_detail", kwargs={"pk": household.pk}) + f"#year-{year}")

    def saved(result: Any) -> HttpResponse:
        if locked:
            messages.success(request, _("The change was submitted for approval (数据变更审批); it is written once the "
                                        "county approves it."))
            return redirect("workflow:case", pk=result.pk)
        messages.success(request, _("Yearly record %(year)s saved.") % {"year": year})
        return redirect(reverse("web:household_detail", kwargs={"pk": household.pk}) + f"#year-{year}")

    def save(form: Any) -> Any:
        if locked:
            changes = json.loads(json.dumps(form.edited_data(), cls=DjangoJSONEncoder))
            return workflow_services.cases_start(actor=request.user, procedure_key="data_change", year=year,
                                                 household_ids=[household.pk],
                                                 params={"target_year": year, "changes": changes})[0]
        return services.household_year_save(actor=request.user, household_id=household.pk, year=year,
                                            expected_version=form.cleaned_data["version"], data=form.edited_data())

    if request.method == "POST":
        outcome = _versioned_save(
            request, HouseholdYearForm(request.POST), household=household, current_values=current, success=saved,
            save=save,
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        form, extra, status = outcome
    else:
        # A new year starts from the latest earlier record (conditions rarely change); the user reviews
        # it. The baseline is the saved record (empty for a new year), so copied values are all saved.
        source = existing or next((y for y in household.year_list if y.year < year), None)
        form, extra, status = HouseholdYearForm(initial={
            **_values(source, services.HOUSEHOLD_YEAR_FIELDS), "version": household.version,
            "baseline": json.dumps(_values(existing, services.HOUSEHOLD_YEAR_FIELDS), cls=DjangoJSONEncoder),
        }), {}, 200
        extra["copied_from"] = source.year if source is not None and existing is None else None
    return render(request, "web/year_form.html", {
        "household": household, "form": form, "year": year, "existing": existing,
        "existing_view": presenters.year_view(request.user, existing) if existing else None,
        "has_errors": status == 422, "locked": locked, "may_request": may_request, **extra,
    }, status=status)
