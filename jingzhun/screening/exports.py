"""Exports of scoped screening findings (a drill-down's list): XLSX, or CSV in UTF-8 (with BOM, for
Excel) or GBK.

One row per finding: year, rule, severity, area, household, the unit, the sentence in Chinese, the
status and the note. The caller passes hits from a selector (already limited to the actor's areas).
ID and phone numbers are masked for roles without ``registry.view_sensitive``; cells a spreadsheet
would read as a formula are neutralised (``registry.exports.neutralise``); every export needs
``registry.export`` and is audited before the first byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden
from jingzhun.core.tables import csv_stream, neutralise, xlsx_bytes
from jingzhun.registry import privacy
from jingzhun.screening import presenters
from jingzhun.screening.models import Hit

EXPORTED = register_action("screening.hits.exported", _("Screening findings exported"))
PAGE = 2000
HEADER = ["年度", "规则编号", "规则", "严重程度", "地区代码", "地区", "户编号", "户主", "对象", "说明", "状态", "备注"]


def hit_rows(*, actor: Any, hits: QuerySet[Hit]) -> Iterator[list[Any]]:
    """The header, then one row per finding, a page at a time, in Chinese (as the header)."""
    yield list(HEADER)
    ordered = hits.select_related("household", "person", "area")
    with translation.override("zh-hans"):
        for start in range(0, 10**12, PAGE):
            page = list(ordered[start:start + PAGE])
            if not page:
                return
            for hit in page:
                household = hit.household if hit.household_id else None
                row = [hit.year, hit.rule_id, presenters.rule_name(hit.rule_id), presenters.severity_label(hit.severity),
                       hit.area_id, hit.area.name if hit.area_id else "",
                       household.household_number if household else "", household.head_name if household else "",
                       presenters.unit_label(hit, actor), presenters.sentence(hit, actor), presenters.status_label(hit),
                       presenters.mask_numbers(hit.note, actor)]
                yield [neutralise(value) for value in row]


def _audit(actor: Any, hits: QuerySet[Hit], filters: dict[str, Any], fmt: str) -> None:
    if not can(actor, Capability.EXPORT):
        raise ActionForbidden()
    with transaction.atomic():
        audit_record(actor=actor, action=EXPORTED, target_type="screening.hits", target_id="list",
                     area_code=filters.get("area") or "",
                     after={"hits": hits.count(), "filters": filters, "format": fmt,
                            "masked": not privacy.sees_sensitive(actor)})


def hits_csv(*, actor: Any, hits: QuerySet[Hit], filters: dict[str, Any] | None = None,
             encoding: str = "utf-8-sig") -> Iterator[bytes]:
    """Stream the CSV export (``utf-8-sig`` or ``gbk``). Audited before the first byte."""
    if encoding not in ("utf-8-sig", "gbk"):
        raise ValueError(encoding)
    _audit(actor, hits, filters or {}, f"csv/{encoding}")
    return csv_stream(hit_rows(actor=actor, hits=hits), encoding=encoding)


def hits_xlsx_bytes(*, actor: Any, hits: QuerySet[Hit], filters: dict[str, Any] | None = None) -> bytes:
    """The XLSX export as bytes. Audited."""
    _audit(actor, hits, filters or {}, "xlsx")
    return xlsx_bytes(hit_rows(actor=actor, hits=hits), sheet="筛查发现 Findings")
