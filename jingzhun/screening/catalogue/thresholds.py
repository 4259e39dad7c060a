"""Thresholds shared by several rules and by the feature tables, declared as policy parameters.

Every number a rule compares with is a policy parameter (``policy.registry``): it has a national
default with its source and certainty, can be overridden per region and year in the admin, and
arrives in the feature tables as a column of ``params``. Rule modules declare their own in
``THRESHOLDS``; these are the common ones.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from jingzhun.policy.registry import DeclaredParameter


def threshold(kind: str, label: str, default: str, certainty: str, source: str) -> DeclaredParameter:
    if not kind.startswith("th_"):
        raise ValueError(f"screening threshold {kind} must start with th_")
    return DeclaredParameter(kind=kind, label=label, default=Decimal(default), certainty=certainty, source=source)


THRESHOLDS = [
    threshold("th_income_drop_pct", _("Screening: income fell sharply — by at least (%)"), "30", "uncertain",
              "'收入大幅缩减' (S13) is not quantified nationally; 30 % is a common local reading"),
    threshold("th_out_of_pocket_pct", _("Screening: out-of-pocket spending above last year's net income × (%)"), "100",
              "provincial", "'刚性支出明显超过上年度收入' (S13)"),
    threshold("th_school_age_min", _("Screening: compulsory schooling from age"), "6", "national",
              "S46; R2 1_02_005"),
    threshold("th_school_age_max", _("Screening: compulsory schooling to age"), "16", "national", "S46; R2 1_02_005"),
    threshold("th_labour_age_min", _("Screening: working age from"), "16", "national", "R2 2_01_011, 2_12_014"),
    threshold("th_labour_age_max", _("Screening: working age to (healthy adults below it can work)"), "60", "national",
              "R5-6; R2 2_12_017"),
]
