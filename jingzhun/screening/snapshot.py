"""A columnar snapshot of the registry for one year: what every engine screens.

The tables and their columns are those ``jingzhun generate`` writes (named like the model fields),
plus three the engines also read:

* ``params`` — one row per county (``county6``) with every policy parameter the rules compare with,
  resolved for the year (``policy.table``);
* ``area_years`` — the standing of poor villages and counties (``areas.AreaYear``);
* ``measures`` — the household's assistance measures of the year (``assistance.Measure``);
* ``department_matches`` — ID numbers found in another department's list (``source``: public
  employees, vehicles, town property, business registry, village cadres; domain §4.12), loaded for
  a comparison (比对); the exclusion rules stay off for the sources not loaded;
* ``populations`` — optional denominators for the incidence (area code → population, e.g. the
  agricultural household-registered population from public security; domain §3.2).

A snapshot is a directory of Parquet files (``write`` / ``from_directory``): that is how it moves
to a Spark cluster — ``jingzhun snapshot --year Y --out DIR``, copy DIR to HDFS or S3, run
``jingzhun screen --snapshot DIR --engine spark`` there. In memory it is a dict of Arrow tables.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from jingzhun.policy import table as policy_table
from jingzhun.screening.parameters import PARAMETER_COLUMNS, PARAMETER_KINDS, PREVIOUS_YEAR_KINDS

REQUIRED = ("households", "persons", "household_years", "person_years")
OPTIONAL_SCHEMAS: dict[str, pa.Schema] = {
    "areas": pa.schema([("code", pa.string()), ("name", pa.string()), ("level", pa.int64()),
                        ("parent_code", pa.string())]),
    "area_years": pa.schema([("code", pa.string()), ("year", pa.int64()), ("standing", pa.string()),
                             ("exit_year", pa.int64())]),
    "measures": pa.schema([("household_number", pa.string()), ("year", pa.int64()), ("kind", pa.string()),
                           ("developmental", pa.bool_()), ("safety_net", pa.bool_()), ("status", pa.string()),
                           ("start_month", pa.int64())]),
    "populations": pa.schema([("area_code", pa.string()), ("population", pa.int64())]),
    "department_matches": pa.schema([("id_number", pa.string()), ("source", pa.string()), ("detail", pa.string())]),
}
TABLES = (*REQUIRED, *OPTIONAL_SCHEMAS, "params")


class SnapshotError(Exception):
    """The directory or tables do not make a snapshot (a table or column missing)."""


@dataclass
class Snapshot:
    """``tables`` maps a table name to an Arrow table or to the path of a Parquet file."""

    year: int
    tables: dict[str, pa.Table | Path] = field(default_factory=dict)
    area_code: str | None = None  # the area it was taken for (None: all of it)
    # Sources whose department lists were loaded into ``department_matches`` (with or without a match):
    # the exclusion rules of these sources run.
    department_sources: tuple[str, ...] = ()

    def table(self, name: str) -> pa.Table:
        value = self.tables[name]
        return pq.read_table(value) if isinstance(value, Path) else value

    def counties(self) -> list[str]:
        households = self.tables["households"]
        if isinstance(households, Path):
            import duckdb

            rows = duckdb.sql(f"SELECT DISTINCT SUBSTR(area_code, 1, 6) FROM read_parquet('{households}')").fetchall()
            return sorted(r[0] for r in rows)
        column = households.column("area_code").to_pylist()
        return sorted({c[:6] for c in column if c})

    def persons_count(self) -> int:
        persons = self.tables["persons"]
        if isinstance(persons, Path):
            return pq.ParquetFile(persons).metadata.num_rows
        return persons.num_rows

    def write(self, directory: Path) -> Path:
        """Write every table as Parquet (zstd) and a manifest; returns the directory."""
        directory.mkdir(parents=True, exist_ok=True)
        for name in self.tables:
            pq.write_table(self.table(name), directory / f"{name}.parquet", compression="zstd")
        (directory / "snapshot.json").write_text(
            json.dumps({"year": self.year, "area_code": self.area_code, "tables": sorted(self.tables),
                        "department_sources": list(self.department_sources)}),
            encoding="utf-8")
        return directory

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def from_directory(cls, directory: Path, *, year: int | None = None) -> Snapshot:
        """A directory written by ``write`` or by ``jingzhun generate`` (then ``year`` is needed or
        read from its manifest, and the parameters are the national defaults)."""
        directory = Path(directory)
        manifest = {}
        for name in ("snapshot.json", "manifest.json"):
            if (directory / name).exists():
                manifest = json.loads((directory / name).read_text(encoding="utf-8"))
                break
        year = year or manifest.get("year")
        if not year:
            raise SnapshotError(f"{directory}: no year given and none in a manifest / 未指定年度")
        tables: dict[str, pa.Table | Path] = {}
        for name in REQUIRED:
            path = directory / f"{name}.parquet"
            if not path.exists():
                raise SnapshotError(f"{path}: missing / 缺少数据表")
            tables[name] = path
        for name, schema in OPTIONAL_SCHEMAS.items():
            path = directory / f"{name}.parquet"
            tables[name] = path if path.exists() else schema.empty_table()
        snapshot = cls(year=int(year), tables=tables, area_code=manifest.get("area_code"),
                       department_sources=tuple(manifest.get("department_sources", ())))
        params = directory / "params.parquet"
        snapshot.tables["params"] = params if params.exists() else params_table(
            policy_table.rows_from_defaults(), year=int(year), counties=snapshot.counties())
        return snapshot

    @classmethod
    def from_tables(cls, year: int, tables: dict[str, pa.Table], *, parameter_rows: list[dict] | None = None,
                    area_code: str | None = None) -> Snapshot:
        """In-memory tables (tests, the database export). Missing optional tables are empty; the
        parameters come from ``parameter_rows`` (default: the national defaults)."""
        for name in REQUIRED:
            if name not in tables:
                raise SnapshotError(f"table {name} missing / 缺少数据表 {name}")
        full: dict[str, pa.Table | Path] = dict(tables)
        for name, schema in OPTIONAL_SCHEMAS.items():
            full.setdefault(name, schema.empty_table())
        snapshot = cls(year=year, tables=full, area_code=area_code)
        if "params" not in full:
            rows = parameter_rows if parameter_rows is not None else policy_table.rows_from_defaults()
            snapshot.tables["params"] = params_table(rows, year=year, counties=snapshot.counties())
        return snapshot


def params_table(rows: Iterable[dict[str, Any]], *, year: int, counties: Iterable[str]) -> pa.Table:
    """One row per county: ``county6`` and one DOUBLE column per parameter kind (NULL when unset)."""
    counties, rows = list(counties), list(rows)
    codes12 = [c + "000000" for c in counties]
    resolved = policy_table.resolve_table(rows, kinds=PARAMETER_KINDS, year=year, area_codes=codes12)
    previous = policy_table.resolve_table(rows, kinds=PREVIOUS_YEAR_KINDS, year=year - 1, area_codes=codes12)

    def column(table: dict, kind: str) -> list[float | None]:
        return [None if table[c][kind] is None else float(table[c][kind]) for c in codes12]

    columns: dict[str, list[Any]] = {"county6": counties}
    for kind in PARAMETER_KINDS:
        columns[kind] = column(resolved, kind)
    for kind in PREVIOUS_YEAR_KINDS:
        columns[f"{kind}_prev"] = column(previous, kind)
    schema = pa.schema([("county6", pa.string()), *[(k, pa.float64()) for k in PARAMETER_COLUMNS]])
    return pa.table(columns, schema=schema)


def month_index(value: dt.date | dt.datetime | None) -> int | None:
    """Months counted as ``year * 12 + month − 1`` (how the feature tables compare dates)."""
    if value is None:
        return None
    return value.year * 12 + value.month - 1
