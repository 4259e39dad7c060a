"""One import of a spreadsheet: who, when, which file, how it went."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked, waiting for confirmation")
        FAILED = "failed", _("File could not be read")
        MERGING = "merging", _("Writing")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Nothing imported (errors, all-or-nothing)")
        CANCELLED = "cancelled", _("Cancelled")

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all-or-nothing", _("All or nothing")
        VALID_ONLY = "valid-only", _("Valid households only")

    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CHECKING)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    rejected_households = models.PositiveIntegerField(_("rejected households"), default=0)
    problems = models.PositiveIntegerField(_("problems"), default=0)
    created = models.PositiveIntegerField(_("households created"), default=0)
    updated = models.PositiveIntegerField(_("households updated"), default=0)
    unchanged = models.PositiveIntegerField(_("households unchanged"), default=0)
    message = models.TextField(_("message"), blank=True)
    report_path = models.CharField(_("report"), max_length=500, blank=True)
    file_path = models.CharField(_("stored file"), max_length=500, blank=True)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    progress_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class ImportProblem(models.Model):
    """One problem found in a batch, kept for the web report (filtered by kind)."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("import"), on_delete=models.CASCADE, related_name="problem_rows")
    row = models.PositiveIntegerField(_("row"))
    column = models.CharField(_("column"), max_length=60, blank=True)
    value = models.CharField(_("value"), max_length=200, blank=True)
    code = models.CharField(_("problem"), max_length=40, db_index=True)
    message_zh = models.CharField(_("reason (Chinese)"), max_length=300)
    message_en = models.CharField(_("reason (English)"), max_length=300)

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering = ["batch_id", "row", "id"]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row} {self.code}"
