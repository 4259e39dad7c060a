"""One definition, three engines: DuckDB, Spark (local mode) and the record-by-record Python
interpreter find exactly the same hits, with the same values, on the same data.

The data: a generated village (realistic) plus every rule's hit and miss cases of the year (so
that every rule has something to find), in one snapshot.
"""

from __future__ import annotations

from collections import Counter

import pyarrow as pa
import pytest

from jingzhun.screening import catalogue
from jingzhun.screening.engines import open_engine
from jingzhun.screening.runner import run_catalogue
from jingzhun.screening.snapshot import Snapshot
from jingzhun.screening.tests.cases import all_cases

YEAR = 2024
DEPARTMENT_DATA = tuple(catalogue.base.DATA_SOURCES)


TABLES = ("households", "persons", "household_years", "person_years", "measures", "area_years", "populations",
          "department_matches")
AREA_COLUMNS = {"households": "area_code", "area_years": "code", "populations": "area_code"}


def _moved(table: pa.Table, number: int) -> pa.Table:
    """Each case in a county of its own (same province, so regional rules still apply): village and
    county rules then see the case's households alone."""
    for name in AREA_COLUMNS.values():
        if name in table.schema.names:
            codes = [c[:2] + f"9{number:03d}" + c[6:] if c else c for c in table.column(name).to_pylist()]
            table = table.set_column(table.schema.get_field_index(name), name, pa.array(codes, pa.string()))
    return table


def merged_snapshot(generated_dir) -> Snapshot:
    """The generated village and every case snapshot of ``YEAR`` in one."""
    parts = [{name: Snapshot.from_directory(generated_dir, year=YEAR).table(name) for name in TABLES}]
    number = 0
    for case in all_cases().values():
        for build in (case.hit, case.miss):
            snapshot = build()
            if snapshot.year == YEAR:
                number += 1
                parts.append({name: _moved(snapshot.table(name), number) for name in TABLES})
    tables = {name: pa.concat_tables([p[name] for p in parts], promote_options="permissive") for name in TABLES}
    # Cases give a county its standing once each; keep one row per area and year.
    area_years = tables["area_years"].to_pylist()
    tables["area_years"] = pa.Table.from_pylist(list({(r["code"], r["year"]): r for r in area_years}.values()),
                                                schema=tables["area_years"].schema)
    return Snapshot.from_tables(YEAR, tables)


def hits_of(engine_name: str, snapshot: Snapshot) -> Counter:
    """Every hit row (values rounded to 4 decimals), counted: the same unit may be hit twice (two
    members with one ID number)."""
    rules = catalogue.select(year=YEAR, available_data=DEPARTMENT_DATA)
    engine = open_engine(engine_name)
    try:
        hits = run_catalogue(snapshot, rules, engine).hits.to_pylist()
    finally:
        engine.close()
    return Counter(tuple(round(v, 4) if isinstance(v, float) else v for v in row.values()) for row in hits)


@pytest.fixture(scope="module")
def snapshot(generated_dir) -> Snapshot:
    return merged_snapshot(generated_dir)


@pytest.fixture(scope="module")
def duckdb_hits(snapshot):
    return hits_of("duckdb", snapshot)


def test_every_rule_with_a_case_of_the_year_hits_in_the_merged_data(duckdb_hits):
    of_the_year = [rule_id for rule_id, case in all_cases().items() if case.hit().year == YEAR]
    found = {row[0] for row in duckdb_hits}
    assert len(of_the_year) > 100
    assert [r for r in of_the_year if r not in found] == []


def test_python_interpreter_finds_the_same_hits(snapshot, duckdb_hits):
    assert hits_of("python", snapshot) == duckdb_hits


def test_spark_finds_the_same_hits(snapshot, duckdb_hits):
    assert hits_of("spark", snapshot) == duckdb_hits
