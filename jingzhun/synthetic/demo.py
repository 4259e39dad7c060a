"""The demo county: real 广东省 梅州市 平远县 (441426) with 8 generated townships (its real 镇 names)
and about 60 villages, ~20,000 persons from the generator (fixed seed) loaded with the bulk loader,
one account per role and level, and a few households registered through the services (so the audit
log and the history pages have entries). Idempotent: a second run only makes sure the accounts and
the example households exist."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import Role
from jingzhun.accounts.services import user_create
from jingzhun.areas import codes
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.core.exceptions import render_in
from jingzhun.registry import idcard
from jingzhun.registry.bulk import load_generated
from jingzhun.registry.models import Household, Person
from jingzhun.registry.services import household_register
from jingzhun.synthetic.generator import Layout, write_registry

DEMO_COUNTY = "441426000000"
DEMO_SEED = 2026
DEMO_YEAR = 2024
DEMO_PASSWORD = "jingzhun-demo-2026"  # noqa: S105 (printed for the demo on purpose)
DEMO_TOWNSHIPS = 8
DEMO_VILLAGES = 60
SUPERUSER_LABEL = _("Superuser")


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role_zh: str
    role_en: str
    area: str
    password: str


def demo_layout(persons: int) -> Layout:
    """~60 villages in 8 townships whatever the size (small sizes for tests get small villages)."""
    return Layout(persons_per_village=max(10, -(-persons // DEMO_VILLAGES)),
                  villages_per_township=-(-DEMO_VILLAGES // DEMO_TOWNSHIPS), townships_per_county=DEMO_TOWNSHIPS)


def build_demo(*, persons: int = 20_000, seed: int = DEMO_SEED, progress: Any = False) -> dict[str, Any]:
    """Create the demo county (skipped when it already has households) and its accounts."""
    created = 0
    if not _demo_households().exists():
        with tempfile.TemporaryDirectory(prefix="jingzhun-demo-") as tmp:
            write_registry(persons=persons, seed=seed, out=Path(tmp), county=DEMO_COUNTY, year=DEMO_YEAR,
                           layout=demo_layout(persons))
            counts = load_generated(tmp, progress=progress)
            created = counts["persons"]
    logins = _ensure_accounts()
    examples = _register_examples()
    _start_demo_procedures()
    _build_assistance()
    _build_projects()
    return {"persons_created": created, "examples_created": examples, "logins": logins, "password": DEMO_PASSWORD,
            "households": _demo_households().count()}


def _demo_households():  # type: ignore[no-untyped-def]
    low, high = codes.code_range(DEMO_COUNTY)
    return Household.objects.filter(area_id__gte=low, area_id__lte=high)


def _first(level: int) -> Area:
    low, high = codes.code_range(DEMO_COUNTY)
    area = Area.objects.filter(level=level, code__gt=low, code__lte=high).order_by("code").first()
    if area is None:
        raise RuntimeError("the demo county has no townships or villages")
    return area


def _label(role: str, language: str) -> str:
    return render_in(language, Role(role).label if role else SUPERUSER_LABEL)


def _ensure_accounts() -> list[DemoLogin]:
    village = _first(AreaLevel.VILLAGE)
    township = _first(AreaLevel.TOWNSHIP)
    county = Area.objects.get(code=DEMO_COUNTY)
    specs = [
        ("admin", "", county, "系统管理员", True),
        ("county_admin", Role.COUNTY_ADMIN, county, f"{county.name}管理员", False),
        ("county_officer", Role.COUNTY_OFFICER, county, f"{county.name}业务员", False),
        ("township_reviewer", Role.TOWNSHIP_REVIEWER, township, f"{township.name}审核员", False),
        ("village_officer", Role.VILLAGE_OFFICER, village, f"{village.name}信息员", False),
        ("first_secretary", Role.FIRST_SECRETARY, village, f"{village.name}第一书记", False),
        ("cadre", Role.CADRE, village, "帮扶责任人", False),
        ("evaluator", Role.EVALUATOR, county, "第三方评估人员", False),
        ("auditor", Role.AUDITOR, county, "审计人员", False),
    ]
    logins = []
    for username, role, area, display, superuser in specs:
        if not User.objects.filter(username=username).exists():
            user_create(actor=None, username=username, password=DEMO_PASSWORD, role=role,
                        scope_codes=[] if superuser else [area.code], display_name=display, is_superuser=superuser)
        shown = _("all areas") if superuser else None
        logins.append(DemoLogin(
            username, _label(role, "zh-hans"), _label(role, "en"),
            f"{render_in('zh-hans', shown)} / {render_in('en', shown)}" if shown else f"{area.name} {area.code}",
            DEMO_PASSWORD,
        ))
    return logins


def _example_households(village: Area) -> list[dict[str, Any]]:
    """Three households a village officer would enter: a monitored family with an ill father and a
    senior-school son, an exited elderly couple, and a young family."""
    def rid(birth: dt.date, seq: int, sex: str) -> str:
        return idcard.make_resident_id(DEMO_COUNTY[:6], birth, seq, sex)

    return [
        {"household": {"group_name": "03组", "natural_village": "上屋", "phone": "13902261234",
                       "address": f"平远县{village.parent.name}{village.name}上屋12号"},
         "members": [
             {"name": "林国平", "relation": "head", "id_number": rid(dt.date(1968, 4, 2), 91, "1"), "phone": "13902261234"},
             {"name": "张秀梅", "relation": "spouse", "id_number": rid(dt.date(1971, 9, 15), 91, "2")},
             {"name": "林浩然", "relation": "son", "id_number": rid(dt.date(2008, 1, 20), 91, "1")},
         ],
         "year_data": {"status": "monitored", "monitoring_type": "edge", "main_cause": "1", "other_cause_1": "3",
                       "wage_income": "14000", "business_income": "3000", "business_expense": "800",
                       "transfer_pension": "0", "compliant_out_of_pocket": "9000", "risks": ["illness", "schooling"]}},
        {"household": {"group_name": "05组", "natural_village": "下屋", "phone": "13729873310",
                       "address": f"平远县{village.parent.name}{village.name}下屋3号"},
         "members": [
             {"name": "曾德明", "relation": "head", "id_number": rid(dt.date(1951, 11, 3), 92, "1"), "phone": "13729873310"},
             {"name": "钟桂英", "relation": "spouse", "id_number": rid(dt.date(1954, 2, 28), 92, "2")},
         ],
         "year_data": {"status": "exited", "identification_standard": "2", "household_attribute": "dibao_poor",
                       "main_cause": "8", "other_cause_1": "1", "identification_year": 2014, "exit_year": 2018,
                       "business_income": "4200", "business_expense": "900", "transfer_pension": "4080",
                       "transfer_dibao": "7200", "transfer_other": "3600"}},
        {"household": {"group_name": "07组", "natural_village": "新屋", "phone": "15816652207",
                       "address": f"平远县{village.parent.name}{village.name}新屋28号"},
         "members": [
             {"name": "谢志强", "relation": "head", "id_number": rid(dt.date(1989, 6, 18), 93, "1"), "phone": "15816652207"},
             {"name": "黄丽娟", "relation": "spouse", "id_number": rid(dt.date(1991, 3, 9), 93, "2")},
             {"name": "谢雨欣", "relation": "daughter", "id_number": rid(dt.date(2015, 10, 1), 93, "2")},
             {"name": "谢子轩", "relation": "son", "id_number": rid(dt.date(2019, 5, 26), 93, "1")},
         ],
         "year_data": {"status": "general", "wage_income": "62000", "business_income": "6000",
                       "business_expense": "1500"}},
    ]


@transaction.atomic
def _register_examples() -> int:
    """Register the example households through the service (as the village officer), once."""
    officer = User.objects.get(username="village_officer")
    village = Area.objects.select_related("parent").get(code=officer.scope.get().code)
    created = 0
    for example in _example_households(village):
        head_id = idcard.check_resident_id(example["members"][0]["id_number"]).base
        if Person.objects.filter(id_base=head_id).exists():
            continue
        household_register(actor=officer, area_code=village.code, household=example["household"],
                           members=example["members"], year=DEMO_YEAR, year_data=example["year_data"])
        created += 1
    return created


def _build_assistance() -> None:
    """Units, cadres, a work team, pairings, plans and visits in the demo village (assistance app)."""
    from jingzhun.assistance.demo import build_assistance_demo

    village = User.objects.get(username="village_officer").scope.get()
    build_assistance_demo(village_code=village.code, county_code=DEMO_COUNTY, year=DEMO_YEAR)


def _build_projects() -> None:
    """Projects in the library and funds received, allocated and paid out (funds app)."""
    from jingzhun.funds.demo import build_funds_demo

    build_funds_demo(county_code=DEMO_COUNTY, year=DEMO_YEAR)


def _start_demo_procedures() -> None:
    """Give the demo village's queue something to show, once: twelve households submitted for
    identification with the village notice posted, and a monitoring case past its 15-day limit."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from jingzhun.core import clock
    from jingzhun.registry.models import HouseholdYear
    from jingzhun.workflow import services as workflow
    from jingzhun.workflow.models import Case

    officer = User.objects.get(username="village_officer")
    village = officer.scope.get()
    if Case.objects.filter(area_id=village.code).exists():
        return
    rows = list(HouseholdYear.objects.filter(household__area_id=village.code, year=DEMO_YEAR, status="general")
                .order_by("household__household_number").values_list("household_id", "main_cause")[:13])
    if len(rows) < 2:
        return
    general = [household_id for household_id, _cause in rows]
    today = clock.today()
    cases = workflow.cases_start(actor=officer, procedure_key="identification_2014", year=DEMO_YEAR,
                                 household_ids=general[:-1], today=today,
                                 params_by_subject={h: {"main_cause": cause or "9"} for h, cause in rows})
    ids = [c.pk for c in cases]
    minutes = SimpleUploadedFile("村民代表大会评议记录.txt", "演示：村民代表大会民主评议记录。".encode())
    workflow.cases_act(actor=officer, case_ids=ids, action="approve", at_position=2, today=today,
                       comment="村民代表大会评议通过", evidence=[("minutes", minutes)])
    workflow.cases_act(actor=officer, case_ids=ids, action="approve", at_position=3, today=today)
    workflow.notice_publish(actor=officer, case_ids=ids, at_position=4, contact_name=f"{village.name}村民委员会",
                            contact_phone="0753-8880000", today=today)
    workflow.cases_start(actor=officer, procedure_key="monitoring_2021", year=DEMO_YEAR, household_ids=general[-1:],
                         params={"monitoring_type": "sudden_hardship", "risks": ["accident"]},
                         clue_on=today - dt.timedelta(days=20), today=today)
