"""Exports of scoped project lists: XLSX, or CSV in UTF-8 (with BOM, for Excel) or GBK.

One row per project with its budget by source, what was allocated and paid, and its beneficiary
households' number; headers in Chinese as the national project tables write them. The caller passes
projects from a selector (already limited to the actor's areas). Cells a spreadsheet would read as a
formula are neutralised (``registry.exports.neutralise``); every export needs ``registry.export``
and is audited before the first byte.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.roles import Capability, can
from jingzhun.core.audit import audit_record, register_action
from jingzhun.core.exceptions import ActionForbidden
from jingzhun.core.tables import csv_stream, neutralise, xlsx_bytes
from jingzhun.funds import zh
from jingzhun.funds.library import place_name
from jingzhun.funds.models import FundSource, Project
from jingzhun.funds.money import percent
from jingzhun.funds.selectors import project_money

EXPORTED = register_action("funds.projects.exported", _("Project list exported"))
PAGE = 1000
HEADER = ["年度", "项目名称", "项目类型", "实施地点", "地区代码", "建设内容", "计划开始", "计划完成", "责任单位", "责任人",
          "联系电话", "项目效益", "联农带农机制", "状态", "入库日期",
          *[f"{zh.SOURCE[s]}（元）" for s in FundSource.values],
          "投资合计（元）", "已下达（元）", "已拨付（元）", "拨付率（%）", "受益户数"]


def _date(value: Any) -> str:
    return value.isoformat() if value else ""


def project_rows(*, projects: QuerySet[Project]) -> Iterator[list[Any]]:
    """The header, then one row per project, a page at a time (amounts as text with two decimals)."""
    yield list(HEADER)
    ordered = projects.select_related("area", "area__parent").annotate(households=Count("beneficiaries"))
    for start in range(0, 10**9, PAGE):
        page = list(ordered[start:start + PAGE])
        if not page:
            return
        money = project_money([p.pk for p in page])
        for p in page:
            m = money[p.pk]
            rate = percent(m.disbursed, m.allocated)
            row = [p.year, p.name, zh.KIND.get(p.kind, p.kind), place_name(p.area), p.area_id, p.content,
                   _date(p.planned_start), _date(p.planned_end), p.responsible_unit, p.responsible_person,
                   p.responsible_phone, p.expected_benefit, p.linkage, zh.STATUS.get(p.status, p.status),
                   _date(p.library_on),
                   *[str(m.budget_by_source.get(s, "")) for s in FundSource.values],
                   str(m.budget), str(m.allocated), str(m.disbursed), "" if rate is None else str(rate), p.households]
            yield [neutralise(value) for value in row]


def _audit(actor: Any, projects: QuerySet[Project], filters: dict[str, Any], fmt: str) -> None:
    if not can(actor, Capability.EXPORT):
        raise ActionForbidden()
    with transaction.atomic():
        audit_record(actor=actor, action=EXPORTED, target_type="funds.projects", target_id="list",
                     after={"projects": projects.count(), "filters": filters, "format": fmt})


def projects_csv(*, actor: Any, projects: QuerySet[Project], filters: dict[str, Any] | None = None,
                 encoding: str = "utf-8-sig") -> Iterator[bytes]:
    """Stream the CSV export (``utf-8-sig`` or ``gbk``). Audited before the first byte."""
    if encoding not in ("utf-8-sig", "gbk"):
        raise ValueError(encoding)
    _audit(actor, projects, filters or {}, f"csv/{encoding}")
    return csv_stream(project_rows(projects=projects), encoding=encoding)


def projects_xlsx_bytes(*, actor: Any, projects: QuerySet[Project], filters: dict[str, Any] | None = None) -> bytes:
    """The XLSX export as bytes. Audited."""
    _audit(actor, projects, filters or {}, "xlsx")
    return xlsx_bytes(project_rows(projects=projects), sheet="项目 Projects")
