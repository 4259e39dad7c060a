"""Display helpers for the web pages: field labels, code-list labels, masking, change tables.

Only presentation lives here (how a stored value reads for a person); no rule decides anything.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from jingzhun.core.audit import action_label
from jingzhun.registry import codelists
from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear
from jingzhun.registry.privacy import shown_account, shown_id, shown_phone
from jingzhun.registry.validation import (
    HOUSEHOLD_YEAR_CODE_FIELDS,
    PERSON_CODE_FIELDS,
    PERSON_YEAR_CODE_FIELDS,
)

# Which model (for labels) and which code lists (for values) an audit action's keys refer to.
_ACTION_MODELS: dict[str, tuple[Any, dict[str, str]]] = {
    "registry.household.registered": (Household, {}),
    "registry.household.updated": (Household, {}),
    "registry.person.added": (Person, PERSON_CODE_FIELDS),
    "registry.person.updated": (Person, PERSON_CODE_FIELDS),
    "registry.household_year.saved": (HouseholdYear, {**HOUSEHOLD_YEAR_CODE_FIELDS, "risks": "risk_type"}),
    "registry.person_year.saved": (PersonYear, PERSON_YEAR_CODE_FIELDS),
}
_CONTEXT_KEYS = ("person_id", "year")


def field_label(model: Any, name: str) -> str:
    """The model field's verbose name (in the active language), else the key itself."""
    if name == "members":
        return capfirst(str(Person._meta.verbose_name_plural))
    for candidate in (model, Household, Person, HouseholdYear, PersonYear):
        if candidate is None:
            continue
        try:
            field = candidate._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if getattr(field, "concrete", False):
            return capfirst(str(field.verbose_name))
    return name


