"""The assistance cadre's phone pages (帮扶责任人), mounted at ``/m/`` with the namespace ``mobile``.

Small pages for cheap phones on slow connections: one stylesheet shared with the office pages plus a
few lines of our own, one small script that only enhances the visit form (position, photos shrunk
before upload), no framework. Each view reads through the scoped selectors or calls one service:
a household outside the user's areas is the project's 404; a user who may read it but is not its
cadre (nor an officer who edits the registry there) gets a 403 page when they try to write. The
photo views serve the stored JPEG (and a small thumbnail) to anyone whose areas include the household,
so the office pages link to them too.
"""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from PIL import Image

from jingzhun.assistance import selectors, services
from jingzhun.assistance.forms_mobile import MeasureForm, VisitForm, kind_label
from jingzhun.core import clock
from jingzhun.core.exceptions import ActionForbidden, ValidationFailed
from jingzhun.registry.selectors import household_detail, household_get
from jingzhun.web.forms import apply_issues
from jingzhun.web.views import page

RECENT_VISITS = 5
THUMB_SIDE = 240  # pixels; shown at 80 CSS pixels, sharp on a 3× screen
PHOTO_CACHE = "private, max-age=604800"  # a stored photo never changes; only its viewers may keep it


def _not_theirs(request: HttpRequest, household: Any) -> HttpResponse:
    """The 403 page for a user who may read the household but not write its visits and plan."""
    return render(request, "assistance/mobile/forbidden.html", {"household": household}, status=403)


def _may_write(request: HttpRequest, household: Any) -> bool:
    return services.may_assist(request.user, household, clock.today())


@page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """我的帮扶户: the households paired with the signed-in cadre today."""
    cadre = selectors.my_cadre(actor=request.user)
    if cadre is None:
        return render(request, "assistance/mobile/not_cadre.html", {})
    today = clock.today()
    rows = selectors.my_household_rows(actor=request.user, on=today, year=today.year)
    return render(request, "assistance/mobile/home.html", {
        "cadre": cadre, "rows": rows, "year": today.year, "due": sum(1 for r in rows if r.visit.overdue),
    })


@page
@require_GET
def household(request: HttpRequest, pk: int) -> HttpResponse:
    """The household as its cadre sees it: summary (personal numbers masked for roles without the
    sensitive capability), this year's plan with its gaps, the latest visits."""
    today = clock.today()
    home = household_detail(actor=request.user, pk=pk)
    info = selectors.household_assistance(actor=request.user, household=home, year=today.year, on=today,
                                          visits=RECENT_VISITS)
    return render(request, "assistance/mobile/household.html", {
        "household": home,
        "record": next((y for y in home.year_list if y.year <= today.year), None),
        "info": info,
        "may_write": _may_write(request, home),
    })


def _located(form: VisitForm) -> str:
    """The position status for a form sent back after an error that kept the phone's position."""
    data = getattr(form, "cleaned_data", None) or {}
    if not (data.get("latitude") and data.get("longitude")) or {"latitude", "longitude"} & set(form.errors):
        return ""
    accuracy = str(data.get("accuracy") or "").split(".")[0]
    return _("Located ±{m} m").replace("{m}", accuracy if accuracy.isdigit() else "?")


