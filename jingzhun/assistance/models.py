"""Assistance (帮扶): the units and cadres who help, and which cadre is paired with which household.

* ``AssistanceUnit`` — 帮扶单位: a government office, enterprise or institution, its level (省直 / 市直
  / 县直 / 乡镇 / 村级) and the villages it assists.
* ``Cadre`` — 帮扶责任人: a person (identified by ID number, checked), their unit and whether they
  live in the village as a work-team member (驻村队员).
* ``Pairing`` — 结对: one cadre and one household from a start date to an end date. A change of
  cadre ends the current line and writes a new one, so the history stays (domain §1.8).
* ``WorkTeam`` and ``TeamMember`` — 驻村工作队 with its 队长, 第一书记 and members, for a term.
* ``Plan`` and ``Measure`` — 一户一策: one plan per household and year, its measures from the
  catalogue (``catalogue.MEASURE_KINDS``).
* ``Visit`` and ``VisitPhoto`` — 走访: a cadre's visit with place, content, photos and the phone's
  position.
Writes go through ``assistance.services`` only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhun.assistance.catalogue import MEASURE_KINDS
from jingzhun.core.models import TimeStampedModel

MONEY = {"max_digits": 14, "decimal_places": 2}


class FundingSource(models.TextChoices):
    """Where a measure's money comes from (domain §1.10 fund sources, plus credit and social help)."""

    CENTRAL = "central", _("Central government (中央)")
    PROVINCIAL = "provincial", _("Province (省级)")
    CITY = "city", _("City (市级)")
    COUNTY = "county", _("County (县级)")
    INTEGRATED = "integrated", _("Integrated agricultural funds (统筹整合)")
    SELF_RAISED = "self_raised", _("Raised by the household (自筹)")
    CREDIT = "credit", _("Bank credit (信贷)")
    SOCIAL = "social", _("Enterprises and charities (社会帮扶)")
    OTHER = "other", _("Other")


FUNDING_SOURCES = FundingSource.values


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Province (省直)")
    CITY = "city", _("City (市直)")
    COUNTY = "county", _("County (县直)")
    TOWNSHIP = "township", _("Township (乡镇)")
    VILLAGE = "village", _("Village (村级)")


class AssistanceUnit(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=UnitLevel.choices)
    area = models.ForeignKey("areas.Area", verbose_name=_("registered in"), on_delete=models.PROTECT,
                             related_name="+", help_text=_("The area whose officers manage this unit's record."))
    villages = models.ManyToManyField("areas.Area", verbose_name=_("villages assisted"), blank=True,
                                      related_name="assistance_units")

    class Meta:
        verbose_name = _("assistance unit")
        verbose_name_plural = _("assistance units")
        ordering = ["area_id", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="assistanceunit_unique_name")]

    def __str__(self) -> str:
        return self.name


