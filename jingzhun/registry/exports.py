"""Exports of scoped household lists: masked for roles without ``registry.view_sensitive``,
neutralised against spreadsheet formula injection, and audited."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden
from jingzhun.registry import codelists, privacy

EXPORTED = register_action("registry.households.exported", _("Household list exported"))
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADERS = (
    ("household_number", "户编号"), ("area_code", "行政区划代码"), ("area_name", "行政村"), ("group_name", "村民小组"),
    ("head_name", "户主姓名"), ("head_id_number", "户主证件号码"), ("member_count", "家庭人口数"),
    ("phone", "联系电话"), ("bank_account", "银行账号"), ("status", "户状态"),
)


def neutralise(value: Any) -> Any:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _rows(actor: Any, households: Any, year: int | None) -> Iterator[list[Any]]:
    from jingzhun.registry.models import HouseholdYear, Person

    for start in range(0, 10**12, 2000):
        page = list(households.select_related("area")[start:start + 2000])
        if not page:
            return
        ids = [h.pk for h in page]
        heads = dict(Person.objects.filter(household_id__in=ids, relation="head", status="active")
                     .values_list("household_id", "id_number"))
        statuses = dict(HouseholdYear.objects.filter(household_id__in=ids, year=year).values_list("household_id", "status")) if year else {}
        for h in page:
            yield [neutralise(v) for v in (
                h.household_number, h.area_id, h.area.name, h.group_name, h.head_name,
                privacy.shown_id(actor, heads.get(h.pk, "")), h.member_count,
                privacy.shown_phone(actor, h.phone), privacy.shown_account(actor, h.bank_account),
                codelists.label("household_status", statuses.get(h.pk, ""), "zh-hans"),
            )]


def households_csv(*, actor: Any, households: Any, year: int | None = None, filters: dict[str, Any] | None = None,
                   encoding: str = "utf-8-sig") -> Iterator[bytes]:
    """Stream a CSV of ``households`` (already scoped by a selector). The export is audited before the
    first byte is sent, with the filters and whether the data were masked."""
    if not can(actor, Capability.EXPORT):
        raise ActionForbidden()
    total = households.count()
    with transaction.atomic():
        audit_record(actor=actor, action=EXPORTED, target_type="registry.households", target_id="list",
                     after={"rows": total, "filters": filters or {}, "masked": not privacy.sees_sensitive(actor),
                            "format": "csv"})

    def stream() -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([zh for _key, zh in HEADERS])
        first = True
        for row in _rows(actor, households, year):
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield _encode(buffer, encoding, first)
                first = False
        yield _encode(buffer, encoding, first)

    return stream()


def _encode(buffer: io.StringIO, encoding: str, first: bool) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    if encoding == "utf-8-sig" and not first:
        return text.encode("utf-8")
    return text.encode(encoding, errors="replace")
