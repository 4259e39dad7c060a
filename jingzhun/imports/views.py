"""Web pages for spreadsheet imports: upload, watch the check, read the problems, confirm, history.

The pages only store the upload and call the engine (``services.import_batch_create``, then
``jobs.start_check`` / ``jobs.start_merge``); the check and the merge run in the background and the
status page polls itself (htmx) while they run. A user sees the batches ``selectors.visible_batches``
gives (their own; for roles that read the audit log, also those of the accounts inside their areas);
any other batch is a 404, the same as a missing one. Writes need ``registry.edit`` (403 otherwise),
and only the uploader confirms a batch (the merge writes in the uploader's name).
"""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
import uuid
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.db.models import Count, Min
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingzhun.accounts.roles import Capability, can
from jingzhun.core.exceptions import ActionForbidden
from jingzhun.core.tables import XLSX_CONTENT_TYPE
from jingzhun.imports import jobs, services
from jingzhun.imports.models import ImportBatch
from jingzhun.imports.selectors import visible_batches
from jingzhun.imports.template import write_template

MAX_UPLOAD_BYTES = 60 * 1024 * 1024
MAX_UPLOAD_MB = MAX_UPLOAD_BYTES // (1024 * 1024)
PROBLEMS_PER_PAGE = 50
HISTORY_PER_PAGE = 20
RUNNING = services.RUNNING
ENCODINGS = [("", gettext_lazy("Detect automatically")), ("utf-8", "UTF-8"), ("gbk", "GBK"), ("gb18030", "GB18030")]


# --- plumbing ---------------------------------------------------------------------------------


def page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in users only; ``ActionForbidden`` from the engine becomes the 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except ActionForbidden as exc:
            raise PermissionDenied(exc.text()) from exc

    return login_required(wrapper)


def _require_edit(request: HttpRequest) -> None:
    if not can(request.user, Capability.REGISTRY_EDIT):
        raise PermissionDenied(_("Your role may not import data."))


def _batch(request: HttpRequest, pk: int) -> ImportBatch:
    """The batch if this user may see it; else the same 404 as for a batch that does not exist."""
    services.import_mark_interrupted()
    batch = visible_batches(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404(_("No such import."))
    return batch


# --- upload -----------------------------------------------------------------------------------


class SizeLimitHandler(FileUploadHandler):
    """First upload handler: drops a file as soon as it grows past the limit, so nothing of it is
    kept (not even in a temporary file), and remembers that it did."""

    def __init__(self, request: HttpRequest | None = None, limit: int = MAX_UPLOAD_BYTES) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (XLSX or CSV)"), error_messages={
        "required": gettext_lazy("Choose a file to upload."),
        "empty": gettext_lazy("The file is empty."),
        "invalid": gettext_lazy("No file was sent. Choose the file again."),
        "missing": gettext_lazy("No file was sent. Choose the file again."),
    })
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2013, help_text=gettext_lazy(
        "The year of the yearly fields (income, status…) when the file has no 年度 column."))
    mode = forms.ChoiceField(label=gettext_lazy("When some rows have problems"), choices=ImportBatch.Mode.choices,
                             initial=ImportBatch.Mode.ALL_OR_NOTHING, widget=forms.RadioSelect)
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding (CSV only)"), choices=ENCODINGS, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].validators.append(_max_year(this_year + 1))
        self.fields["year"].widget.attrs.update({"min": 2013, "max": this_year + 1, "inputmode": "numeric"})
        self.fields["mode"].choices = [
            (ImportBatch.Mode.ALL_OR_NOTHING, _("All or nothing — if any row has a problem, nothing is imported")),
            (ImportBatch.Mode.VALID_ONLY, _("Valid households only — households with problems are left out")),
        ]


def _max_year(limit: int) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value is not None and value > limit:
            raise forms.ValidationError(_("The year must be between 2013 and %(max)s.") % {"max": limit})

    return check


_UNSAFE = re.compile(r"[^\w.\-()（）\[\]【】 ]+", re.UNICODE)