class Cadre(TimeStampedModel):
    name = models.CharField(_("name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=1)
    id_number = models.CharField(_("ID number"), max_length=18)
    id_base = models.CharField(_("identity number"), max_length=18, unique=True)
    phone = models.CharField(_("phone"), max_length=20)
    political_status = models.CharField(_("political status"), max_length=20, blank=True)
    rank = models.CharField(_("administrative rank"), max_length=40, blank=True)
    specialty = models.CharField(_("skills"), max_length=100, blank=True)
    unit = models.ForeignKey(AssistanceUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cadres")
    is_resident = models.BooleanField(_("lives in the village (work team)"), default=False)
    area = models.ForeignKey("areas.Area", verbose_name=_("works in"), on_delete=models.PROTECT, related_name="+",
                             help_text=_("The county, township or village whose households this cadre assists."))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("login"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="cadre")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assistance cadre")
        verbose_name_plural = _("assistance cadres")
        ordering = ["area_id", "name"]

    def __str__(self) -> str:
        return self.name


class Pairing(TimeStampedModel):
    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="pairings")
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="pairings")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while the pairing lasts."))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["household_id", "-starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(ends_on__isnull=True),
                                    name="pairing_one_current_per_household"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                                   name="pairing_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} ↔ {self.cadre_id} {self.starts_on}–{self.ends_on or ''}"


class TeamRole(models.TextChoices):
    LEADER = "leader", _("Team leader (队长)")
    FIRST_SECRETARY = "first_secretary", _("First secretary (第一书记)")
    MEMBER = "member", _("Member (队员)")


class WorkTeam(TimeStampedModel):
    """驻村工作队: sent by a unit to one village for a term (at least two years, at least three members)."""

    village = models.ForeignKey("areas.Area", verbose_name=_("village"), on_delete=models.PROTECT,
                                related_name="work_teams")
    unit = models.ForeignKey(AssistanceUnit, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="teams")
    starts_on = models.DateField(_("term from"))
    ends_on = models.DateField(_("term until"))
    recalled_on = models.DateField(_("recalled on"), null=True, blank=True)
    recall_reason = models.CharField(_("reason for the recall"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("resident work team")
        verbose_name_plural = _("resident work teams")
        ordering = ["village_id", "-starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gt=models.F("starts_on")),
                                              name="workteam_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.village_id} {self.starts_on}–{self.ends_on}"


class TeamMember(TimeStampedModel):
    team = models.ForeignKey(WorkTeam, verbose_name=_("team"), on_delete=models.PROTECT, related_name="members")
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="team_terms")
    role = models.CharField(_("role in the team"), max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team_id", "role", "joined_on"]
        constraints = [
            models.UniqueConstraint(fields=["team", "cadre"], condition=Q(left_on__isnull=True),
                                    name="teammember_once_per_team"),
            models.UniqueConstraint(fields=["team"], condition=Q(left_on__isnull=True, role="first_secretary"),
                                    name="teammember_one_first_secretary"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre_id} in {self.team_id} ({self.role})"


class Plan(TimeStampedModel):
    """一户一策: the household's plan for one year."""

    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="plans")
    year = models.PositiveSmallIntegerField(_("year"))
    goal = models.CharField(_("goal"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("household plan")
        verbose_name_plural = _("household plans")
        ordering = ["household_id", "-year"]
        constraints = [models.UniqueConstraint(fields=["household", "year"], name="plan_one_per_household_year")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Not yet carried out (尚未实施)")
    UNDER_WAY = "under_way", _("Under way (实施中)")
    DONE = "done", _("Done (已实施)")
    CANCELLED = "cancelled", _("Cancelled")


class Measure(TimeStampedModel):
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="measures")
    kind = models.CharField(_("measure"), max_length=30, choices=[(k.code, k.zh) for k in MEASURE_KINDS])
    content = models.CharField(_("content"), max_length=300)
    amount = models.DecimalField(_("amount (yuan)"), null=True, blank=True, **MONEY)
    funding_source = models.CharField(_("funding source"), max_length=20, blank=True, choices=FundingSource.choices)
    responsible = models.ForeignKey(Cadre, verbose_name=_("responsible cadre"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="measures")
    responsible_name = models.CharField(_("responsible person"), max_length=60, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    expected_income_gain = models.DecimalField(_("expected income gain (yuan per year)"), null=True, blank=True,
                                               **MONEY)
    status = models.CharField(_("status"), max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("assistance measure")
        verbose_name_plural = _("assistance measures")
        ordering = ["plan_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="measure_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.content}"


class Visit(TimeStampedModel):
    """走访: one visit to a household, recorded from the cadre's phone or by an officer."""

    household = models.ForeignKey("registry.Household", verbose_name=_("household"), on_delete=models.PROTECT,
                                  related_name="visits")
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="visits")
    visited_on = models.DateField(_("visited on"))
    place = models.CharField(_("place"), max_length=100)
    content = models.TextField(_("what was done and found"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("position accuracy (m)"), null=True, blank=True)
    client_key = models.UUIDField(_("submission key"), default=uuid.uuid4, unique=True, editable=False,
                                  help_text=_("Set by the phone page, so that a form sent twice on a bad connection "
                                              "is recorded once."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["household_id", "-visited_on", "-id"]
        indexes = [models.Index(fields=["household", "visited_on"], name="visit_household_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                                   name="visit_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                                   name="visit_longitude_range"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_on}"


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{instance.visit.visited_on:%Y/%m}/{uuid.uuid4().hex}.jpg"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="photos")
    file = models.ImageField(_("photo"), upload_to=visit_photo_path, max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveSmallIntegerField(_("width"))
    height = models.PositiveSmallIntegerField(_("height"))

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit_id", "id"]

    def __str__(self) -> str:
        return self.file.name
