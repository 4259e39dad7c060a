"""Procedures as data, the cases that move through them, and public notices with objections.

* ``Procedure`` (per key, region and first year) is an ordered list of ``Step``s. Each step names the
  role and area level that acts, its kind (application, review, household confirmation, 公示 notice,
  公告 announcement), its notice period (days from a policy parameter, calendar or working days), its
  time limit and the evidence it requires. Presets ship in ``presets.json``; administrators edit them.
* ``Case``: one household (or village, county, or a project kept by ``funds``) in one procedure for
  one year; it stands at one step until it is completed, rejected or withdrawn. Cases started
  together form a ``CaseBatch`` (the list a village submits): a higher level acts on a batch only
  when all of its open cases have reached that level.
* ``Decision``: every act on a case (actor, role, time, comment, from/to step, evidence). Append-only.
* ``Notice`` (公示/公告) is made from the cases at one notice step in one area; ``NoticeEntry`` keeps
  what was posted for each case (only what the public may see); ``Objection`` records who objected
  to what and how it was resolved.
Writes go through ``workflow.services`` only; the allowed moves are in ``workflow.flows``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhun.workflow import subjects


class Subject(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    VILLAGE = "village", _("Village")
    COUNTY = "county", _("County")
    PROJECT = "project", _("Project")


class Effect(models.TextChoices):
    """What completing the procedure changes."""

    IDENTIFY = "identify", _("Identified as poor (贫困户)")
    EXIT = "exit", _("Household exits poverty (已脱贫)")
    VILLAGE_EXIT = "village_exit", _("Village exits poverty (出列)")
    COUNTY_EXIT = "county_exit", _("County exits poverty (摘帽)")
    MONITOR = "monitor", _("Identified for monitoring (监测对象)")
    ELIMINATE_RISK = "eliminate_risk", _("Risk eliminated (风险消除)")
    DIBAO = "dibao", _("Minimum living guarantee granted (低保)")
    DATA_CHANGE = "data_change", _("Change to a locked record applied")
    PROJECT_LIBRARY = "project_library", _("Project enters the project library (入库)")


class Level(models.TextChoices):
    """Who acts at a step. 组 (villager group) is acted for by the village's officers."""

    GROUP = "group", _("Villager group")
    VILLAGE = "village", _("Village")
    TOWNSHIP = "township", _("Township")
    COUNTY = "county", _("County")
    CITY = "city", _("City")
    PROVINCE = "province", _("Province")


class StepKind(models.TextChoices):
    APPLICATION = "application", _("Application (the case starts here)")
    REVIEW = "review", _("Review or decision")
    CONFIRMATION = "confirmation", _("Household confirms")
    NOTICE = "notice", _("Public notice (公示, objections possible)")
    ANNOUNCEMENT = "announcement", _("Announcement of the result (公告)")


class Procedure(models.Model):
    key = models.SlugField(_("key"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=120)
    subject = models.CharField(_("subject"), max_length=12, choices=Subject.choices, default=Subject.HOUSEHOLD)
    effect = models.CharField(_("effect"), max_length=20, choices=Effect.choices)
    region = models.ForeignKey(
        "areas.Area", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("Empty for the national preset; a province or county row replaces it there."),
    )
    from_year = models.PositiveSmallIntegerField(_("from year"))
    time_limit_days = models.PositiveSmallIntegerField(_("time limit (days)"), null=True, blank=True)
    time_limit_param = models.CharField(
        _("time limit from policy parameter"), max_length=40, blank=True,
        help_text=_("A policy parameter kind; when set it overrides the fixed number of days."),
    )
    time_limit_working_days = models.BooleanField(_("time limit counts working days"), default=False)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["key", "region_id", "-from_year"]
        constraints = [
            models.UniqueConstraint(fields=["key", "region", "from_year"], name="procedure_unique_key_region_year"),
            models.UniqueConstraint(fields=["key", "from_year"], condition=Q(region__isnull=True),
                                    name="procedure_unique_national_key_year"),
        ]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.region_id or '全国'}, {self.from_year})"


