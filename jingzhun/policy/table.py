"""Many parameters for many areas at once: the table the screening engine joins on.

``resolve_table`` applies the rule of ``selectors.policy_resolve`` (nearest region with a row, then
the latest year not after the requested one) to every (area, kind) pair from one list of rows, so
a run over a province resolves thousands of counties with one query. ``rows_from_database`` reads
the rows from ``PolicyParameter`` (a kind without any national row there takes the shipped national
rows); ``rows_from_defaults`` from ``defaults.json`` (the same values a new database starts with),
for runs without a database — a snapshot on a Spark cluster, the benchmarks.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from jingzhun.areas import codes
from jingzhun.policy.registry import declared

DEFAULTS_FILE = Path(__file__).resolve().parent / "defaults.json"


def rows_from_defaults() -> list[dict[str, Any]]:
    data = json.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    rows = [{"kind": r["kind"], "area_id": r.get("area"), "year": r["year"], "value": Decimal(r["value"])}
            for r in data["parameters"]]
    for province in data["western_provinces"]:
        for kind in ("village_exit_incidence_max", "county_exit_incidence_max"):
            rows.append({"kind": kind, "area_id": province, "year": 2014,
                         "value": Decimal(data["western_exit_incidence_max"])})
    return _with_declared_defaults(rows)


def rows_from_database(kinds: Iterable[str], year: int) -> list[dict[str, Any]]:
    from jingzhun.policy.models import PolicyParameter

    kinds = list(kinds)
    rows = list(PolicyParameter.objects.filter(kind__in=kinds, year__lte=year).values("kind", "area_id", "year", "value"))
    # A kind with no national row in the database (a database emptied and set up again without its
    # data migrations) takes the shipped national rows, so that no rule compares with a missing line.
    national = {r["kind"] for r in rows if r["area_id"] is None}
    rows += [r for r in rows_from_defaults() if r["area_id"] is None and r["kind"] in kinds
             and r["kind"] not in national and r["year"] <= year]
    return _with_declared_defaults(rows)


def _with_declared_defaults(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the declared national default of every registered kind that has no national row."""
    national = {r["kind"] for r in rows if r["area_id"] is None}
    for parameter in declared().values():
        if parameter.kind not in national:
            rows.append({"kind": parameter.kind, "area_id": None, "year": parameter.year, "value": parameter.default})
    return rows


def resolve_table(rows: Iterable[dict[str, Any]], *, kinds: Iterable[str], year: int,
                  area_codes: Iterable[str]) -> dict[str, dict[str, Decimal | None]]:
    """{area code: {kind: value or None}} for every area of ``area_codes``."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["year"] <= year:
            by_kind[row["kind"]].append(row)
    table: dict[str, dict[str, Decimal | None]] = {}
    for code in area_codes:
        values: dict[str, Decimal | None] = {}
        for kind in kinds:
            best = codes.nearest_regional(by_kind.get(kind, ()), code, region=lambda r: r["area_id"],
                                          year=lambda r: r["year"])
            values[kind] = best["value"] if best else None
        table[code] = values
    return table
