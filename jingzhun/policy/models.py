"""Policy parameters: poverty line, monitoring line, exit thresholds, notice days… as data.

A value is keyed by (kind, area, year). ``area`` empty means the national default; a province or
county row overrides it for that area and everything below. ``year`` is the first year the value
applies; it holds until a later row of the same kind and area.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.policy.registry import parameter_choices


class ParameterKind(models.TextChoices):
    POVERTY_LINE = "poverty_line", _("Poverty line (yuan per person per year)")
    MONITORING_LINE = "monitoring_line", _("Monitoring line (yuan per person per year)")
    VILLAGE_EXIT_INCIDENCE_MAX = "village_exit_incidence_max", _("Village exit: poverty incidence below (%)")
    COUNTY_EXIT_INCIDENCE_MAX = "county_exit_incidence_max", _("County exit: poverty incidence below (%)")
    WRONG_EXIT_RATE_MAX = "wrong_exit_rate_max", _("Evaluation: wrong-exit rate at most (%)")
    MISSED_RATE_MAX = "missed_rate_max", _("Evaluation: missed-identification rate at most (%)")
    RECOGNITION_MIN = "recognition_min", _("Evaluation: public recognition at least (%)")
    IDENTIFICATION_NOTICE_DAYS = "identification_notice_days", _("Identification notice (days)")
    EXIT_NOTICE_DAYS = "exit_notice_days", _("Household exit notice (days)")
    MONITORING_NOTICE_DAYS = "monitoring_notice_days", _("Monitoring identification notice (days)")
    MONITORING_TIME_LIMIT_DAYS = "monitoring_time_limit_days", _("Monitoring identification time limit (days)")
    RISK_ELIMINATION_MIN_MONTHS = "risk_elimination_min_months", _("Risk elimination: months monitored at least")
    DIBAO_NOTICE_DAYS = "dibao_notice_days", _("Minimum-living-guarantee notice (days)")
    DIBAO_TIME_LIMIT_WORKING_DAYS = "dibao_time_limit_working_days", _("Minimum-living-guarantee review limit (working days)")
    PROJECT_NOTICE_DAYS = "project_notice_days", _("Project and fund notice (days)")
    VISIT_INTERVAL_DAYS = "visit_interval_days", _("Cadre visit at least every (days)")


class Certainty(models.TextChoices):
    NATIONAL = "national", _("National rule")
    PROVINCIAL = "provincial", _("Provincial or county practice")
    UNCERTAIN = "uncertain", _("Unconfirmed — check before relying on it")


class PolicyParameter(models.Model):
    kind = models.CharField(_("parameter"), max_length=40, choices=parameter_choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT,
        help_text=_("Empty for the national default."),
    )
    year = models.PositiveSmallIntegerField(_("from year"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    certainty = models.CharField(_("certainty"), max_length=16, choices=Certainty.choices)
    source = models.CharField(_("source"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("policy parameter")
        verbose_name_plural = _("policy parameters")
        ordering = ["kind", "area_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "area", "year"], name="policy_unique_kind_area_year"),
            models.UniqueConstraint(
                fields=["kind", "year"], condition=models.Q(area__isnull=True), name="policy_unique_national_kind_year"
            ),
        ]

    def __str__(self) -> str:
        where = self.area_id or "national"
        return f"{self.kind} {where} {self.year}: {self.value}"

    @property
    def is_uncertain(self) -> bool:
        return self.certainty == Certainty.UNCERTAIN
