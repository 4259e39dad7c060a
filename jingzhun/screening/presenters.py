"""How screening results read on a page or in an export: rule names, groups, severities and statuses
in the user's language, the unit a hit is about, and its sentence with personal numbers masked for
roles that may not see them. No writes; the reads go through ``screening.selectors``."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.scope import within_area_q
from jingzhun.registry.privacy import mask_id_number, sees_sensitive, shown_id
from jingzhun.screening import selectors
from jingzhun.screening.catalogue import RULES_BY_ID
from jingzhun.screening.catalogue.base import DATA_SOURCES, GROUPS
from jingzhun.screening.models import Hit, HitStatus, RunStatus, ScreeningRun

SEVERITY_LABELS = {"error": _("Error"), "warning": _("Warning"), "info": _("Information")}
STAGE_LABELS = {
    "snapshot": _("Reading the registry"),
    "features": _("Preparing the data"),
    "rules": _("Checking the rules"),
    "writing": _("Saving the findings"),
}
REOPENED = "reopened"
STATUS_LABELS = {**dict(HitStatus.choices), REOPENED: _("Found again after being marked fixed")}
# Group choices for starting a run, in the order officials think of them: "quality" selects every
# data-quality group, the "quality.*" entries one of them.
GROUP_CHOICES = ["eligibility", "exclusion", "exit", "monitoring", "quality",
                 *[g for g in GROUPS if g.startswith("quality.")]]
# ID numbers (15 or 18 characters) and phone numbers inside a sentence; amounts are written with
# thousands separators, so no amount has seven digits in a row.
LONG_NUMBER = re.compile(r"\d{7,}[\dXx]?")


def is_zh() -> bool:
    return not (translation.get_language() or "zh-hans").startswith("en")


def rule_name(rule_id: str) -> str:
    rule = RULES_BY_ID.get(rule_id)
    if rule is None:
        return rule_id  # a rule no longer in the catalogue keeps its id
    return rule.name_zh if is_zh() else rule.name_en


def group_label(group: str) -> str:
    if group == "quality":
        return str(_("Data quality (all checks)"))
    pair = GROUPS.get(group)
    return (pair[0] if is_zh() else pair[1]) if pair else group


def groups_label(groups: list[str]) -> str:
    if not groups:
        return str(_("All rules"))
    return ("、" if is_zh() else ", ").join(group_label(g) for g in groups)


def data_source_label(key: str) -> str:
    pair = DATA_SOURCES.get(key)
    return (pair[0] if is_zh() else pair[1]) if pair else key


def severity_label(severity: str) -> str:
    return str(SEVERITY_LABELS.get(severity, severity))


def mask_numbers(text: str, actor: Any) -> str:
    """``text`` with every ID or phone number in it masked, unless the actor may see them."""
    if sees_sensitive(actor):
        return text
    return LONG_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)


def sentence(hit: Hit, actor: Any) -> str:
    return mask_numbers(hit.message(translation.get_language() or "zh-hans"), actor)


def status_code(hit: Hit) -> str:
    return REOPENED if hit.status == HitStatus.OPEN and hit.reopened else hit.status


def status_label(hit: Hit) -> str:
    return str(STATUS_LABELS.get(status_code(hit), hit.status))


def unit_label(hit: Hit, actor: Any) -> str:
    """Who or what the hit is about: a member (name and masked ID), a household, a village or county."""
    if hit.person_id and hit.person is not None:
        return f"{hit.person.name} {shown_id(actor, hit.person.id_number)}"
    if hit.household_id and hit.household is not None:
        return f"{hit.household.household_number} {hit.household.head_name}".strip()
    if hit.scope == "person":
        return shown_id(actor, hit.unit_key)
    return hit.area.name if hit.area_id and hit.area is not None else hit.unit_key


def hit_row(hit: Hit, actor: Any) -> dict[str, Any]:
    """A hit as a page shows it (the hit's ``household``, ``person`` and ``area`` should be selected)."""
    return {
        "hit": hit,
        "rule_name": rule_name(hit.rule_id),
        "severity": severity_label(hit.severity),
        "sentence": sentence(hit, actor),
        "status": status_code(hit),
        "status_label": status_label(hit),
        "unit": unit_label(hit, actor),
        "household": hit.household if hit.household_id else None,
        "note": mask_numbers(hit.note, actor),
    }


def run_state(run: ScreeningRun) -> dict[str, Any]:
    """Status of a run for a page: running (to poll), stale (its process died), failed, done."""
    stale = selectors.run_is_stale(run)
    running = run.status in (RunStatus.QUEUED, RunStatus.RUNNING) and not stale
    percent = int(100 * run.done / run.total) if run.total else 0
    return {
        "running": running,
        "stale": stale,
        "stage": str(STAGE_LABELS.get(run.stage, run.stage)) if run.stage else "",
        "percent": min(max(percent, 0), 100),
        "status_label": str(_("Stopped")) if stale else run.get_status_display(),
        "status_code": "stale" if stale else run.status,
    }


def latest_year(*, actor: Any, area_code: str | None = None) -> int | None:
    """The latest year with findings the actor may see (inside ``area_code`` when given)."""
    hits = selectors.hits_visible(actor=actor)
    if area_code:
        hits = hits.filter(within_area_q("area_id", area_code))
    return hits.order_by("-year").values_list("year", flat=True).first()


def household_findings(*, actor: Any, household_id: int) -> dict[str, Any]:
    """The findings on one household (its latest year with any) for its page: rows, the year, and
    which runs the actor may open (a village officer does not see the county's runs)."""
    hits = selectors.household_hits(actor=actor, household_id=household_id)
    run_ids = {h.run_id for h in hits}
    visible = set(selectors.runs_visible(actor=actor).filter(pk__in=run_ids).values_list("pk", flat=True))
    rows = []
    for hit in hits:
        row = hit_row(hit, actor)
        row["run_visible"] = hit.run_id in visible
        rows.append(row)
    return {"rows": rows, "year": hits[0].year if hits else None,
            "open": sum(1 for h in hits if h.status == HitStatus.OPEN)}
