"""The demo county: real 广东省 梅州市 平远县 with generated townships, villages and households,
one account per role and level, and a few households registered through the services (so the
audit log and the history pages have entries)."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from jingzhun.accounts.models import User
from jingzhun.accounts.roles import Role
from jingzhun.accounts.services import user_create
from jingzhun.areas import codes
from jingzhun.areas.models import Area, AreaLevel
from jingzhun.registry import idcard
from jingzhun.registry.bulk import load_generated
from jingzhun.registry.models import Household
from jingzhun.registry.services import household_register
from jingzhun.synthetic.generator import write_registry

DEMO_COUNTY = "441426000000"
DEMO_PASSWORD = "jingzhun-demo-2026"  # noqa: S105 (printed for the demo on purpose)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    area: str


def build_demo(*, persons: int = 20_000, seed: int = 2026, progress: Any = None) -> dict[str, Any]:
    """Create the demo county (skipped when it already has households) and its accounts."""
    created = 0
    if not _demo_households().exists():
        with tempfile.TemporaryDirectory() as tmp:
            write_registry(persons=persons, seed=seed, out=Path(tmp), county=DEMO_COUNTY)
            counts = load_generated(tmp, progress=progress)
            created = counts["persons"]
    logins = _ensure_accounts()
    if not _demo_households().filter(household_number__endswith="9001").exists():
        _register_examples()
    return {"persons_created": created, "logins": logins, "password": DEMO_PASSWORD}


def _demo_households():  # type: ignore[no-untyped-def]
    low, high = codes.code_range(DEMO_COUNTY)
    return Household.objects.filter(area_id__gte=low, area_id__lte=high)


def _first(level: int) -> Area:
    low, high = DEMO_COUNTY[:6] + "000001", DEMO_COUNTY[:6] + "999999"
    return Area.objects.filter(level=level, code__gte=low, code__lte=high).order_by("code").first()  # type: ignore[return-value]


def _ensure_accounts() -> list[DemoLogin]:
    village = _first(AreaLevel.VILLAGE)
    township = _first(AreaLevel.TOWNSHIP)
    specs = [
        ("admin", "", DEMO_COUNTY, "系统管理员 Administrator", True),
        ("county_admin", Role.COUNTY_ADMIN, DEMO_COUNTY, "平远县管理员", False),
        ("county_officer", Role.COUNTY_OFFICER, DEMO_COUNTY, "平远县业务员", False),
        ("township_reviewer", Role.TOWNSHIP_REVIEWER, township.code, f"{township.name}审核员", False),
        ("village_officer", Role.VILLAGE_OFFICER, village.code, f"{village.name}信息员", False),
        ("cadre", Role.CADRE, village.code, "帮扶责任人", False),
        ("evaluator", Role.EVALUATOR, DEMO_COUNTY, "第三方评估", False),
        ("auditor", Role.AUDITOR, DEMO_COUNTY, "审计人员", False),
    ]
    logins = []
    for username, role, area_code, display, superuser in specs:
        if not User.objects.filter(username=username).exists():
            user_create(actor=None, username=username, password=DEMO_PASSWORD, role=role,
                        scope_codes=[] if superuser else [area_code], display_name=display, is_superuser=superuser)
        area = Area.objects.get(code=area_code)
        logins.append(DemoLogin(username, str(Role(role).label) if role else "superuser", f"{area.name} {area.code}"))
    return logins


@transaction.atomic
def _register_examples() -> None:
    """A few households entered through the service, as a village officer would."""
    officer = User.objects.get(username="village_officer")
    village = _first(AreaLevel.VILLAGE)
    births = [(dt.date(1968, 4, 2), "1"), (dt.date(1971, 9, 15), "2"), (dt.date(2009, 1, 20), "1")]
    ids = [idcard.make_resident_id("441426", birth, 90 + i, sex) for i, (birth, sex) in enumerate(births)]
    household_register(
        actor=officer, area_code=village.code, household={"group_name": "03组", "phone": "13902261234"},
        members=[
            {"name": "林国平", "relation": "head", "id_number": ids[0]},
            {"name": "张秀梅", "relation": "spouse", "id_number": ids[1]},
            {"name": "林浩然", "relation": "son", "id_number": ids[2]},
        ],
        year=2024,
        year_data={"status": "monitored", "monitoring_type": "edge", "main_cause": "1", "other_cause_1": "3",
                   "wage_income": "14000", "business_income": "3000", "business_expense": "800",
                   "compliant_out_of_pocket": "9000", "risks": ["illness"]},
    )
    # Give it a recognisable number so a second run can tell it exists.
    Household.objects.filter(head_name="林国平", area=village).update(household_number=village.code + "9001")
