"""Field-level validation of registry input, shared by every write path (UI, API, import, CLI).

Each check returns ``FieldIssue``s naming the field and the reason in zh-hans and en; the services
raise ``ValidationFailed`` with all of them at once so that nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.core.exceptions import FieldIssue, issue
from jingzhun.registry import codelists, idcard
from jingzhun.registry.income import INCOME_ITEMS

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
BANK_ACCOUNT_RE = re.compile(r"^\d{8,30}$")
HEAD = "head"

ID_MESSAGES = {
    "length": _("An ID number has 18 characters (a disability certificate number 20 or 22)."),
    "format": _("The ID number may contain only digits, with X allowed as the last character."),
    "checksum": _("The check character of this ID number is wrong; please compare it with the card."),
    "birth_date": _("The birth date inside this ID number is not a real date."),
    "future_birth_date": _("The birth date inside this ID number is in the future."),
    "region": _("The first six digits of this ID number are not a known area code."),
}

PERSON_CODE_FIELDS = {
    "sex": "sex",
    "id_type": "id_type",
    "relation": "relation",
    "ethnicity": "ethnicity",
    "political_status": "political_status",
    "status": "member_status",
}
PERSON_YEAR_CODE_FIELDS = {
    "health": "health",
    "labour_ability": "labour_ability",
    "education": "education",
    "school_status": "school_status",
    "work_place": "work_place",
    "dibao": "assistance_status",
    "tekun": "assistance_status",
}
HOUSEHOLD_YEAR_CODE_FIELDS = {
    "status": "household_status",
    "identification_standard": "identification_standard",
    "household_attribute": "household_attribute",
    "main_cause": "poverty_cause",
    "other_cause_1": "poverty_cause",
    "other_cause_2": "poverty_cause",
    "monitoring_type": "monitoring_type",
    "elimination_method": "elimination_method",
    "water_source": "water_source",
    "house_structure": "house_structure",
    "danger_level": "danger_level",
    "road_type": "road_type",
    "fuel_type": "fuel_type",
}
POOR_STATUSES = {"poor", "pre_exit", "exited", "returned"}


def _prefixed(prefix: str, name: str) -> str:
    return f"{prefix}{name}" if prefix else name


def check_code(list_key: str, value: Any, field_name: str) -> list[FieldIssue]:
    if value in (None, ""):
        return []
    if not codelists.is_valid(list_key, str(value)):
        return [issue(field_name, "unknown_code", _("“%(value)s” is not a value of this list."), value=value)]
    return []


def check_phone(value: str, field_name: str) -> list[FieldIssue]:
    if not value:
        return []
    if MOBILE_RE.match(value) or LANDLINE_RE.match(value):
        return []
    return [issue(field_name, "phone", _("A phone number is an 11-digit mobile number starting with 1, or a landline such as 0753-1234567."))]


def check_required(data: Mapping[str, Any], names: Iterable[str], prefix: str = "") -> list[FieldIssue]:
    return [
        issue(_prefixed(prefix, n), "required", _("This field is required."))
        for n in names
        if data.get(n) in (None, "")
    ]


def parse_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def check_person(data: Mapping[str, Any], *, prefix: str = "", today: dt.date | None = None) -> tuple[list[FieldIssue], dict[str, Any]]:
    """Check one member's fields. Returns issues and the cleaned values (id normalised, birth date and
    sex filled from the ID number when missing)."""
    problems = check_required(data, ("name", "id_number", "relation"), prefix)
    cleaned: dict[str, Any] = dict(data)
    for field_name, list_key in PERSON_CODE_FIELDS.items():
        problems += check_code(list_key, data.get(field_name), _prefixed(prefix, field_name))
    name = (data.get("name") or "").strip()
    cleaned["name"] = name
    if len(name) > 60:
        problems.append(issue(_prefixed(prefix, "name"), "too_long", _("At most 60 characters.")))
    problems += check_phone(data.get("phone") or "", _prefixed(prefix, "phone"))

    raw_birth = data.get("birth_date")
    birth = parse_date(raw_birth)
    if raw_birth not in (None, "") and birth is None:
        problems.append(issue(_prefixed(prefix, "birth_date"), "date", _("Write the date as YYYY-MM-DD.")))

    if data.get("id_number"):
        id_type = data.get("id_type") or "resident_id"
        check = idcard.check_id_number(str(data["id_number"]), id_type=id_type, today=today or timezone.localdate())
        cleaned["id_number"] = check.number
        cleaned["id_base"] = check.base
        cleaned["id_type"] = "disability_cert" if len(check.number) in idcard.DISABILITY_LENGTHS else id_type
        if check.error:
            problems.append(issue(_prefixed(prefix, "id_number"), f"id_{check.error}", ID_MESSAGES[check.error]))
        else:
            if birth is None:
                cleaned["birth_date"] = check.birth_date
            elif birth != check.birth_date:
                problems.append(issue(
                    _prefixed(prefix, "birth_date"), "birth_date_mismatch",
                    _("The birth date does not match the ID number (which says %(id_date)s)."),
                    id_date=check.birth_date.isoformat() if check.birth_date else "",
                ))
            if not data.get("sex"):
                cleaned["sex"] = check.sex
            elif str(data.get("sex")) != check.sex:
                problems.append(issue(
                    _prefixed(prefix, "sex"), "sex_mismatch",
                    _("The sex does not match the ID number (its 17th digit is odd for men, even for women)."),
                ))
    sex = str(cleaned.get("sex") or "")
    implied = codelists.attribute("relation", str(data.get("relation") or ""), "sex")
    if implied in ("1", "2") and sex and sex != implied:
        problems.append(issue(
            _prefixed(prefix, "relation"), "relation_sex",
            _("This relationship does not fit the member's sex."),
        ))
    return problems, cleaned


def check_household_members(members: list[Mapping[str, Any]], *, prefix: str = "members") -> list[FieldIssue]:
    """Structure of a household: exactly one active head, spouse of the other sex, no ID twice."""
    problems: list[FieldIssue] = []
    active = [(i, m) for i, m in enumerate(members) if (m.get("status") or "active") == "active"]
    heads = [(i, m) for i, m in active if m.get("relation") == HEAD]
    if not heads:
        problems.append(issue(prefix, "no_head", _("A household needs exactly one head (户主); none is given.")))
    for i, _m in heads[1:]:
        problems.append(issue(f"{prefix}[{i}].relation", "second_head",
                              _("A household has exactly one head (户主); this would be a second one.")))
    if len(heads) == 1:
        head_sex = str(heads[0][1].get("sex") or "")
        for i, m in active:
            if m.get("relation") == "spouse" and head_sex and str(m.get("sex") or "") == head_sex:
                problems.append(issue(f"{prefix}[{i}].relation", "spouse_same_sex",
                                      _("The spouse and the head of household have the same sex.")))
    seen: dict[str, int] = {}
    for i, m in enumerate(members):
        base = str(m.get("id_base") or "")
        if not base:
            continue
        if base in seen:
            problems.append(issue(f"{prefix}[{i}].id_number", "duplicate_in_household",
                                  _("The same ID number appears twice in this household.")))
        seen[base] = i
    return problems


def check_household(data: Mapping[str, Any]) -> list[FieldIssue]:
    problems = check_phone(data.get("phone") or "", "phone")
    account = (data.get("bank_account") or "").replace(" ", "")
    if account and not BANK_ACCOUNT_RE.match(account):
        problems.append(issue("bank_account", "bank_account", _("A bank account number has 8 to 30 digits.")))
    return problems


def parse_money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return Decimal("0")
    try:
        amount = Decimal(str(value).replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite():
        return None
    return amount


def check_household_year(data: Mapping[str, Any], *, prefix: str = "") -> tuple[list[FieldIssue], dict[str, Any]]:
    problems: list[FieldIssue] = []
    cleaned: dict[str, Any] = dict(data)
    for field_name, list_key in HOUSEHOLD_YEAR_CODE_FIELDS.items():
        problems += check_code(list_key, data.get(field_name), _prefixed(prefix, field_name))
    problems += check_required(data, ("status",), prefix)
    year = data.get("year")
    this_year = timezone.localdate().year
    if year is not None and not (2013 <= int(year) <= this_year + 1):
        problems.append(issue(_prefixed(prefix, "year"), "year_range",
                              _("The year must be between 2013 and %(max)s."), max=this_year + 1))
    for name in INCOME_ITEMS:
        if name not in data:
            continue
        amount = parse_money(data.get(name))
        if amount is None:
            problems.append(issue(_prefixed(prefix, name), "number", _("Enter an amount in yuan, such as 1200.50.")))
        elif amount < 0:
            problems.append(issue(_prefixed(prefix, name), "negative", _("An income item cannot be negative.")))
        elif amount > Decimal("999999999999"):
            problems.append(issue(_prefixed(prefix, name), "too_large", _("This amount is implausibly large.")))
        else:
            cleaned[name] = amount.quantize(Decimal("0.01"))
    status = data.get("status")
    main = data.get("main_cause") or ""
    others = [c for c in (data.get("other_cause_1") or "", data.get("other_cause_2") or "") if c]
    if status in POOR_STATUSES and not main:
        problems.append(issue(_prefixed(prefix, "main_cause"), "required",
                              _("A poor or exited household has exactly one main cause of poverty.")))
    if main and main in others:
        field_name = "other_cause_1" if (data.get("other_cause_1") or "") == main else "other_cause_2"
        problems.append(issue(_prefixed(prefix, field_name), "same_as_main",
                              _("An other cause must differ from the main cause.")))
    if len(others) == 2 and others[0] == others[1]:
        problems.append(issue(_prefixed(prefix, "other_cause_2"), "duplicate",
                              _("The two other causes must differ.")))
    if (data.get("other_cause_2") or "") and not (data.get("other_cause_1") or ""):
        problems.append(issue(_prefixed(prefix, "other_cause_1"), "order",
                              _("Fill in the first other cause before the second.")))
    if status == "monitored" and not data.get("monitoring_type"):
        problems.append(issue(_prefixed(prefix, "monitoring_type"), "required",
                              _("A monitored household needs its monitoring type.")))
    risks = data.get("risks") or []
    if not isinstance(risks, list) or len(risks) > 5:
        problems.append(issue(_prefixed(prefix, "risks"), "risks", _("List at most five risks.")))
    else:
        for r in risks:
            problems += check_code("risk_type", r, _prefixed(prefix, "risks"))
    if data.get("danger_level") and data.get("danger_level") in ("C", "D") and data.get("is_dangerous_house") is False:
        problems.append(issue(_prefixed(prefix, "is_dangerous_house"), "danger_level",
                              _("A grade C or D house is a dangerous house.")))
    return problems, cleaned


def check_person_year(data: Mapping[str, Any], *, prefix: str = "") -> list[FieldIssue]:
    problems: list[FieldIssue] = []
    for field_name, list_key in PERSON_YEAR_CODE_FIELDS.items():
        problems += check_code(list_key, data.get(field_name), _prefixed(prefix, field_name))
    for name, message in (("work_months", _("Months worked lie between 0 and 12.")),
                          ("public_welfare_months", _("Months lie between 0 and 12."))):
        months = data.get(name)
        if months in (None, ""):
            continue
        try:
            valid = 0 <= int(str(months)) <= 12
        except ValueError:
            valid = False
        if not valid:
            problems.append(issue(_prefixed(prefix, name), "months", message))
    return problems