class Step(models.Model):
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=StepKind.choices, default=StepKind.REVIEW)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    role = models.CharField(_("role that acts"), max_length=32)
    notice_days = models.PositiveSmallIntegerField(_("notice days"), null=True, blank=True)
    notice_days_param = models.CharField(_("notice days from policy parameter"), max_length=40, blank=True)
    notice_working_days = models.BooleanField(_("notice counts working days"), default=False)
    notice_level = models.CharField(_("where the notice is posted"), max_length=10, choices=Level.choices, blank=True)
    time_limit_days = models.PositiveSmallIntegerField(_("time limit for this step (days)"), null=True, blank=True)
    evidence = models.JSONField(_("evidence required"), default=list, blank=True)
    waits_for_batch = models.BooleanField(
        _("waits for the whole batch"), default=False,
        help_text=_("This level acts only when every open case of the batch has reached this step."),
    )
    return_to = models.PositiveSmallIntegerField(
        _("an upheld objection returns to step"), null=True, blank=True,
        help_text=_("Position of the step a case goes back to; empty for the step before."),
    )

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["procedure_id", "position"]
        constraints = [models.UniqueConstraint(fields=["procedure", "position"], name="step_unique_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.name_zh}"

    @property
    def is_notice(self) -> bool:
        return self.kind in (StepKind.NOTICE, StepKind.ANNOUNCEMENT)


class CaseStatus(models.TextChoices):
    OPEN = "open", _("In progress")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ROLLED_BACK = "rolled_back", _("Completed, then rolled back")


class CaseBatch(models.Model):
    """Cases started together (the list one village submits)."""

    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="batches")
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("batch of cases")
        verbose_name_plural = _("batches of cases")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.procedure.name_zh} {self.year} {self.area_id} #{self.pk}"


