"""Helpers for funds tests: projects, funds and a project taken through the library procedure, all
made through the services (so every test also exercises the rules it relies on)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from jingzhun.funds import services
from jingzhun.funds.models import Fund, Project
from jingzhun.testing.personas import COUNTY, VILLAGE_A
from jingzhun.workflow import services as workflow
from jingzhun.workflow.models import Case, CaseStatus, Notice, NoticeStatus

START = dt.date(2024, 3, 4)  # a Monday; the holiday calendar knows 2024
DAY = dt.timedelta(days=1)
CONTACT = {"contact_name": "大柘镇人民政府", "contact_phone": "0753-8881234"}
_numbers = itertools.count(1)


def project_data(**overrides: Any) -> dict[str, Any]:
    data = {"name": "黄花村光伏扶贫电站", "kind": "industry", "area_code": VILLAGE_A, "year": 2024,
            "content": "在村委会屋顶建设100千瓦分布式光伏电站，发电收益用于村集体和贫困户分红。",
            "planned_start": "2024-04-01", "planned_end": "2024-09-30", "responsible_unit": "大柘镇人民政府",
            "responsible_person": "李建华", "responsible_phone": "13902261234",
            "expected_benefit": "年发电收益约10万元", "linkage": "收益的60%用于贫困户分红，40%用于公益岗位"}
    data.update(overrides)
    return data


def project(actor: Any, *, budget: dict[str, Any] | None = None, **overrides: Any) -> Project:
    """A draft project with a budget (default: 300,000 central + 20,000 self-raised)."""
    made = services.project_save(actor=actor, data=project_data(**overrides), today=START)
    services.project_budget_set(actor=actor, project_id=made.pk,
                                amounts=budget if budget is not None else {"central": "300000", "self_raised": "20000"})
    made.refresh_from_db()
    return made


def submit(actor: Any, made: Project, *, today: dt.date = START) -> Project:
    """Submit ``made`` to the library procedure and refresh it (its case, its status)."""
    services.project_submit_to_library(actor=actor, project_id=made.pk, today=today)
    made.refresh_from_db()
    return made


def _close(actor: Any, notice: Notice) -> dt.date:
    day = notice.ends_on + DAY
    workflow.notice_close(actor=actor, notice_id=notice.pk, today=day)
    return day


def library_steps(personas: Any, made: Project, *, today: dt.date = START, upto: int = 99, by: Any = None) -> dt.date:
    """Take a submitted village project through its library procedure (positions 2–7) as far as
    ``upto``: each notice posted by the level's officer (or ``by``, a superuser, for every step),
    closed the day after its last day. Returns the date the last act happened."""
    made.refresh_from_db()
    case = Case.objects.get(pk=made.library_case_id)
    village, township, county = by or personas.village_officer, by or personas.township_reviewer, \
        by or personas.county_officer
    plan = [(2, village, "notice"), (3, township, "approve"), (4, township, "notice"), (5, county, "approve"),
            (6, county, "approve"), (7, county, "notice")]
    for position, actor, act in plan:
        case.refresh_from_db()
        if position > upto or case.status != CaseStatus.OPEN:
            break
        assert case.position == position, (case.position, position)
        if act == "approve":
            workflow.cases_act(actor=actor, case_ids=[case.pk], action="approve", at_position=position, today=today)
        else:  # post the notice (unless a test posted it already) and close it after its last day
            notice = Notice.objects.filter(status=NoticeStatus.OPEN, entries__case=case, entries__withdrawn=False).first()
            if notice is None:
                notice = workflow.notice_publish(actor=actor, case_ids=[case.pk], at_position=position, today=today,
                                                 **CONTACT)
            today = _close(actor, notice)
    return today


def in_library(personas: Any, *, by: Any = None, **overrides: Any) -> tuple[Project, dt.date]:
    """A village project entered and submitted by village A's officer (or ``by``, a superuser, who
    then acts at every step) and taken into the library; with the day it entered."""
    made = project(by or personas.village_officer, **overrides)
    submit(by or personas.village_officer, made)
    day = library_steps(personas, made, by=by)
    made.refresh_from_db()
    return made, day


def fund(actor: Any, *, source: str = "central", amount: Any = "500000", area_code: str = COUNTY,
         received_on: dt.date = START, year: int = 2024, document_number: str = "") -> Fund:
    number = document_number or f"平财农〔2024〕{next(_numbers)}号"
    return services.fund_receive(actor=actor, source=source, year=year, document_number=number, area_code=area_code,
                                 amount=amount, received_on=received_on, today=received_on)
