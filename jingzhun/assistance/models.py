"""Assistance (帮扶): the units and cadres who help, and which cadre is paired with which household.

* ``AssistanceUnit`` — 帮扶单位: a government office, enterprise or institution, its level (省直 / 市直
  / 县直 / 乡镇 / 村级) and the villages it assists.
* ``Cadre`` — 帮扶责任人: a person (identified by ID number, checked), their unit and whether they
  live in the village as a work-team member (驻村队员).
* ``Pairing`` — 结对: one cadre and one household from a start date to an end date. A change of
  cadre ends the current line and writes a new one, so the history stays (domain §1.8).
Writes go through ``assistance.services`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhun.core.models import TimeStampedModel


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
