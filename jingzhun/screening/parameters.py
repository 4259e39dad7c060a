"""The policy parameters the rules read, as columns of the ``params`` table (one row per county).

Every threshold a rule compares with is one of these: the poverty and monitoring lines and exit
thresholds of the policy app, and the ``th_*`` thresholds the catalogue declares (policy
parameters too, editable and overridable per region and year in the admin, with source and
certainty — ``policy.registry``).
"""

from __future__ import annotations

from jingzhun.policy.models import ParameterKind
from jingzhun.screening.catalogue import THRESHOLDS

POLICY_KINDS = (
    ParameterKind.POVERTY_LINE, ParameterKind.MONITORING_LINE, ParameterKind.VILLAGE_EXIT_INCIDENCE_MAX,
    ParameterKind.COUNTY_EXIT_INCIDENCE_MAX, ParameterKind.RISK_ELIMINATION_MIN_MONTHS,
    ParameterKind.MONITORING_TIME_LIMIT_DAYS,
)
PARAMETER_KINDS: tuple[str, ...] = (*(str(k) for k in POLICY_KINDS), *(t.kind for t in THRESHOLDS))
# Kinds also resolved for the year before, as ``<kind>_prev`` (income "stably" above a line).
PREVIOUS_YEAR_KINDS: tuple[str, ...] = (str(ParameterKind.POVERTY_LINE), str(ParameterKind.MONITORING_LINE))
PARAMETER_COLUMNS: tuple[str, ...] = (*PARAMETER_KINDS, *(f"{k}_prev" for k in PREVIOUS_YEAR_KINDS))