@page
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a visit. The hidden ``client_key`` is made when the form is shown, so a form sent twice
    (a slow connection, a second tap) is recorded once; after an error the form comes back with what
    was typed and the same key, and only the photos must be chosen again."""
    today = clock.today()
    home = household_get(actor=request.user, pk=pk)
    if not _may_write(request, home):
        return _not_theirs(request, home)
    top: list[str] = []
    photos_again = False
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, max_date=today.isoformat())
        form.is_valid()  # parsing only: every field is text
        photos = form.cleaned_data.get("photos") or []
        try:
            visit = services.visit_record(actor=request.user, household_id=home.pk, data=form.service_data(),
                                          photos=photos, today=today)
        except ActionForbidden:
            return _not_theirs(request, home)
        except ValidationFailed as exc:
            top = apply_issues(exc.issues, {"": form})
            status = 422
            photos_again = bool(photos)
            if "client_key" in form.errors:  # a key that cannot be used again: the next try gets a new one
                form.data = form.data.copy()
                form.data["client_key"] = str(uuid.uuid4())
        else:
            count = visit.photos.count()
            messages.success(request, ngettext("Visit of %(date)s recorded with %(n)s photo.",
                                               "Visit of %(date)s recorded with %(n)s photos.", count)
                             % {"date": visit.visited_on.isoformat(), "n": count})
            return redirect(reverse("mobile:household", kwargs={"pk": home.pk}) + "#visits")
    else:
        form = VisitForm(initial={"visited_on": today.isoformat(), "client_key": str(uuid.uuid4())},
                         max_date=today.isoformat())
    return render(request, "assistance/mobile/visit_form.html", {
        "household": home, "form": form, "top_errors": top, "photos_again": photos_again,
        "max_photos": services.PHOTOS_PER_VISIT, "has_errors": status == 422, "located": _located(form),
    }, status=status)


@page
@require_http_methods(["GET", "POST"])
def measure_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a measure to this year's plan (一户一策). A measure that does not fit the household's causes
    is kept, and the household page then shows the warning and what the plan still lacks."""
    today = clock.today()
    home = household_get(actor=request.user, pk=pk)
    if not _may_write(request, home):
        return _not_theirs(request, home)
    top: list[str] = []
    status = 200
    if request.method == "POST":
        form = MeasureForm(request.POST)
        form.is_valid()
        try:
            saved = services.measure_save(actor=request.user, household_id=home.pk, year=today.year,
                                          data=form.service_data(), today=today)
        except ActionForbidden:
            return _not_theirs(request, home)
        except ValidationFailed as exc:
            top = apply_issues(exc.issues, {"": form})
            status = 422
        else:
            messages.success(request, _("Measure added to the %(year)s plan: %(measure)s.")
                             % {"year": today.year, "measure": kind_label(saved.measure.kind)})
            if saved.misfit:
                messages.warning(request, _("Kept, but check it: %(reason)s") % {"reason": saved.misfit})
            return redirect(reverse("mobile:household", kwargs={"pk": home.pk}) + "#plan")
    else:
        cadre = selectors.my_cadre(actor=request.user)
        form = MeasureForm(initial={"status": "planned", "responsible_name": cadre.name if cadre else ""})
    return render(request, "assistance/mobile/measure_form.html", {
        "household": home, "form": form, "top_errors": top, "year": today.year, "has_errors": status == 422,
        "gaps": selectors.plan_gaps_for(household=home, year=today.year),
    }, status=status)


def _etag_matches(request: HttpRequest, etag: str) -> bool:
    return etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]


def _cached(response: HttpResponse, etag: str) -> HttpResponse:
    response["Cache-Control"] = PHOTO_CACHE
    response["ETag"] = etag
    return response


@page
@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit photo (JPEG, at most 1600 pixels, no metadata) for users whose areas include the household."""
    item = selectors.visit_photo_get(actor=request.user, pk=pk)
    etag = f'"{item.sha256}"'
    if _etag_matches(request, etag):
        return _cached(HttpResponseNotModified(), etag)
    response = FileResponse(item.file.open("rb"), content_type="image/jpeg",
                            filename=f"visit-{item.visit_id}-{item.pk}.jpg")
    return _cached(response, etag)


@page
@require_GET
def photo_thumb(request: HttpRequest, pk: int) -> HttpResponse:
    """A small copy of a visit photo for lists (a few KB instead of a few hundred)."""
    item = selectors.visit_photo_get(actor=request.user, pk=pk)
    etag = f'"{item.sha256}-{THUMB_SIDE}"'
    if _etag_matches(request, etag):
        return _cached(HttpResponseNotModified(), etag)
    out = io.BytesIO()
    try:
        with item.file.open("rb") as handle, Image.open(handle) as image:
            image.draft("RGB", (THUMB_SIDE, THUMB_SIDE))  # JPEG: decode at a reduced size, much less work
            small = image.convert("RGB")
            small.thumbnail((THUMB_SIDE, THUMB_SIDE))
            small.save(out, format="JPEG", quality=70, optimize=True)
    except (OSError, ValueError, Image.DecompressionBombError):
        return redirect("mobile:photo", pk=item.pk)  # the stored photo as it is
    return _cached(HttpResponse(out.getvalue(), content_type="image/jpeg"), etag)