def display_value(actor: Any, name: str, value: Any, code_fields: dict[str, str] | None = None) -> str:
    """A stored value as a person reads it: labels for codes, Yes/No, masked personal numbers."""
    code_fields = code_fields or {}
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name == "id_number":
        return shown_id(actor, str(value))
    if name == "phone":
        return shown_phone(actor, str(value))
    if name == "bank_account":
        return shown_account(actor, str(value))
    if name == "members" and isinstance(value, list):
        parts = []
        for m in value:
            if isinstance(m, dict):
                relation = codelists.label("relation", str(m.get("relation") or ""))
                parts.append(f"{m.get('name', '')} ({relation}, {shown_id(actor, str(m.get('id_number') or ''))})")
        return "; ".join(parts) or "—"
    if name in code_fields:
        if isinstance(value, list):
            return ", ".join(codelists.label(code_fields[name], str(v)) for v in value)
        return codelists.label(code_fields[name], str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _when(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        moment = parse_datetime(value)
        if moment is None:
            return None
    else:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    return timezone.localtime(moment)


def change_rows(actor: Any, action: str, before: Any, after: Any) -> tuple[list[str], list[dict[str, str]]]:
    """(context notes, rows of {label, before, after}) for one audit entry; ``_`` keys are skipped."""
    model, code_fields = _ACTION_MODELS.get(action, (None, {}))
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    notes: list[str] = []
    year = after.get("year", before.get("year"))
    if year is not None:
        notes.append(_("Year %(year)s") % {"year": year})
    rows = []
    keys = [k for k in after if not k.startswith("_")] + [k for k in before if k not in after and not k.startswith("_")]
    for key in keys:
        if key in _CONTEXT_KEYS:
            continue
        if key not in before and after.get(key) in (None, "", [], False, "0", "0.00"):
            continue  # a new record: list only what was filled in
        rows.append({
            "label": field_label(model, key),
            "before": display_value(actor, key, before.get(key), code_fields) if key in before else "",
            "after": display_value(actor, key, after.get(key), code_fields) if key in after else "—",
        })
    return notes, rows


def history_entries(actor: Any, events: list[Any], member_names: dict[int, str]) -> list[dict[str, Any]]:
    out = []
    for event in events:
        notes, rows = change_rows(actor, event.action, event.before, event.after)
        person_id = (event.after or {}).get("person_id") or (event.before or {}).get("person_id")
        if person_id and int(person_id) in member_names:
            notes.insert(0, _("Member: %(name)s") % {"name": member_names[int(person_id)]})
        out.append({"at": _when(event.created_at), "by": event.actor_username, "action": action_label(event.action),
                    "notes": notes, "rows": rows})
    return out


def conflict_entries(actor: Any, changes: list[dict[str, Any]], member_names: dict[int, str]) -> list[dict[str, Any]]:
    out = []
    for change in changes:
        notes, rows = change_rows(actor, change.get("action", ""), change.get("before"), change.get("after"))
        after = change.get("after") or {}
        person_id = after.get("person_id") or (change.get("before") or {}).get("person_id")
        if person_id and int(person_id) in member_names:
            notes.insert(0, _("Member: %(name)s") % {"name": member_names[int(person_id)]})
        out.append({"at": _when(change.get("at")), "by": change.get("by", ""),
                    "action": action_label(change.get("action", "")), "notes": notes, "rows": rows})
    return out


INCOME_DISPLAY = (
    "wage_income", "business_income", "property_income",
    "transfer_family_planning", "transfer_dibao", "transfer_tekun", "transfer_pension",
    "transfer_eco_compensation", "transfer_other", "transfer_income",
    "business_expense", "claims_income", "compliant_out_of_pocket",
)
DERIVED_INCOME = ("transfer_income", "total_income", "net_income", "per_capita_net_income")
IDENTIFICATION_DISPLAY = (
    "identification_standard", "household_attribute", "identification_year", "exit_year", "returned_year",
    "monitoring_type", "monitoring_since", "risks", "elimination_method", "risk_eliminated_on",
    "no_labour_guaranteed", "size_start", "size_end",
)
CONDITION_DISPLAY = (
    "arable_land_mu", "irrigated_land_mu", "forest_land_mu", "grain_to_forest_mu", "orchard_mu", "pasture_mu",
    "water_surface_mu", "in_cooperative", "led_by_enterprise", "production_electricity", "living_electricity",
    "broadcast_tv", "drinking_water_difficult", "drinking_water_safe", "water_source", "housing_area_m2",
    "house_structure", "is_dangerous_house", "danger_level", "renovation_year", "sanitary_toilet",
    "distance_to_road_km", "road_type", "fuel_type",
)
_YEAR_CODES = {**HOUSEHOLD_YEAR_CODE_FIELDS, "risks": "risk_type"}


def _money(value: Any) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


def year_view(actor: Any, record: HouseholdYear) -> dict[str, Any]:
    """One yearly record laid out for the detail page: status, causes, income block, the rest."""

    def pairs(names: tuple[str, ...], *, skip_empty: bool) -> list[tuple[str, str]]:
        out = []
        for name in names:
            value = getattr(record, name)
            if skip_empty and value in (None, "", []):
                continue
            out.append((field_label(HouseholdYear, name), display_value(actor, name, value, _YEAR_CODES)))
        return out

    causes = [codelists.label("poverty_cause", c) for c in (record.main_cause, record.other_cause_1, record.other_cause_2) if c]
    return {
        "record": record,
        "status": codelists.label("household_status", record.status),
        "main_cause": codelists.label("poverty_cause", record.main_cause),
        "other_causes": causes[1:] if record.main_cause else causes,
        "identification": pairs(IDENTIFICATION_DISPLAY, skip_empty=True),
        "income": [(field_label(HouseholdYear, n), _money(getattr(record, n)), n in DERIVED_INCOME)
                   for n in INCOME_DISPLAY],
        "totals": [(field_label(HouseholdYear, n), _money(getattr(record, n))) for n in DERIVED_INCOME[1:]],
        "conditions": pairs(CONDITION_DISPLAY, skip_empty=True),
    }
