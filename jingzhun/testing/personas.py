"""Named test personas and a small area tree shared by every app's tests.

Tree (real county codes, demo townships/villages with NBS-rule codes):
  广东省 440000 › 梅州市 441400 › 平远县 441426 › 大柘镇 441426100 › 村 441426100201 (A), 441426100202 (B)
                                               › 仁居镇 441426101 › 村 441426101201 (C)
                                 › 蕉岭县 441427 › 蕉城镇 441427100 › 村 441427100201 (other county)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jingzhun.accounts.roles import Role
from jingzhun.accounts.services import user_create
from jingzhun.areas.models import Area, AreaLevel

PROVINCE = "440000000000"
CITY = "441400000000"
COUNTY = "441426000000"
TOWNSHIP = "441426100000"
TOWNSHIP_2 = "441426101000"
VILLAGE_A = "441426100201"
VILLAGE_B = "441426100202"
VILLAGE_C = "441426101201"
OTHER_COUNTY = "441427000000"
OTHER_TOWNSHIP = "441427100000"
OTHER_VILLAGE = "441427100201"
PASSWORD = "correct-horse-battery"


def build_demo_tree() -> None:
    rows = [
        (TOWNSHIP, "大柘镇", AreaLevel.TOWNSHIP, COUNTY),
        (TOWNSHIP_2, "仁居镇", AreaLevel.TOWNSHIP, COUNTY),
        (VILLAGE_A, "黄花村", AreaLevel.VILLAGE, TOWNSHIP),
        (VILLAGE_B, "石正村", AreaLevel.VILLAGE, TOWNSHIP),
        (VILLAGE_C, "高峰村", AreaLevel.VILLAGE, TOWNSHIP_2),
        (OTHER_TOWNSHIP, "蕉城镇", AreaLevel.TOWNSHIP, OTHER_COUNTY),
        (OTHER_VILLAGE, "东门村", AreaLevel.VILLAGE, OTHER_TOWNSHIP),
    ]
    for code, name, level, parent in rows:
        Area.objects.get_or_create(code=code, defaults={"name": name, "level": level, "parent_id": parent, "source": "test"})


@dataclass
class Personas:
    village_officer: Any
    village_officer_b: Any
    township_reviewer: Any
    county_officer: Any
    county_admin: Any
    other_county_officer: Any
    evaluator: Any
    cadre: Any
    auditor: Any
    first_secretary: Any
    city_officer: Any
    province_officer: Any


def build_personas() -> Personas:
    build_demo_tree()

    def make(username: str, role: str, scope: list[str]) -> Any:
        return user_create(actor=None, username=username, password=PASSWORD, role=role, scope_codes=scope,
                           display_name=username)

    return Personas(
        village_officer=make("village_a", Role.VILLAGE_OFFICER, [VILLAGE_A]),
        village_officer_b=make("village_b", Role.VILLAGE_OFFICER, [VILLAGE_B]),
        township_reviewer=make("township", Role.TOWNSHIP_REVIEWER, [TOWNSHIP]),
        county_officer=make("county", Role.COUNTY_OFFICER, [COUNTY]),
        county_admin=make("county_admin", Role.COUNTY_ADMIN, [COUNTY]),
        other_county_officer=make("other_county", Role.COUNTY_OFFICER, [OTHER_COUNTY]),
        evaluator=make("evaluator", Role.EVALUATOR, [COUNTY]),
        cadre=make("cadre", Role.CADRE, [VILLAGE_A]),
        auditor=make("auditor", Role.AUDITOR, [COUNTY]),
        first_secretary=make("secretary_a", Role.FIRST_SECRETARY, [VILLAGE_A]),
        city_officer=make("city", Role.CITY_OFFICER, [CITY]),
        province_officer=make("province", Role.PROVINCE_OFFICER, [PROVINCE]),
    )
