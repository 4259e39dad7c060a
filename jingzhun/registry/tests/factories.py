"""Factories for registry tests: valid ID numbers and households registered through the service."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import factory

from jingzhun.registry import idcard
from jingzhun.registry.models import CodeItem
from jingzhun.registry.services import household_register
from jingzhun.testing.personas import VILLAGE_A

_sequence = itertools.count(1)


def valid_id(birth: dt.date = dt.date(1970, 5, 17), sex: str = "1", region: str = "441426") -> str:
    """A fresh valid 18-digit ID number (unique within a test run)."""
    n = next(_sequence)
    birth = birth + dt.timedelta(days=n // 100)
    return idcard.make_resident_id(region, birth, n % 100, sex)


def member(relation: str = "head", sex: str = "1", birth: dt.date = dt.date(1970, 5, 17), **extra: Any) -> dict[str, Any]:
    id_number = valid_id(birth, sex)
    data = {"name": extra.pop("name", "王建国" if sex == "1" else "李秀英"), "relation": relation,
            "id_number": id_number, "sex": sex}
    data.update(extra)
    return data


def register(actor: Any, *, area_code: str = VILLAGE_A, members: list[dict[str, Any]] | None = None,
             year: int | None = 2024, year_data: dict[str, Any] | None = None, **household: Any):  # type: ignore[no-untyped-def]
    members = members or [member("head", "1"), member("spouse", "2"), member("son", "1", dt.date(2008, 3, 1), name="王小明")]
    year_data = year_data if year_data is not None else {
        "status": "poor", "identification_standard": "1", "household_attribute": "general_poor",
        "main_cause": "1", "other_cause_1": "7", "wage_income": "6000", "business_income": "2400",
        "business_expense": "600", "transfer_dibao": "1200",
    }
    return household_register(actor=actor, area_code=area_code, members=members, household=household,
                              year=year, year_data=year_data)


class CodeItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CodeItem

    code_list_id = "poverty_cause"
    code = factory.Sequence(lambda n: f"x{n}")
    label_zh = factory.Sequence(lambda n: f"测试{n}")
    label_en = factory.Sequence(lambda n: f"test {n}")
