"""Do a household's measures answer why it is poor? Pure rules over the catalogue (domain §2.9, §4.9).

``measure_misfit`` says why one measure does not fit the household (None when it fits);
``plan_gaps`` lists what the plan as a whole lacks:

* a cause or risk that needs particular measures has none of them (因病 → health, social or
  comprehensive support; 因学 → education; 因残 → comprehensive or social support; housing risk →
  housing or relocation; water risk → water);
* a household with labour has no developmental measure (开发式: industry, employment, finance,
  public-welfare post), only weak ones (skills training, other), or none of them has started;
* a household without labour has no safety-net measure (兜底);
* the plan has no measure at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from jingzhun.assistance.catalogue import CAUSE_NEEDS, KIND_BY_CODE, RISK_NEEDS, WEAK_DEVELOPMENTAL

LABOUR_CODES = ("ordinary", "skilled", "weak")


@dataclass(frozen=True)
class HouseholdFacts:
    """What the rules need to know about a household: its causes (``poverty_cause`` codes), its risks
    (``risk_type`` codes) and whether any active member can work."""

    causes: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    has_labour: bool = True


@dataclass(frozen=True)
class PlannedMeasure:
    kind: str
    started: bool = False  # under way or done


@dataclass(frozen=True)
class Gap:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return str(GAP_MESSAGES[self.code] % self.params)


GAP_MESSAGES = {
    "no_measure": _("The plan has no measure yet."),
    "cause_unanswered": _("The cause %(what)s needs one of: %(needs)s."),
    "risk_unanswered": _("The risk %(what)s needs one of: %(needs)s."),
    "no_developmental": _("The household can work but has no developmental measure (industry, employment, "
                          "finance or a public-welfare post)."),
    "only_weak_developmental": _("The household can work but its only developmental measures are skills training "
                                 "or 'other'."),
    "developmental_not_started": _("None of the household's developmental measures has been started."),
    "no_safety_net": _("Nobody in the household can work, but it has no safety-net measure (低保, 特困供养, "
                       "disability allowances or comprehensive support)."),
}


def _labels(codes: Iterable[str]) -> str:
    return "、".join(KIND_BY_CODE[c].zh for c in codes)


def measure_misfit(kind_code: str, facts: HouseholdFacts, cause_label: Any = str, risk_label: Any = str) -> str | None:
    """Why this measure does not fit the household, or None. A developmental measure needs someone who
    can work; a measure tied to causes or risks must answer one of the household's (a developmental
    measure for a household with labour always fits, as does 'other' or a living-conditions measure)."""
    kind = KIND_BY_CODE.get(kind_code)
    if kind is None:
        return str(_("Unknown measure."))
    if kind.developmental and not facts.has_labour:
        return str(_("%(measure)s is developmental, but nobody in the household can work.") % {"measure": kind.zh})
    if kind.developmental or not (kind.causes or kind.risks):
        return None
    if set(kind.causes) & set(facts.causes) or set(kind.risks) & set(facts.risks):
        return None
    if kind.safety_net and not facts.has_labour:
        return None
    named = "、".join([*(str(cause_label(c)) for c in facts.causes), *(str(risk_label(r)) for r in facts.risks)])
    return str(_("%(measure)s does not answer the household's causes or risks (%(named)s).")
               % {"measure": kind.zh, "named": named or "—"})


def plan_gaps(facts: HouseholdFacts, measures: Iterable[PlannedMeasure], cause_label: Any = str,
              risk_label: Any = str) -> list[Gap]:
    """What the plan lacks, in a stable order (see the module docstring)."""
    measures = [m for m in measures if m.kind in KIND_BY_CODE]
    if not measures:
        return [Gap("no_measure")]
    kinds = {m.kind for m in measures}
    gaps = []
    for cause in facts.causes:
        needs = CAUSE_NEEDS.get(cause)
        if needs and not kinds & set(needs):
            gaps.append(Gap("cause_unanswered", {"what": str(cause_label(cause)), "needs": _labels(needs)}))
    for risk in facts.risks:
        needs = RISK_NEEDS.get(risk)
        if needs and not kinds & set(needs):
            gaps.append(Gap("risk_unanswered", {"what": str(risk_label(risk)), "needs": _labels(needs)}))
    developmental = [m for m in measures if KIND_BY_CODE[m.kind].developmental]
    if facts.has_labour:
        if not developmental:
            gaps.append(Gap("no_developmental"))
        elif all(m.kind in WEAK_DEVELOPMENTAL for m in developmental):
            gaps.append(Gap("only_weak_developmental"))
        elif not any(m.started for m in developmental):
            gaps.append(Gap("developmental_not_started"))
    elif not any(KIND_BY_CODE[m.kind].safety_net for m in measures):
        gaps.append(Gap("no_safety_net"))
    return gaps
