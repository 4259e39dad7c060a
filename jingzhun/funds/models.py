"""Projects and funds (项目与资金, domain §1.10, §2.11): where money comes from, which project it goes
to, what was paid out, and which households the project reaches.

* ``Project`` — 项目: name, kind, content (建设内容), where it is built (a village or a township), year,
  schedule, who is responsible, expected benefit (项目效益), how it links farmers to the gains (联农带农),
  status (draft → library procedure → 入库 → under way → completed → accepted; or rejected/withdrawn)
  and the library case of ``workflow`` that put it in the library.
* ``ProjectBudget`` — the planned money by source; ``ProjectMilestone`` — 立项, 招标 (with the winning
  bidder), 开工, 竣工, 验收 with their dates; ``ProjectBeneficiary`` — 受益户: a household, how it
  benefits and the part of the project's money that reaches it.
* ``Fund`` — 资金下达: one receipt of money (source, year, document number 文号, receiving county or
  township, amount, date). ``Allocation`` — money of a fund assigned to a project. ``Disbursement`` —
  拨付: money paid out of an allocation (date, payee, voucher).

The ledger is append-only: a wrong allocation or disbursement is corrected by a reversing line of the
opposite sign that names it (红字冲销), never by editing or deleting it. Sums are plain sums of the
lines. Amounts are ``Decimal`` yuan with two decimals; the database refuses zero and wrong-signed lines.
Writes go through ``funds.services`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jingzhun.core.models import TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2}


class ProjectKind(models.TextChoices):
    INDUSTRY = "industry", _("Industry (产业)")
    EMPLOYMENT = "employment", _("Employment (就业)")
    INFRASTRUCTURE = "infrastructure", _("Infrastructure: roads, water works (基础设施)")
    EDUCATION = "education", _("Education (教育)")
    HEALTH = "health", _("Health (健康)")
    HOUSING = "housing", _("Housing, dilapidated-house renovation (住房/危房改造)")
    WATER = "water", _("Drinking water (饮水)")
    RELOCATION = "relocation", _("Relocation (易地搬迁)")
    PUBLIC_POST = "public_post", _("Public-welfare posts (公益岗位)")
    FINANCE = "finance", _("Finance, microcredit (金融/小额信贷)")
    ECOLOGY = "ecology", _("Ecology (生态)")
    OTHER = "other", _("Other (其他)")


# The kinds that count as industry projects (产业项目) in the "share of industry projects" of the 四查
# report. 产业 covers planting, breeding, processing, photovoltaic stations, tourism and e-commerce
# projects; microcredit and the others are counted under their own kind.
INDUSTRY_KINDS = frozenset({ProjectKind.INDUSTRY})


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_PROCEDURE = "in_procedure", _("In the library procedure")
    IN_LIBRARY = "in_library", _("In the project library (入库)")
    IN_PROGRESS = "in_progress", _("Under way")
    COMPLETED = "completed", _("Completed (竣工)")
    ACCEPTED = "accepted", _("Accepted (验收)")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn or taken out of the library")


# A project can be changed and (re)submitted in these; once submitted its content is what the
# notices show, so it is frozen until the procedure ends (or returns it to the village).
EDITABLE_STATUSES = (ProjectStatus.DRAFT, ProjectStatus.REJECTED, ProjectStatus.WITHDRAWN)
# A project receives money only once it is in the library (domain §1.10: 入库 before funding).
FUNDABLE_STATUSES = (ProjectStatus.IN_LIBRARY, ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED,
                     ProjectStatus.ACCEPTED)
FINISHED_STATUSES = (ProjectStatus.COMPLETED, ProjectStatus.ACCEPTED)


class FundSource(models.TextChoices):
    CENTRAL = "central", _("Central government (中央)")
    PROVINCIAL = "provincial", _("Province (省级)")
    CITY = "city", _("City (市级)")
    COUNTY = "county", _("County (县级)")
    INTEGRATED = "integrated", _("Integrated agricultural funds (统筹整合资金)")
    WORK_RELIEF = "work_relief", _("Work relief (以工代赈)")
    SELF_RAISED = "self_raised", _("Raised by the villagers (群众自筹)")
    OTHER = "other", _("Other (其他)")


class BenefitKind(models.TextChoices):
    DIVIDEND = "dividend", _("Dividend (分红)")
    WORK = "work", _("Paid work (务工)")
    SUBSIDY = "subsidy", _("Direct subsidy (直接补助)")
    OTHER = "other", _("Other (其他)")


class MilestoneKind(models.TextChoices):
    APPROVAL = "approval", _("Approved (立项)")
    TENDER = "tender", _("Tender awarded (招标)")
    START = "start", _("Works started (开工)")
    COMPLETION = "completion", _("Works completed (竣工)")
    ACCEPTANCE = "acceptance", _("Accepted (验收)")


MILESTONE_ORDER = (MilestoneKind.APPROVAL, MilestoneKind.TENDER, MilestoneKind.START, MilestoneKind.COMPLETION,
                   MilestoneKind.ACCEPTANCE)
# The status a milestone moves the project to (立项 and 招标 happen while it waits in the library).
MILESTONE_STATUS = {MilestoneKind.START: ProjectStatus.IN_PROGRESS, MilestoneKind.COMPLETION: ProjectStatus.COMPLETED,
                    MilestoneKind.ACCEPTANCE: ProjectStatus.ACCEPTED}


def _signed(name: str) -> models.CheckConstraint:
    """An original line is positive; a reversing line (naming the line it reverses) is negative."""
    return models.CheckConstraint(
        condition=Q(reverses__isnull=True, amount__gt=0) | Q(reverses__isnull=False, amount__lt=0), name=name)


class Project(TimeStampedModel):
    name = models.CharField(_("project name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ProjectKind.choices)
    content = models.TextField(_("content of the works (建设内容)"))
    area = models.ForeignKey("areas.Area", verbose_name=_("place"), on_delete=models.PROTECT, related_name="+",
                             help_text=_("The village (or township) where the project is built."))
    year = models.PositiveSmallIntegerField(_("year"))
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    responsible_unit = models.CharField(_("responsible unit"), max_length=100, blank=True)
    responsible_person = models.CharField(_("responsible person"), max_length=40, blank=True)
    responsible_phone = models.CharField(_("telephone"), max_length=20, blank=True)
    expected_benefit = models.TextField(_("expected benefit (项目效益)"), blank=True)
    linkage = models.TextField(_("how farmers share the gains (联农带农)"), blank=True)
    status = models.CharField(_("status"), max_length=14, choices=ProjectStatus.choices, default=ProjectStatus.DRAFT)
    library_on = models.DateField(_("in the library since"), null=True, blank=True)
    library_case = models.ForeignKey("workflow.Case", verbose_name=_("library procedure"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     help_text=_("The latest case of the library procedure (入库程序)."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-year", "area_id", "name", "id"]
        indexes = [models.Index(fields=["area", "year"], name="project_area_year_idx"),
                   models.Index(fields=["year", "status"], name="project_year_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__isnull=True) | Q(planned_start__isnull=True)
                                   | Q(planned_end__gte=F("planned_start")), name="project_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_industry(self) -> bool:
        return self.kind in INDUSTRY_KINDS


class ProjectBudget(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="budgets")
    source = models.CharField(_("source"), max_length=12, choices=FundSource.choices)
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)

    class Meta:
        verbose_name = _("project budget")
        verbose_name_plural = _("project budgets")
        ordering = ["project_id", "source"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source"], name="projectbudget_one_per_source"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="projectbudget_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.source} {self.amount}"


class ProjectMilestone(TimeStampedModel):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="milestones")
    kind = models.CharField(_("milestone"), max_length=12, choices=MilestoneKind.choices)
    date = models.DateField(_("date"))
    winning_bidder = models.CharField(_("winning bidder (中标单位)"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["project_id", "date", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="projectmilestone_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind} {self.date}"


class ProjectBeneficiary(models.Model):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="beneficiaries")
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="project_benefits")
    benefit = models.CharField(_("how it benefits"), max_length=10, choices=BenefitKind.choices)
    amount = models.DecimalField(_("amount reaching the household (yuan)"), null=True, blank=True, **MONEY)

    class Meta:
        verbose_name = _("beneficiary household")
        verbose_name_plural = _("beneficiary households")
        ordering = ["project_id", "household_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "household"], name="projectbeneficiary_once"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gt=0),
                                   name="projectbeneficiary_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.household_id}"


class Fund(TimeStampedModel):
    source = models.CharField(_("source"), max_length=12, choices=FundSource.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    document_number = models.CharField(_("document number (文号)"), max_length=60)
    area = models.ForeignKey("areas.Area", verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+",
                             help_text=_("The county or township that received the money."))
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    received_on = models.DateField(_("received on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["-year", "source", "received_on", "id"]
        indexes = [models.Index(fields=["area", "year"], name="fund_area_year_idx")]
        constraints = [
            models.UniqueConstraint(fields=["area", "document_number", "source"], name="fund_one_per_document"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="fund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.get_source_display()} {self.amount}"


class Allocation(TimeStampedModel):
    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="allocations")
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="allocations")
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    allocated_on = models.DateField(_("allocated on"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversal")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["allocated_on", "id"]
        constraints = [_signed("allocation_signed_amount")]

    def __str__(self) -> str:
        return f"{self.fund_id} → {self.project_id} {self.amount}"


class Disbursement(TimeStampedModel):
    allocation = models.ForeignKey(Allocation, verbose_name=_("allocation"), on_delete=models.PROTECT,
                                   related_name="disbursements")
    amount = models.DecimalField(_("amount (yuan)"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    payee = models.CharField(_("payee"), max_length=100)
    voucher_number = models.CharField(_("voucher number"), max_length=60)
    note = models.CharField(_("note"), max_length=200, blank=True)
    reverses = models.OneToOneField("self", verbose_name=_("reverses"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversal")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["paid_on", "id"]
        constraints = [_signed("disbursement_signed_amount")]

    def __str__(self) -> str:
        return f"{self.allocation_id} {self.amount} {self.voucher_number}"
