"""Tiny snapshots for rule tests: a clean household to start from, changed by keyword.

``household(**changes)`` is a household of the year 2024 in village ``VILLAGE`` that no
data-quality rule hits: a couple aged 45 and 43 who work, a son of 10 at primary school, all
healthy and insured, safe house and water, income per person 12,000 yuan, status ``exited``.
Keywords set household-year fields (``per_capita_net_income=3000``); ``members=[...]`` replaces the
members (``member(...)`` builds one); ``previous={...}`` adds last year's record; ``measures=[...]``
the plan's measures. ``snapshot(*households)`` makes the Snapshot with the national defaults.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

import pyarrow as pa

from jingzhun.registry import idcard
from jingzhun.screening.snapshot import OPTIONAL_SCHEMAS, Snapshot

YEAR = 2024
VILLAGE = "441426100201"
COUNTY = "441426"
_counter = itertools.count(1)



def resident_id(birth: dt.date, sex: str, order: int) -> str:
    """A valid 18-digit ID for ``birth`` and ``sex`` ('1' male, '2' female) in 平远县."""
    sequence = (order % 500) * 2 + (1 if sex == "1" else 0)
    body = f"{COUNTY}{birth:%Y%m%d}{sequence:03d}"
    total = sum(int(c) * w for c, w in zip(body, idcard.WEIGHTS, strict=True))
    return body + idcard.CHECK_CHARS[total % 11]


def member(*, relation: str = "head", sex: str = "1", age: int = 45, **changes: Any) -> dict[str, Any]:
    """One member; ``changes`` set person or member-year fields (``health='serious'``)."""
    # Birthdays spread over the year so that generated ID numbers stay unique across many households.
    birth = dt.date(YEAR - age, 1, 1) + dt.timedelta(days=next(_counter) % 300)
    person = {
        "name": "张" + "一二三四五六七八"[next(_counter) % 8], "sex": sex, "id_type": "resident_id",
        "id_number": None, "birth_date": birth, "relation": relation, "ethnicity": "01",
        "political_status": "masses", "phone": "", "is_soldier": False, "speaks_mandarin": True,
        "status": "active",
    }
    working = 16 <= age < 60
    in_school = 6 <= age <= 17
    year_record = {
        "year": YEAR, "health": "healthy",
        "labour_ability": "ordinary" if working else "none",
        "education": "" if in_school else "junior",
        "school_status": ("primary" if age <= 11 else "junior" if age <= 14 else "senior") if in_school else "",
        "out_of_school_reason": "", "work_place": "county" if working else "none",
        "work_months": 10 if working else None,
        "resident_medical_insurance": True, "employee_medical_insurance": False,
        "serious_illness_insurance": True, "resident_pension_insurance": age >= 16,
        "employee_pension_insurance": False, "commercial_medical_insurance": False,
        "dibao": "none", "tekun": "none", "public_welfare_post": "", "public_welfare_months": None,
    }
    for key, value in changes.items():
        if key in person:
            person[key] = value
        elif key in year_record:
            year_record[key] = value
        else:
            raise KeyError(f"member has no field {key}")
    if person["id_number"] is None:
        person["id_number"] = resident_id(person["birth_date"], person["sex"], next(_counter))
    return {"person": person, "year": year_record}


def default_members() -> list[dict[str, Any]]:
    return [member(relation="head", sex="1", age=45, phone="13800138000"),
            member(relation="spouse", sex="2", age=43),
            member(relation="son", sex="1", age=10)]


HOUSEHOLD_YEAR = {
    "status": "exited", "identification_standard": "1", "household_attribute": "general_poor",
    "main_cause": "7", "other_cause_1": "", "other_cause_2": "", "identification_year": 2015, "exit_year": 2018,
    "monitoring_type": "", "monitoring_since": None, "risks": "[]", "elimination_method": "",
    "risk_eliminated_on": None, "no_labour_guaranteed": False, "size_start": 3, "size_end": 3,
    "wage_income": 30000.0, "business_income": 8000.0, "property_income": 0.0,
    "transfer_family_planning": 0.0, "transfer_dibao": 0.0, "transfer_tekun": 0.0, "transfer_pension": 0.0,
    "transfer_eco_compensation": 0.0, "transfer_other": 0.0, "transfer_income": 0.0,
    "business_expense": 2000.0, "claims_income": 0.0, "compliant_out_of_pocket": 0.0,
    "total_income": 38000.0, "net_income": 36000.0, "per_capita_net_income": 12000.0,
    "arable_land_mu": 3.0, "irrigated_land_mu": 2.0, "forest_land_mu": 5.0, "grain_to_forest_mu": 0.0,
    "orchard_mu": 0.0, "pasture_mu": 0.0, "water_surface_mu": 0.0, "in_cooperative": True,
    "led_by_enterprise": False, "production_electricity": True, "living_electricity": True,
    "broadcast_tv": True, "drinking_water_difficult": False, "drinking_water_safe": True, "water_source": "tap",
    "housing_area_m2": 90.0, "house_structure": "brick_concrete", "is_dangerous_house": False,
    "danger_level": "", "renovation_year": None, "sanitary_toilet": True, "distance_to_road_km": 0.5,
    "road_type": "hardened", "fuel_type": "electricity",
}


def household(*, members: list[dict[str, Any]] | None = None, previous: dict[str, Any] | None = None,
              measures: list[dict[str, Any]] | None = None, village: str = VILLAGE, household_phone: str = "",
              **changes: Any) -> dict[str, Any]:
    number = f"H{next(_counter):07d}"
    members = members if members is not None else default_members()
    record = dict(HOUSEHOLD_YEAR)
    for key, value in changes.items():
        if key not in record:
            raise KeyError(f"household year has no field {key}")
        record[key] = value
    if isinstance(record["risks"], list):
        record["risks"] = json.dumps(record["risks"])
    return {"number": number, "village": village, "phone": household_phone, "members": members,
            "year": record, "previous": previous, "measures": measures or []}


def measure(kind: str, *, developmental: bool = False, safety_net: bool = False, status: str = "under_way",
            start: dt.date = dt.date(YEAR, 2, 1)) -> dict[str, Any]:
    return {"kind": kind, "developmental": developmental, "safety_net": safety_net, "status": status,
            "start_month": start.year * 12 + start.month - 1}


def snapshot(*households: dict[str, Any], area_years: list[dict[str, Any]] | None = None,
             populations: list[dict[str, Any]] | None = None, year: int = YEAR,
             parameter_rows: list[dict[str, Any]] | None = None) -> Snapshot:
    household_rows, person_rows, household_years, person_years, measure_rows = [], [], [], [], []
    for h in households:
        head = next((m for m in h["members"] if m["person"]["relation"] == "head"), None)
        household_rows.append({
            "household_number": h["number"], "area_code": h["village"], "phone": h["phone"],
            "member_count": len(h["members"]), "is_relocated": False,
            "head_name": head["person"]["name"] if head else "",
        })
        household_years.append({"household_number": h["number"], "year": year, **h["year"]})
        if h["previous"] is not None:
            household_years.append({"household_number": h["number"], "year": year - 1,
                                    **{**h["year"], **h["previous"]}})
        for m in h["members"]:
            person_rows.append({"household_number": h["number"], **m["person"]})
            person_years.append({"id_number": m["person"]["id_number"], **m["year"], "year": year})
        for item in h["measures"]:
            measure_rows.append({"household_number": h["number"], "year": year, **item})
    tables = {
        "households": pa.Table.from_pylist(household_rows),
        "persons": pa.Table.from_pylist(person_rows, schema=_schema(person_rows, PERSON_TYPES)),
        "household_years": pa.Table.from_pylist(household_years, schema=_schema(household_years, HOUSEHOLD_YEAR_TYPES)),
        "person_years": pa.Table.from_pylist(person_years, schema=_schema(person_years, PERSON_YEAR_TYPES)),
        "measures": pa.Table.from_pylist(measure_rows, schema=OPTIONAL_SCHEMAS["measures"]),
        "area_years": pa.Table.from_pylist(area_years or [], schema=OPTIONAL_SCHEMAS["area_years"]),
        "populations": pa.Table.from_pylist(populations or [], schema=OPTIONAL_SCHEMAS["populations"]),
    }
    return Snapshot.from_tables(year, tables, parameter_rows=parameter_rows)


PERSON_TYPES = {"birth_date": pa.date32(), "is_soldier": pa.bool_(), "speaks_mandarin": pa.bool_()}
PERSON_YEAR_TYPES = {"work_months": pa.int64(), "public_welfare_months": pa.int64(), "year": pa.int64()}
HOUSEHOLD_YEAR_TYPES = {
    "monitoring_since": pa.date32(), "risk_eliminated_on": pa.date32(), "identification_year": pa.int64(),
    "exit_year": pa.int64(), "renovation_year": pa.int64(), "size_start": pa.int64(), "size_end": pa.int64(),
    "year": pa.int64(),
    **{k: pa.float64() for k, v in HOUSEHOLD_YEAR.items() if isinstance(v, float) or k.endswith("_mu")
       or k in ("housing_area_m2", "distance_to_road_km")},
    **{k: pa.bool_() for k, v in HOUSEHOLD_YEAR.items() if isinstance(v, bool)},
    **{k: pa.string() for k, v in HOUSEHOLD_YEAR.items() if isinstance(v, str)},
}
BOOL_PERSON_YEAR = ("resident_medical_insurance", "employee_medical_insurance", "serious_illness_insurance",
                    "resident_pension_insurance", "employee_pension_insurance", "commercial_medical_insurance")
PERSON_YEAR_TYPES.update({k: pa.bool_() for k in BOOL_PERSON_YEAR})


def _schema(rows: list[dict[str, Any]], types: dict[str, pa.DataType]) -> pa.Schema | None:
    if not rows:
        return None
    fields = []
    for key in rows[0]:
        fields.append((key, types.get(key, pa.string())))
    return pa.schema(fields)
