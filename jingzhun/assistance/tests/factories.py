"""Helpers for assistance tests: a unit and cadres registered through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jingzhun.assistance import services
from jingzhun.registry.tests.factories import valid_id
from jingzhun.testing.personas import COUNTY, VILLAGE_A


def unit(actor: Any, name: str = "平远县农业农村局", *, villages: tuple[str, ...] = (VILLAGE_A,)) -> Any:
    return services.unit_save(actor=actor, name=name, level="county", area_code=COUNTY, village_codes=villages)


def cadre(actor: Any, unit_obj: Any, *, name: str = "刘干部", area_code: str = VILLAGE_A, n: int = 0) -> Any:
    return services.cadre_register(actor=actor, data={
        "name": name, "id_number": valid_id(dt.date(1980, 1, 1) + dt.timedelta(days=n), "1"),
        "phone": "13800001111", "unit_id": unit_obj.pk, "area_code": area_code})
