"""Exports of scoped household lists, one row per member in the import layout (so an export can be
corrected and imported again): CSV (UTF-8 with BOM, or GBK for Excel) or XLSX.

The caller passes households from a selector (so already limited to the actor's areas). ID numbers,
phones and bank accounts are masked for roles without ``registry.view_sensitive``; cells a
spreadsheet would read as a formula are neutralised; every export is audited before the first byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden
from jingzhun.core.tables import XLSX_CONTENT_TYPE, csv_stream, neutralise, xlsx_bytes, xlsx_write
from jingzhun.registry import codelists, privacy
from jingzhun.registry.models import HouseholdYear, Person, PersonYear

EXPORTED = register_action("registry.households.exported", _("Household list exported"))
PAGE = 2000
__all__ = ["XLSX_CONTENT_TYPE", "households_csv", "households_xlsx", "households_xlsx_bytes", "neutralise"]


def export_columns() -> list[Any]:
    from jingzhun.imports.columns import COLUMNS

    return list(COLUMNS)


def _value(actor: Any, column: Any, household: Any, person: Any, year_record: Any, person_year: Any) -> Any:
    key = column.key
    if key == "household_number":
        return household.household_number
    if key == "area_code":
        return household.area_id
    if key == "phone":
        return privacy.shown_phone(actor, household.phone)
    if key == "bank_account":
        return privacy.shown_account(actor, household.bank_account)
    if key == "id_number":
        return privacy.shown_id(actor, person.id_number)
    if key == "person_phone":
        return privacy.shown_phone(actor, person.phone)
    if key == "year":
        return year_record.year if year_record else ""
    if key == "hh_status":
        return codelists.label("household_status", year_record.status, "zh-hans") if year_record else ""
    if key == "other_causes":
        if not year_record:
            return ""
        return "、".join(codelists.label("poverty_cause", c, "zh-hans") for c in (year_record.other_cause_1, year_record.other_cause_2) if c)
    if key == "health" and not privacy.sees_sensitive(actor):
        return "***"  # health details are personal data
    source = {"household": household, "person": person, "household_year": year_record, "person_year": person_year}[column.entity]
    if source is None:
        return ""
    value = getattr(source, key, "")
    if value is None:
        return ""
    if column.kind == "code":
        return codelists.label(column.code_list, value, "zh-hans")
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "date":
        return value.isoformat()
    if column.kind in ("money", "decimal"):
        return str(value)
    return value


def export_rows(*, actor: Any, households: Any, year: int | None) -> Iterator[list[Any]]:
    """Rows (header first) for ``households``, members in order, yearly fields of ``year`` (or the
    latest year each household has)."""
    columns = export_columns()
    yield [c.zh for c in columns]
    for start in range(0, 10**12, PAGE):
        page = list(households.select_related("area")[start:start + PAGE])
        if not page:
            return
        ids = [h.pk for h in page]
        members: dict[int, list[Any]] = {}
        for person in Person.objects.filter(household_id__in=ids).order_by("household_id", "-status", "id"):
            members.setdefault(person.household_id, []).append(person)
        years: dict[int, Any] = {}
        year_rows = HouseholdYear.objects.filter(household_id__in=ids)
        year_rows = year_rows.filter(year=year) if year else year_rows.order_by("household_id", "year")
        for record in year_rows:
            years[record.household_id] = record  # with no year asked, the latest wins
        person_ids = [p.pk for group in members.values() for p in group]
        person_years: dict[tuple[int, int], Any] = {
            (record.person_id, record.year): record
            for record in PersonYear.objects.filter(person_id__in=person_ids, year__in={y.year for y in years.values()})
        }
        for household in page:
            year_record = years.get(household.pk)
            for person in members.get(household.pk, []):
                person_year = person_years.get((person.pk, year_record.year)) if year_record else None
                yield [neutralise(_value(actor, c, household, person, year_record, person_year)) for c in columns]


def _audit(actor: Any, households: Any, filters: dict[str, Any], fmt: str) -> None:
    if not can(actor, Capability.EXPORT):
        raise ActionForbidden()
    with transaction.atomic():
        audit_record(actor=actor, action=EXPORTED, target_type="registry.households", target_id="list",
                     after={"households": households.count(), "filters": filters, "format": fmt,
                            "masked": not privacy.sees_sensitive(actor)})


def households_csv(*, actor: Any, households: Any, year: int | None = None, filters: dict[str, Any] | None = None,
                   encoding: str = "utf-8-sig") -> Iterator[bytes]:
    """Stream a CSV export (``utf-8-sig`` or ``gbk``). Audited before the first byte."""
    if encoding not in ("utf-8-sig", "gbk"):
        raise ValueError(encoding)
    _audit(actor, households, filters or {}, f"csv/{encoding}")
    return csv_stream(export_rows(actor=actor, households=households, year=year), encoding=encoding)


def households_xlsx(*, actor: Any, households: Any, path: Path, year: int | None = None,
                    filters: dict[str, Any] | None = None) -> Path:
    """Write an XLSX export to ``path`` (via a temporary file, so never half-written). Audited."""
    _audit(actor, households, filters or {}, "xlsx")
    return xlsx_write(export_rows(actor=actor, households=households, year=year), path, sheet="农户名单 Households")


def households_xlsx_bytes(*, actor: Any, households: Any, year: int | None = None,
                          filters: dict[str, Any] | None = None) -> bytes:
    """The XLSX export as bytes, for a web response. Audited."""
    _audit(actor, households, filters or {}, "xlsx")
    return xlsx_bytes(export_rows(actor=actor, households=households, year=year), sheet="农户名单 Households")
