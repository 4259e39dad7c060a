"""The administrative-area tree (行政区划), keyed by the 12-digit statistical code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.areas import codes


class AreaLevel(models.IntegerChoices):
    PROVINCE = codes.PROVINCE, _("Province")
    CITY = codes.CITY, _("City")
    COUNTY = codes.COUNTY, _("County")
    TOWNSHIP = codes.TOWNSHIP, _("Township")
    VILLAGE = codes.VILLAGE, _("Village")


class Area(models.Model):
    """One node: province → city → county → township → village. 村民小组 is text on the household."""

    code = models.CharField(_("area code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=AreaLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    urban_rural_class = models.CharField(_("urban-rural class"), max_length=3, blank=True)
    valid_from_year = models.PositiveSmallIntegerField(_("valid from year"), null=True, blank=True)
    valid_to_year = models.PositiveSmallIntegerField(_("valid to year"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def code_range(self) -> tuple[str, str]:
        return codes.code_range(self.code)


class AreaYear(models.Model):
    """A poor village's or county's standing in one year (贫困村/贫困县, 出列/摘帽), set by the exit
    procedures of ``workflow``."""

    class Standing(models.TextChoices):
        POOR = "poor", _("Poor village or county")
        EXITED = "exited", _("Exited")

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    standing = models.CharField(_("standing"), max_length=8, choices=Standing.choices)
    exit_year = models.PositiveSmallIntegerField(_("exit year"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("area year")
        verbose_name_plural = _("area years")
        ordering = ["area_id", "-year"]
        constraints = [models.UniqueConstraint(fields=["area", "year"], name="areayear_unique_year")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year} {self.standing}"
