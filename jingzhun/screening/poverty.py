"""Poverty measures of a snapshot by area: incidence, FGT P0/P1/P2 and Alkire–Foster.

The household table comes from the engine (``household_f``: income per person, the county's lines,
the members' aggregates); the arithmetic is ``measures`` (pure, vectorised). Areas are grouped at a
level given by the number of code digits (6 county, 9 township, 12 village).

* Incidence (贫困发生率, domain §3.2): poor persons (households of status 贫困户/预脱贫/返贫) over the
  denominator — the registry's persons of the area, or the population given for the area in the
  snapshot's ``populations`` table (e.g. the agricultural household-registered population).
* FGT over persons (households weighted by their members), income per person against the line
  (``poverty_line`` or ``monitoring_line``).
* Alkire–Foster over persons with the dimension set (default 两不愁三保障, k = 0.4), decomposed by area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
import pyarrow as pa

from jingzhun.screening.engines import open_engine
from jingzhun.screening.measures import (
    DEFAULT_DIMENSION_SET,
    AFResult,
    Decomposition,
    DimensionSet,
    decompose_from_deprivations,
    deprivation_sql,
    fgt_by_group,
)
from jingzhun.screening.runner import prepare
from jingzhun.screening.snapshot import Snapshot

LINES = ("poverty_line", "monitoring_line")
POOR = "status IN ('poor', 'pre_exit', 'returned')"


@dataclass
class MeasuresReport:
    year: int
    line: str
    dimensions: DimensionSet
    by_area: pl.DataFrame  # one row per area: incidence, P0–P2, H, A, M0–M2, contribution
    total: dict[str, Any]
    poverty: AFResult
    decomposition: Decomposition
    denominator: str  # "registry" or "population table"


def household_table(snapshot: Snapshot, *, line: str, dimensions: DimensionSet, level: int,
                    engine_name: str = "duckdb") -> pa.Table:
    if line not in LINES:
        raise ValueError(f"line must be one of {', '.join(LINES)}")
    engine = open_engine(engine_name)
    try:
        prepare(engine, snapshot, lazy=True)
        return engine.query(
            f"SELECT SUBSTR(area_code, 1, {int(level)}) AS area, n_members, per_capita_net_income, {line} AS line, "
            f"CASE WHEN {POOR} THEN n_members ELSE 0 END AS poor_persons, "
            f"{deprivation_sql(dimensions, line_column=line)} FROM household_f")
    finally:
        engine.close()


def poverty_measures(snapshot: Snapshot, *, level: int = 12, line: str = "poverty_line",
                     dimensions: DimensionSet = DEFAULT_DIMENSION_SET, engine_name: str = "duckdb") -> MeasuresReport:
    table = pl.from_arrow(household_table(snapshot, line=line, dimensions=dimensions, level=level,
                                          engine_name=engine_name))
    assert isinstance(table, pl.DataFrame)
    table = table.with_columns(pl.col("n_members").cast(pl.Float64))
    populations = pl.from_arrow(snapshot.table("populations"))
    assert isinstance(populations, pl.DataFrame)
    fgt = fgt_by_group(table["area"], table["per_capita_net_income"], table["line"], table["n_members"])
    counts = table.group_by("area").agg(pl.col("poor_persons").sum(), pl.col("n_members").sum().alias("persons"),
                                        pl.len().alias("households_all"))
    if populations.height:
        populations = populations.with_columns(pl.col("area_code").str.slice(0, level).alias("area")) \
            .group_by("area").agg(pl.col("population").sum())
        counts = counts.join(populations, on="area", how="left")
        counts = counts.with_columns(pl.coalesce("population", "persons").alias("denominator"))
        denominator = "population table"
    else:
        counts = counts.with_columns(pl.col("persons").alias("denominator"))
        denominator = "registry"
    counts = counts.with_columns((100.0 * pl.col("poor_persons") / pl.col("denominator")).alias("incidence"))
    deprived = table.select([c for c in table.columns if c.startswith("d_")]).to_numpy().astype(bool)
    gap_columns = {f"g_{d.key}": j for j, d in enumerate(dimensions.dimensions)}
    gaps = None
    if any(c in table.columns for c in gap_columns):
        import numpy as np

        gaps = np.full(deprived.shape, np.nan)
        for column, j in gap_columns.items():
            if column in table.columns:
                gaps[:, j] = table[column].cast(pl.Float64).to_numpy()
    decomposition = decompose_from_deprivations(table["area"], deprived, dimensions.weights, dimensions.k,
                                                gaps=gaps, unit_weights=table["n_members"], keys=dimensions.keys)
    af = decomposition.to_polars().rename({"group": "area"})
    by_area = (counts.join(fgt.rename({"group": "area"}).drop("persons"), on="area", how="left")
               .join(af.drop(["units", "N"]), on="area", how="left").sort("area"))
    poor_total = int(counts["poor_persons"].sum())
    denominator_total = float(counts["denominator"].sum())
    total = {"households": table.height, "persons": int(table["n_members"].sum()), "poor_persons": poor_total,
             "incidence": 100.0 * poor_total / denominator_total if denominator_total else None}
    for alpha in ("P0", "P1", "P2"):
        persons = fgt["persons"]
        total[alpha] = float((fgt[alpha] * persons).sum() / persons.sum()) if persons.sum() else 0.0
    return MeasuresReport(year=snapshot.year, line=line, dimensions=dimensions, by_area=by_area, total=total,
                          poverty=decomposition.total, decomposition=decomposition, denominator=denominator)
