"""Screening runs, their hits and the exemptions officials grant.

* ``ScreeningRun`` — one run of (part of) the catalogue for a year and an area: who started it,
  its status and progress, counts per rule, timings, the rules left off for lack of data.
* ``Hit`` — one rule hit on one unit (person, household, village, county): the values that
  triggered it and the sentence in zh-hans and en. A run replaces the hits of the previous runs for
  the same year, area and rules; the village works through them as a task list (fixed / exempt).
* ``Exemption`` — "this rule does not apply to this unit" (豁免清单), with a reason and the years it
  holds; a later hit of the same rule on the same unit is stored as exempt, not as a task.
* ``DepartmentList`` and ``DepartmentRecord`` — another department's list (部门比对数据: public
  employees, vehicles, town property, business registry, village cadres) loaded for an area (a county
  or wider) and a year, and its ID numbers; the exclusion rules read them (``export``). One list per
  source, area and year: loading again replaces it.
Writes go through ``screening.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ScreeningRun(models.Model):
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    groups = models.JSONField(_("rule groups"), default=list, blank=True)
    engine = models.CharField(_("engine"), max_length=10, default="duckdb")
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    persons = models.PositiveIntegerField(_("persons"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    rule_ids = models.JSONField(_("rules run"), default=list, blank=True)
    rules_without_data = models.JSONField(_("rules off for lack of department data"), default=list, blank=True)
    counts = models.JSONField(_("hits per rule"), default=dict, blank=True)
    hit_count = models.PositiveIntegerField(_("hits"), default=0)
    seconds = models.JSONField(_("seconds per stage"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} {self.area_id} {self.status}"


class HitStatus(models.TextChoices):
    OPEN = "open", _("To check")
    FIXED = "fixed", _("Fixed")
    EXEMPT = "exempt", _("Exempt")


class Hit(models.Model):
    run = models.ForeignKey(ScreeningRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="hits")
    year = models.PositiveSmallIntegerField(_("year"))
    rule_id = models.CharField(_("rule"), max_length=20)
    group = models.CharField(_("group"), max_length=30)
    scope = models.CharField(_("unit"), max_length=10)
    severity = models.CharField(_("severity"), max_length=10)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="screening_hits")
    person = models.ForeignKey("registry.Person", verbose_name=_("member"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="screening_hits")
    unit_key = models.CharField(_("unit key"), max_length=30)
    values = models.JSONField(_("values"), default=dict)
    message_zh = models.TextField(_("explanation (Chinese)"))
    message_en = models.TextField(_("explanation (English)"))
    status = models.CharField(_("status"), max_length=10, choices=HitStatus.choices, default=HitStatus.OPEN)
    note = models.CharField(_("note"), max_length=300, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Marked fixed before, found again by a later run.
    reopened = models.BooleanField(_("found again after being marked fixed"), default=False)
    exemption = models.ForeignKey("Exemption", verbose_name=_("exemption"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="hits")

    class Meta:
        verbose_name = _("screening hit")
        verbose_name_plural = _("screening hits")
        ordering = ["area_id", "rule_id", "unit_key"]
        indexes = [
            models.Index(fields=["year", "area", "rule_id"], name="hit_year_area_rule_idx"),
            models.Index(fields=["year", "rule_id", "status"], name="hit_year_rule_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.unit_key}"

    def message(self, language: str) -> str:
        return self.message_en if language.startswith("en") else self.message_zh


class Exemption(models.Model):
    rule_id = models.CharField(_("rule"), max_length=20)
    unit_key = models.CharField(_("unit key"), max_length=30)
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=300)
    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("granted by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        ordering = ["rule_id", "unit_key"]
        indexes = [models.Index(fields=["rule_id", "unit_key"], name="exemption_rule_unit_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.unit_key}"


class DepartmentSource(models.TextChoices):
    """The department lists the exclusion rules read (``features.DEPARTMENT_SOURCES``, domain §4.12)."""

    PUBLIC_EMPLOYEES = "public_employees", _("Salaried public employees")
    VEHICLES = "vehicles", _("Vehicle registrations")
    TOWN_PROPERTY = "town_property", _("Town property registrations")
    BUSINESS_REGISTRY = "business_registry", _("Business registrations")
    VILLAGE_CADRES = "village_cadres", _("Village committee members")


class DepartmentList(models.Model):
    source = models.CharField(_("department data"), max_length=20, choices=DepartmentSource.choices)
    area = models.ForeignKey("areas.Area", verbose_name=_("area covered"), on_delete=models.PROTECT,
                             related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    file_name = models.CharField(_("file name"), max_length=255)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("loaded by"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("department list")
        verbose_name_plural = _("department lists")
        ordering = ["-year", "source", "area_id"]
        constraints = [models.UniqueConstraint(fields=["source", "area", "year"],
                                               name="department_list_source_area_year_uniq")]

    def __str__(self) -> str:
        return f"{self.source} {self.area_id} {self.year}"


class DepartmentRecord(models.Model):
    department_list = models.ForeignKey(DepartmentList, verbose_name=_("department list"), on_delete=models.CASCADE,
                                        related_name="records")
    row = models.PositiveIntegerField(_("row in the file"))
    # The 18-character resident ID number, upper case (the first 18 of a disability certificate number).
    id_number = models.CharField(_("ID number"), max_length=18)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("department list record")
        verbose_name_plural = _("department list records")
        ordering = ["department_list", "row"]
        indexes = [models.Index(fields=["id_number"], name="department_record_id_idx")]

    def __str__(self) -> str:
        return f"{self.department_list_id}:{self.row}"