def safe_file_name(name: str) -> str:
    """A file name that is safe to store: no directories, no control or shell characters, no leading
    dots, at most 120 characters (keeping the extension). Chinese characters are kept."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    name = _UNSAFE.sub("_", name).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    extension = extension[:10]
    stem = stem[: 120 - len(extension) - 1] or "upload"
    return f"{stem}.{extension}" if extension else stem


def _display_name(name: str) -> str:
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:255] or "upload"


def _store_upload(upload: Any) -> Path:
    """Copy the upload to MEDIA_ROOT/imports/<uuid>/<safe name>; _TooLarge (and nothing kept) when it
    turns out to be over the limit."""
    folder = Path(settings.MEDIA_ROOT) / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=False)
    target = folder / safe_file_name(upload.name)
    written = 0
    try:
        with target.open("wb") as handle:
            for chunk in upload.chunks():
                written += len(chunk)
                if written > MAX_UPLOAD_BYTES:
                    raise _TooLarge()
                handle.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target


class _TooLarge(Exception):
    pass


def _too_large_message() -> str:
    return _("The file is larger than %(mb)s MB and was not uploaded. Split it into several files "
             "(for example one per township) and import them one after the other.") % {"mb": MAX_UPLOAD_MB}


@csrf_exempt  # the upload handler must be in place before the CSRF check reads the body; see _index
@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """GET: the upload form and the history. POST: store the file, start the check, go to its page."""
    limiter = None
    if request.method == "POST":
        _require_edit(request)  # before the body is read
        limiter = SizeLimitHandler(request)
        request.upload_handlers.insert(0, limiter)
    return _index(request, limiter)


@csrf_protect
def _index(request: HttpRequest, limiter: SizeLimitHandler | None) -> HttpResponse:
    can_edit = can(request.user, Capability.REGISTRY_EDIT)
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if limiter is not None and limiter.too_large:
            form.is_valid()
            form.errors.pop("file", None)
            form.add_error("file", _too_large_message())
            status = 413
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", _too_large_message())
                status = 413
            else:
                try:
                    stored = _store_upload(upload)
                except _TooLarge:
                    form.add_error("file", _too_large_message())
                    status = 413
                except OSError:
                    form.add_error("file", _("The file could not be saved on the server. Try again; if it "
                                             "happens again, tell your administrator."))
                    status = 503
                else:
                    batch = services.import_batch_create(
                        actor=request.user, path=stored, file_name=_display_name(upload.name),
                        year=form.cleaned_data["year"], mode=form.cleaned_data["mode"],
                        encoding=form.cleaned_data["encoding"] or None)
                    jobs.start_check(batch)
                    services.import_clean_files()  # the old uploads of everyone, while we are at it
                    return redirect("imports:detail", pk=batch.pk)
        if status == 200:
            status = 422
    else:
        form = UploadForm(initial={"year": timezone.localdate().year, "mode": ImportBatch.Mode.ALL_OR_NOTHING,
                                   "encoding": ""})
    services.import_mark_interrupted()
    history = Paginator(visible_batches(request.user), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "imports/index.html", {
        "form": form, "can_edit": can_edit, "history": history, "max_mb": MAX_UPLOAD_MB,
        "has_errors": status != 200,
    }, status=status)


@login_required
@require_GET
def template(request: HttpRequest) -> FileResponse:
    """The import template (drop-down lists, code lists, instructions), built fresh from the columns."""
    folder = Path(tempfile.mkdtemp(prefix="jingzhun-template-"))
    try:
        path = write_template(folder / "template.xlsx")
        handle = path.open("rb")  # the open handle outlives the removed directory (POSIX)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return FileResponse(handle, as_attachment=True, filename="导入模板 import-template.xlsx", content_type=XLSX_CONTENT_TYPE)


# --- one batch --------------------------------------------------------------------------------


def _problem_codes(batch: ImportBatch) -> list[dict[str, Any]]:
    """The problem codes present, with their counts and a label: the first message of that code."""
    rows = list(batch.problem_rows.order_by().values("code").annotate(n=Count("id"), first=Min("id")).order_by("code"))
    firsts = dict(batch.problem_rows.filter(id__in=[r["first"] for r in rows]).values_list("code", "message_zh"))
    english = dict(batch.problem_rows.filter(id__in=[r["first"] for r in rows]).values_list("code", "message_en"))
    zh = translation.get_language() is None or translation.get_language().startswith("zh")
    out = [{"code": r["code"], "count": r["n"], "label": (firsts if zh else english).get(r["code"], r["code"])}
           for r in rows]
    return sorted(out, key=lambda item: (-item["count"], item["code"]))


def _batch_context(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    # A confirmed batch stays MERGING while the job checks the file again, so the status says it all.
    running = batch.status in RUNNING
    # Others who may see the batch (county roles reading the audit log) get the summary only: the
    # problems and the report hold the file's rows, which may lie outside their areas.
    own = _own(request, batch)
    context: dict[str, Any] = {
        "batch": batch,
        "running": running,
        "rows_done": services.import_rows_done(batch),
        # The merge writes as the uploader, so only the uploader confirms.
        "can_edit": can(request.user, Capability.REGISTRY_EDIT) and batch.uploaded_by_id == request.user.pk,
        "has_report": own and _report_file(batch) is not None,
        "valid_households": max(batch.households - batch.rejected_households, 0),
        "zh": (translation.get_language() or "zh").startswith("zh"),
        "Status": ImportBatch.Status,
        "Mode": ImportBatch.Mode,
    }
    if running or not own:
        return context
    if batch.problems or batch.problem_rows.exists():
        codes = _problem_codes(batch)
        selected = request.GET.get("code", "")
        if selected not in {c["code"] for c in codes}:
            selected = ""
        problems = batch.problem_rows.all()
        if selected:
            problems = problems.filter(code=selected)
        page_obj = Paginator(problems, PROBLEMS_PER_PAGE).get_page(request.GET.get("page"))
        stored = sum(c["count"] for c in codes)
        query = request.GET.copy()
        query.pop("page", None)
        context.update({
            "codes": codes, "selected_code": selected, "problems": page_obj, "stored_problems": stored,
            "problems_cut": batch.problems > stored, "query_string": query.urlencode(),
        })
    if batch.status == ImportBatch.Status.CHECKED:
        blocked = batch.mode == ImportBatch.Mode.ALL_OR_NOTHING and batch.problems > 0
        nothing = batch.mode == ImportBatch.Mode.VALID_ONLY and context["valid_households"] == 0
        context["confirm_blocked"] = blocked or nothing
        context["nothing_valid"] = nothing
    return context


@page
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render(request, "imports/detail.html", _batch_context(request, batch))


@page
@require_GET
def status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status part of the page, polled by htmx every 2 s while the check or the merge runs."""
    batch = _batch(request, pk)
    return render(request, "imports/_batch.html", _batch_context(request, batch))