class Case(models.Model):
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="cases")
    procedure_key = models.SlugField(_("procedure key"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    batch = models.ForeignKey(CaseBatch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="cases")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="cases")
    area = models.ForeignKey("areas.Area", verbose_name=_("area"), on_delete=models.PROTECT, related_name="+",
                             help_text=_("The household's village, or the village or county itself."))
    # A subject another app keeps (a project of ``funds``): its id, deliberately not a foreign key,
    # so that workflow's tables never depend on the apps that use its procedures (``workflow.subjects``).
    subject_ref = models.PositiveIntegerField(
        _("subject reference"), null=True, blank=True,
        help_text=_("The id of the project (or other subject kept by another app) the case is about."))
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    step = models.ForeignKey(Step, verbose_name=_("current step"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("current position"), default=1)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    started_on = models.DateField(_("started on"))
    clue_on = models.DateField(_("risk clue registered on"), null=True, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    step_since = models.DateField(_("at this step since"))
    step_due_on = models.DateField(_("step due on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["area_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["procedure_key", "year", "household"],
                                    condition=Q(status="open", household__isnull=False),
                                    name="case_one_open_per_household"),
            models.UniqueConstraint(fields=["procedure_key", "year", "area"],
                                    condition=Q(status="open", household__isnull=True, subject_ref__isnull=True),
                                    name="case_one_open_per_area"),
            models.UniqueConstraint(fields=["procedure_key", "subject_ref"],
                                    condition=Q(status="open", subject_ref__isnull=False),
                                    name="case_one_open_per_subject"),
        ]
        indexes = [
            models.Index(fields=["status", "step", "area"], name="case_queue_idx"),
            models.Index(fields=["status", "due_on"], name="case_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_key} {self.year} {self.household_id or self.area_id}"

    @property
    def subject_name(self) -> str:
        """The head of household, the project's name (``workflow.subjects``) or the area's name."""
        return subjects.name_of(self)

    def overdue_on(self, today: dt.date) -> bool:
        """Past the procedure's or the step's time limit on ``today`` (as ``selectors.overdue_cases``)."""
        return bool((self.due_on and self.due_on < today) or (self.step_due_on and self.step_due_on < today))


class EvidenceKind(models.TextChoices):
    """Evidence types observed in a national-system export (domain §1.14), and what the steps need."""

    APPLICATION = "application", _("Written application (申请书)")
    MINUTES = "minutes", _("Minutes of the democratic appraisal (评议记录)")
    VERIFICATION = "verification", _("Household verification form (入户核查表)")
    INCOME_SURVEY = "income_survey", _("Income survey sheet (收入调查核算表)")
    CONSENT = "consent", _("Signed commitment and authorisation (承诺授权书)")
    SIGNATURE = "signature", _("Household's signed confirmation (户主签字确认)")
    COMPARISON = "comparison", _("Cross-department comparison result (信息比对结果)")
    NOTICE_PHOTO = "notice_photo", _("Photo of the posted notice (公示照片)")
    EVALUATION = "evaluation", _("Evaluation report (评估检查结果)")
    HOUSING = "housing", _("Safe-housing certificate (安全住房认证)")
    WATER = "water", _("Safe-water certificate (安全饮水认定)")
    OTHER = "other", _("Other document")


def evidence_path(instance: Evidence, filename: str) -> str:
    return f"evidence/{instance.case_id or 'notice'}/{uuid.uuid4().hex}/{filename}"


class Evidence(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="evidence")
    notice = models.ForeignKey("Notice", verbose_name=_("notice"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="evidence")
    step = models.ForeignKey(Step, verbose_name=_("step"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class DecisionAction(models.TextChoices):
    START = "start", _("Submitted")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    RETURN = "return", _("Returned to an earlier step")
    WITHDRAW = "withdraw", _("Withdrawn")
    POSTED = "posted", _("Put on a public notice")
    NOTICE_PASSED = "notice_passed", _("Notice ended without an open objection")
    OBJECTION_UPHELD = "objection_upheld", _("Objection upheld; returned")
    COMPLETED = "completed", _("Completed; the result is in the registry")
    ROLLED_BACK = "rolled_back", _("Result rolled back")


class Decision(models.Model):
    """One act on one case; append-only (there is no service that edits or deletes one)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="decisions")
    step = models.ForeignKey(Step, verbose_name=_("step"), null=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20, choices=DecisionAction.choices)
    from_position = models.PositiveSmallIntegerField(_("from step"))
    to_position = models.PositiveSmallIntegerField(_("to step"), null=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=32, blank=True)
    decided_on = models.DateField(_("date"))
    decided_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    notice = models.ForeignKey("Notice", verbose_name=_("notice"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    evidence = models.ManyToManyField(Evidence, verbose_name=_("evidence"), blank=True, related_name="decisions")

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.from_position}→{self.to_position}"


class NoticeKind(models.TextChoices):
    PUBLICITY = "publicity", _("Public notice (公示)")
    ANNOUNCEMENT = "announcement", _("Announcement (公告)")


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("Posted")
    CLOSED = "closed", _("Closed")


class Notice(models.Model):
    procedure = models.ForeignKey(Procedure, verbose_name=_("procedure"), on_delete=models.PROTECT, related_name="notices")
    step = models.ForeignKey(Step, verbose_name=_("step"), on_delete=models.PROTECT, related_name="notices")
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.ForeignKey("areas.Area", verbose_name=_("posted in"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    days = models.PositiveSmallIntegerField(_("days"))
    working_days = models.BooleanField(_("working days"), default=False)
    contact_name = models.CharField(_("objections to"), max_length=60)
    contact_phone = models.CharField(_("objection telephone"), max_length=30)
    status = models.CharField(_("status"), max_length=8, choices=NoticeStatus.choices, default=NoticeStatus.OPEN)
    public_token = models.UUIDField(_("public link"), default=uuid.uuid4, unique=True, editable=False)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("posted by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["area", "status"], name="notice_area_status_idx")]

    def __str__(self) -> str:
        return self.title


class NoticeEntry(models.Model):
    """What the notice shows for one case, fixed when it is posted: never an ID number, phone, bank
    account or health detail (``workflow.privacy`` checks the reason text)."""

    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="entries")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="notice_entries")
    line = models.PositiveIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=100)
    group_name = models.CharField(_("villager group"), max_length=60, blank=True)
    household_size = models.PositiveSmallIntegerField(_("persons"), null=True, blank=True)
    decision = models.CharField(_("proposed decision"), max_length=100)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    details = models.JSONField(
        _("details"), default=dict, blank=True,
        help_text=_("What a project row shows: place, content, budget and its sources, beneficiary households."))
    withdrawn = models.BooleanField(_("taken off after an objection"), default=False)

    class Meta:
        verbose_name = _("notice entry")
        verbose_name_plural = _("notice entries")
        ordering = ["notice_id", "line"]
        constraints = [models.UniqueConstraint(fields=["notice", "case"], name="noticeentry_unique_case")]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.line} {self.name}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: the case goes back")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    notice = models.ForeignKey(Notice, verbose_name=_("notice"), on_delete=models.PROTECT, related_name="objections")
    entry = models.ForeignKey(NoticeEntry, verbose_name=_("about"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="objections")
    filed_by_name = models.CharField(_("name of the person objecting"), max_length=60)
    contact = models.CharField(_("contact"), max_length=60)
    content = models.TextField(_("objection"))
    filed_on = models.DateField(_("filed on"))
    filed_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    help_text=_("Empty when filed on the public page."))
    status = models.CharField(_("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN)
    resolution = models.TextField(_("finding"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["notice_id", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.filed_by_name}"
