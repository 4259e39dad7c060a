"""Helpers for workflow tests: households in a known state, evidence files, and a procedure run."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from jingzhun.registry.tests.factories import member, register
from jingzhun.testing.personas import VILLAGE_A

GENERAL_YEAR = {"status": "general", "main_cause": "1", "wage_income": "3000", "business_income": "600"}
START = dt.date(2024, 3, 4)  # a Monday; the holiday calendar knows 2024


def households(actor: Any, count: int, *, area_code: str = VILLAGE_A, year: int = 2024,
               year_data: dict[str, Any] | None = None, group: str = "一组") -> list[Any]:
    """``count`` households of two members, not poor in ``year`` (status 一般农户)."""
    out = []
    for n in range(count):
        out.append(register(actor, area_code=area_code, year=year, group_name=group,
                            year_data=dict(year_data or GENERAL_YEAR),
                            members=[member("head", "1", name=f"户主{n:02d}"), member("spouse", "2", name=f"配偶{n:02d}")]))
    return out


def village_notice(personas: Any, homes: list[Any], *, body: str = "", reasons: dict[int, str] | None = None,
                   contact_phone: str = "0753-8881234") -> Any:
    """Identification (2014) for ``homes`` taken to the village notice (step 4) and posted there by the
    village officer on ``START``; ``reasons`` by household id."""
    from jingzhun.workflow import services

    village = personas.village_officer
    cases = services.cases_start(actor=village, procedure_key="identification_2014", year=2024,
                                 household_ids=[h.pk for h in homes], today=START)
    case_ids = [c.pk for c in cases]
    services.cases_act(actor=village, case_ids=case_ids, action="approve", at_position=2, today=START,
                       evidence=[upload("minutes")])
    services.cases_act(actor=village, case_ids=case_ids, action="approve", at_position=3, today=START)
    by_household = {c.household_id: c.pk for c in cases}
    return services.notice_publish(
        actor=village, case_ids=case_ids, at_position=4, contact_name="黄花村委会", contact_phone=contact_phone,
        body=body, reasons={by_household[h]: text for h, text in (reasons or {}).items()}, today=START,
    )


def upload(kind: str, name: str = "记录.pdf", data: bytes = b"%PDF-1.4 minutes") -> tuple[str, Any]:
    return kind, SimpleUploadedFile(name, data, content_type="application/pdf")