@page
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    _require_edit(request)
    if batch.uploaded_by_id != request.user.pk:
        raise PermissionDenied(_("Only the person who uploaded this file can confirm it."))
    if batch.status != ImportBatch.Status.CHECKED:
        messages.error(request, _("This import cannot be confirmed now (it is: %(status)s).")
                       % {"status": batch.get_status_display()})
        return redirect("imports:detail", pk=batch.pk)
    if batch.mode == ImportBatch.Mode.ALL_OR_NOTHING and batch.problems:
        messages.error(request, _("Nothing can be imported: the file has problems and you chose “all or nothing”. "
                                  "Fix the rows in the report and upload it again, or upload the file again and "
                                  "choose “valid households only”."))
        return redirect("imports:detail", pk=batch.pk)
    if batch.mode == ImportBatch.Mode.VALID_ONLY and batch.households <= batch.rejected_households:
        messages.error(request, _("No household in this file is free of problems; nothing can be imported."))
        return redirect("imports:detail", pk=batch.pk)
    # Claim the batch: of two clicks (or two tabs) only one starts the merge.
    if not ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.CHECKED).update(
            status=ImportBatch.Status.MERGING, progress_rows=0):
        messages.error(request, _("This import has already been confirmed."))
        return redirect("imports:detail", pk=batch.pk)
    batch.refresh_from_db()
    jobs.start_merge(batch)
    return redirect("imports:detail", pk=batch.pk)


def _own(request: HttpRequest, batch: ImportBatch) -> bool:
    return batch.uploaded_by_id == request.user.pk or getattr(request.user, "is_superuser", False)


def _report_file(batch: ImportBatch) -> Path | None:
    """The batch's XLSX report, if it exists and lies where uploads are kept."""
    if not batch.report_path:
        return None
    path = Path(batch.report_path)
    root = services.uploads_root()
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return None
    if not resolved.is_relative_to(root) or not resolved.is_file():
        return None
    return resolved


@page
@require_GET
def report(request: HttpRequest, pk: int) -> FileResponse:
    batch = _batch(request, pk)
    path = _report_file(batch) if _own(request, batch) else None
    if path is None:
        raise Http404(_("This import has no report."))
    stem = Path(batch.file_name).stem[:80] or "import"
    return FileResponse(path.open("rb"), as_attachment=True, content_type=XLSX_CONTENT_TYPE,
                        filename=f"{stem}-问题报告-report-{batch.pk}.xlsx")
