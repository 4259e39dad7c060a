"""Policy simulation: what a rule would find under other parameter values, per area.

``sweep`` evaluates one rule (by default MON-01, income below the monitoring line) for every value
of one parameter (say the monitoring line from 6,000 to 9,000 in steps of 100) in one query: the
household table is crossed with the values, the parameter column replaced by each value. Per area
and value: units the rule would find, their persons, and how many would enter or leave compared
with the parameter in force. ``compare`` does the same for two whole parameter sets side by side.
Runs on DuckDB over the snapshot; nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from jingzhun.screening import catalogue
from jingzhun.screening.catalogue.base import POPULATIONS, Rule, Scope
from jingzhun.screening.engines import open_engine
from jingzhun.screening.features import FEATURE_TABLE
from jingzhun.screening.parameters import PARAMETER_COLUMNS
from jingzhun.screening.runner import prepare
from jingzhun.screening.snapshot import Snapshot

MAX_VALUES = 400


class SimulationError(ValueError):
    """A parameter the rule does not read, too many values, or a rule that cannot be simulated."""


@dataclass
class SweepResult:
    rule: Rule
    parameter: str
    values: list[float]
    table: pl.DataFrame  # area, value, units, persons, enter, leave, enter_persons, leave_persons
    totals: pl.DataFrame  # value, units, persons, enter, leave (all areas)


def _condition(rule: Rule) -> str:
    condition = f"({rule.when})"
    if rule.population:
        condition = "(" + " OR ".join(f"({POPULATIONS[p][0]})" for p in rule.population) + f") AND {condition}"
    return condition


def _substitute(sql: str, replacements: dict[str, str]) -> str:
    for parameter, replacement in replacements.items():
        sql = re.sub(rf"\b{re.escape(parameter)}\b", replacement, sql)
    return sql


def _rule(rule_id: str, parameters: list[str]) -> Rule:
    rule = catalogue.RULES_BY_ID.get(rule_id)
    if rule is None:
        raise SimulationError(f"未知规则 {rule_id} / unknown rule {rule_id}")
    if rule.scope not in (Scope.HOUSEHOLD, Scope.PERSON):
        raise SimulationError(f"{rule_id}: 只能模拟户或人员规则 / only household and person rules can be simulated")
    for parameter in parameters:
        if parameter not in PARAMETER_COLUMNS:
            raise SimulationError(f"未知参数 {parameter} / unknown parameter {parameter}")
        if not re.search(rf"\b{re.escape(parameter)}\b", _condition(rule)):
            raise SimulationError(f"{rule_id} 不使用参数 {parameter} / rule {rule_id} does not read {parameter}")
    return rule


def _run(snapshot: Snapshot, rule: Rule, level: int, cases: list[tuple[str, str, str]]) -> pl.DataFrame:
    """One row per (area, case): units and persons the case's condition finds, and how many enter or
    leave against the case's base condition. ``cases`` are (label, condition, base condition)."""
    table = FEATURE_TABLE[str(rule.scope)]
    persons = "n_members" if rule.scope == Scope.HOUSEHOLD else "1"
    engine = open_engine("duckdb")
    try:
        prepare(engine, snapshot, lazy=False)
        selects = []
        for label, new, base in cases:
            enter = f"({new}) AND NOT COALESCE({base}, FALSE)"
            leave = f"({base}) AND NOT COALESCE({new}, FALSE)"
            selects.append(
                f"SELECT SUBSTR(area_code, 1, {int(level)}) AS area, '{label}' AS case_label, "
                f"SUM(CASE WHEN {new} THEN 1 ELSE 0 END) AS units, "
                f"SUM(CASE WHEN {new} THEN {persons} ELSE 0 END) AS persons, "
                f"SUM(CASE WHEN {enter} THEN 1 ELSE 0 END) AS enter, "
                f"SUM(CASE WHEN {leave} THEN 1 ELSE 0 END) AS leave, "
                f"SUM(CASE WHEN {enter} THEN {persons} ELSE 0 END) AS enter_persons, "
                f"SUM(CASE WHEN {leave} THEN {persons} ELSE 0 END) AS leave_persons "
                f"FROM {table} GROUP BY 1")
        result = engine.query(" UNION ALL ".join(selects))
    finally:
        engine.close()
    frame = pl.from_arrow(result)
    assert isinstance(frame, pl.DataFrame)
    return frame.with_columns(pl.col(c).cast(pl.Int64) for c in ("units", "persons", "enter", "leave",
                                                                  "enter_persons", "leave_persons"))


def _literals(parameters: dict[str, float]) -> dict[str, str]:
    return {k: f"CAST({float(v)} AS DOUBLE)" for k, v in parameters.items()}


def sweep(snapshot: Snapshot, *, parameter: str, start: float, stop: float, step: float, rule_id: str = "MON-01",
          level: int = 9) -> SweepResult:
    rule = _rule(rule_id, [parameter])
    if step <= 0 or stop < start:
        raise SimulationError("步长须为正数且终值不小于起始值 / step must be positive and stop ≥ start")
    count = int(round((stop - start) / step)) + 1
    if count > MAX_VALUES:
        raise SimulationError(f"最多 {MAX_VALUES} 个取值 / at most {MAX_VALUES} values")
    values = [round(start + i * step, 2) for i in range(count)]
    base = _condition(rule)
    cases = [(f"{v:g}", _substitute(base, _literals({parameter: v})), base) for v in values]
    frame = _run(snapshot, rule, level, cases)
    frame = frame.with_columns(pl.col("case_label").cast(pl.Float64).alias("value")).drop("case_label")
    frame = frame.sort(["area", "value"]).select(["area", "value", "units", "persons", "enter", "leave",
                                                  "enter_persons", "leave_persons"])
    totals = frame.group_by("value").agg(pl.col(c).sum() for c in ("units", "persons", "enter", "leave")).sort("value")
    return SweepResult(rule=rule, parameter=parameter, values=values, table=frame, totals=totals)


def compare(snapshot: Snapshot, *, set_a: dict[str, float], set_b: dict[str, float], rule_id: str = "MON-01",
            level: int = 9) -> pl.DataFrame:
    """Per area: units and persons the rule finds under parameter set A and under set B, and how many
    B finds that A does not (``b_not_a``) and the reverse (``a_not_b``)."""
    rule = _rule(rule_id, [*set_a, *set_b])
    base = _condition(rule)
    condition_a, condition_b = _substitute(base, _literals(set_a)), _substitute(base, _literals(set_b))
    frame = _run(snapshot, rule, level, [("AB", condition_b, condition_a), ("A", condition_a, condition_a)])
    ab = frame.filter(pl.col("case_label") == "AB").select(
        "area", pl.col("units").alias("units_b"), pl.col("persons").alias("persons_b"),
        pl.col("enter").alias("b_not_a"), pl.col("leave").alias("a_not_b"),
        pl.col("enter_persons").alias("b_not_a_persons"), pl.col("leave_persons").alias("a_not_b_persons"))
    a = frame.filter(pl.col("case_label") == "A").select("area", pl.col("units").alias("units_a"),
                                                          pl.col("persons").alias("persons_a"))
    return a.join(ab, on="area", how="full", coalesce=True).sort("area").fill_null(0)
