"""Take a snapshot of the database for one year and one area (the columns ``jingzhun generate`` writes).

Read in chunks with the ORM, turned into Arrow column by column: households, members, the
household-year and member-year records of the year and the year before, poor villages' and
counties' standing, the year's assistance measures, the policy parameters of every county present,
and the entries of the department lists loaded for the year whose ID numbers are those of members
(``department_matches``). Money becomes float (yuan), risks the JSON text of the list, dates stay
dates.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import pyarrow as pa
from django.db.models import Q

from jingzhun.accounts.scope import within_area_q
from jingzhun.screening.features import HOUSEHOLD_YEAR_COLUMNS
from jingzhun.screening.parameters import PARAMETER_KINDS, PREVIOUS_YEAR_KINDS
from jingzhun.screening.snapshot import OPTIONAL_SCHEMAS, Snapshot, month_index

CHUNK = 20_000
PERSON_FIELDS = ("name", "sex", "id_type", "id_number", "birth_date", "relation", "ethnicity", "political_status",
                 "phone", "is_soldier", "speaks_mandarin", "status")
PERSON_YEAR_FIELDS = ("health", "labour_ability", "education", "school_status", "out_of_school_reason",
                      "work_place", "work_months", "resident_medical_insurance", "employee_medical_insurance",
                      "serious_illness_insurance", "resident_pension_insurance", "employee_pension_insurance",
                      "commercial_medical_insurance", "dibao", "tekun", "public_welfare_post",
                      "public_welfare_months")
HOUSEHOLD_YEAR_EXTRA = ("monitoring_since", "risks", "risk_eliminated_on")


def _table(names: Sequence[str], rows: Iterable[tuple[Any, ...]], types: dict[str, pa.DataType]) -> pa.Table:
    columns: list[list[Any]] = [[] for _ in names]
    for row in rows:
        for i, value in enumerate(row):
            columns[i].append(value)
    arrays = []
    for name, values in zip(names, columns, strict=True):
        arrays.append(pa.array(values, type=types.get(name)))
    return pa.Table.from_arrays(arrays, names=list(names))


def _convert(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return value


def department_lists_covering(*, year: int, area_code: str) -> Any:
    """The department lists of ``year`` that cover part of ``area_code``: loaded for the area itself,
    for an area above it (a city, a province) or for one below it (a county of a city)."""
    from jingzhun.areas import codes
    from jingzhun.screening.models import DepartmentList

    return DepartmentList.objects.filter(
        within_area_q("area_id", area_code) | Q(area_id__in=codes.parent_candidates(area_code)), year=year)


def department_matches_from_database(*, year: int, area_code: str, persons: Any) -> tuple[pa.Table, tuple[str, ...]]:
    """The entries of the lists covering ``area_code`` in ``year`` whose ID number (its first 18
    characters, upper case) is one of ``persons``' (a queryset of members), and the sources of those
    lists — a source with a list but no match counts: its rules run and find nothing."""
    from django.db.models.functions import Substr, Upper

    from jingzhun.screening.models import DepartmentRecord

    lists = department_lists_covering(year=year, area_code=area_code)
    sources = tuple(sorted(set(lists.values_list("source", flat=True))))
    if not sources:
        return OPTIONAL_SCHEMAS["department_matches"].empty_table(), ()
    bases = persons.order_by().annotate(base=Upper(Substr("id_number", 1, 18))).values("base")
    rows = (DepartmentRecord.objects.filter(department_list__in=lists, id_number__in=bases).order_by()
            .values_list("id_number", "department_list__source", "detail").distinct())
    table = _table(("id_number", "source", "detail"), rows.iterator(chunk_size=CHUNK), {
        "id_number": pa.string(), "source": pa.string(), "detail": pa.string()})
    return table, sources


def snapshot_from_database(*, year: int, area_code: str) -> tuple[Snapshot, dict[str, int]]:
    """The snapshot of ``area_code`` (and everything below) for ``year``, and the database ids of its
    households and members by number (to store hits)."""
    from jingzhun.areas.models import AreaYear
    from jingzhun.assistance.catalogue import KIND_BY_CODE
    from jingzhun.assistance.models import Measure
    from jingzhun.policy.table import rows_from_database
    from jingzhun.registry.models import Household, HouseholdYear, Person, PersonYear

    in_area = within_area_q("area_id", area_code)
    households = Household.objects.filter(in_area, is_active=True)
    household_rows = list(households.values_list("id", "household_number", "area_id", "phone", "member_count",
                                                 "is_relocated", "head_name").iterator(chunk_size=CHUNK))
    ids = {number: pk for pk, number, *_ in household_rows}
    households_table = _table(
        ("household_number", "area_code", "phone", "member_count", "is_relocated", "head_name"),
        (row[1:] for row in household_rows), {"member_count": pa.int64()})

    person_query = Person.objects.filter(household__in=households).order_by()
    person_values = person_query.values_list("id", "household__household_number", *PERSON_FIELDS)
    person_ids: dict[str, int] = {}
    person_rows = []
    for pk, *rest in person_values.iterator(chunk_size=CHUNK):
        person_ids[rest[PERSON_FIELDS.index("id_number") + 1]] = pk
        person_rows.append(rest)
    persons_table = _table(("household_number", *PERSON_FIELDS), person_rows, {"birth_date": pa.date32()})

    year_fields = [c for c in HOUSEHOLD_YEAR_COLUMNS if c != "status"]
    hy_values = (HouseholdYear.objects.filter(household__in=households, year__in=(year, year - 1)).order_by()
                 .values_list("household__household_number", "year", "status", *year_fields, *HOUSEHOLD_YEAR_EXTRA))
    household_years = _table(
        ("household_number", "year", "status", *year_fields, *HOUSEHOLD_YEAR_EXTRA),
        ([_convert(v) for v in row] for row in hy_values.iterator(chunk_size=CHUNK)),
        {"year": pa.int64(), "monitoring_since": pa.date32(), "risk_eliminated_on": pa.date32(),
         "risks": pa.string(), **{c: pa.float64() for c in year_fields if c.endswith(("_income", "_mu", "_m2", "_km"))
                                  or c.startswith("transfer_") or c in ("business_expense", "compliant_out_of_pocket")},
         **{c: pa.int64() for c in ("identification_year", "exit_year", "renovation_year", "size_start", "size_end")}})

    py_values = (PersonYear.objects.filter(person__household__in=households, year=year).order_by()
                 .values_list("person__id_number", "year", *PERSON_YEAR_FIELDS))
    person_years = _table(("id_number", "year", *PERSON_YEAR_FIELDS), py_values.iterator(chunk_size=CHUNK),
                          {"year": pa.int64(), "work_months": pa.int64(), "public_welfare_months": pa.int64()})

    area_years = AreaYear.objects.filter(Q(area__code__startswith=area_code[:6]) | within_area_q("area_id", area_code),
                                         year=year)
    area_years_table = pa.Table.from_pylist(
        [{"code": a.area_id, "year": a.year, "standing": a.standing, "exit_year": a.exit_year}
         for a in area_years], schema=OPTIONAL_SCHEMAS["area_years"])

    measure_rows = []
    for number, kind, status, created in (Measure.objects.filter(plan__household__in=households, plan__year=year)
                                          .values_list("plan__household__household_number", "kind", "status",
                                                       "created_at").iterator(chunk_size=CHUNK)):
        spec = KIND_BY_CODE.get(kind)
        measure_rows.append({"household_number": number, "year": year, "kind": kind,
                             "developmental": bool(spec and spec.developmental),
                             "safety_net": bool(spec and spec.safety_net), "status": status,
                             "start_month": month_index(created)})
    measures = pa.Table.from_pylist(measure_rows, schema=OPTIONAL_SCHEMAS["measures"])

    department_matches, department_sources = department_matches_from_database(
        year=year, area_code=area_code, persons=person_query)

    snapshot = Snapshot.from_tables(year, {
        "households": households_table, "persons": persons_table, "household_years": household_years,
        "person_years": person_years, "area_years": area_years_table, "measures": measures,
        "department_matches": department_matches,
    }, area_code=area_code, parameter_rows=rows_from_database((*PARAMETER_KINDS, *PREVIOUS_YEAR_KINDS), year))
    snapshot.department_sources = department_sources
    return snapshot, {"households": ids, "persons": person_ids}  # type: ignore[dict-item]
