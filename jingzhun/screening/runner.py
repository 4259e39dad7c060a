"""Run a list of rules over a snapshot on an engine: the hits, as one Arrow table.

1. The snapshot's tables are registered (missing columns added as NULL, so a generated directory, a
   database export and a national file all work).
2. The feature tables are materialised once (``features.build_steps``), holding only what the rules
   read (``columns_needed``); village and county rules whose population no area is in are left
   out (``applicable``).
3. Per scope, all its rules run as one ``UNION ALL`` query: each rule is a filter on its feature
   table that returns the unit, its village and the rule's values fitted into fixed slots (with
   the bounds its condition implies, ``implied_conditions``).

The result has the columns of ``HIT_SCHEMA``; ``explain`` turns a hit into sentences. Nothing here
writes to the database (``services.screening_run`` does).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from jingzhun.screening.catalogue import AGGREGATES
from jingzhun.screening.catalogue.base import NUMBER_SLOTS, POPULATIONS, TEXT_SLOTS, Rule, Scope
from jingzhun.screening.engines import Engine
from jingzhun.screening.features import (
    FEATURE_TABLE,
    UNIT_KEY,
    Populations,
    build_steps,
    columns_read,
    population_column,
)
from jingzhun.screening.parameters import PARAMETER_COLUMNS
from jingzhun.screening.snapshot import Snapshot

HIT_SCHEMA = pa.schema([
    ("rule_id", pa.string()), ("unit_key", pa.string()), ("household_number", pa.string()),
    ("area_code", pa.string()),
    *[(f"n{i}", pa.float64()) for i in range(1, NUMBER_SLOTS + 1)],
    *[(f"t{i}", pa.string()) for i in range(1, TEXT_SLOTS + 1)],
])

# Columns the feature SQL reads that a source may lack (older exports, generated files): added as NULL.
EXPECTED_COLUMNS: dict[str, dict[str, str]] = {
    "household_years": {
        "pasture_mu": "DOUBLE", "grain_to_forest_mu": "DOUBLE", "claims_income": "DOUBLE",
        "compliant_out_of_pocket": "DOUBLE", "monitoring_since": "DATE", "risk_eliminated_on": "DATE",
        "risks": "VARCHAR", "elimination_method": "VARCHAR", "no_labour_guaranteed": "BOOLEAN",
        "identification_year": "BIGINT", "exit_year": "BIGINT", "renovation_year": "BIGINT",
    },
    "person_years": {"commercial_medical_insurance": "BOOLEAN", "out_of_school_reason": "VARCHAR"},
    "persons": {"is_soldier": "BOOLEAN"},
}

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class RunResult:
    hits: pa.Table
    rules: list[Rule]
    persons: int
    seconds: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((r.id for r in self.rules), 0)
        if self.hits.num_rows:
            grouped = self.hits.group_by("rule_id").aggregate([("unit_key", "count")])
            for rule_id, count in zip(grouped.column("rule_id").to_pylist(),
                                      grouped.column("unit_key_count").to_pylist(), strict=True):
                counts[rule_id] = count
        return counts


def _slots(rule: Rule) -> tuple[list[str], list[str]]:
    numbers = [f"CAST({v.sql} AS DOUBLE)" for v in rule.values if v.numeric]
    texts = [f"CAST({v.sql} AS VARCHAR)" for v in rule.values if not v.numeric]
    numbers += ["CAST(NULL AS DOUBLE)"] * (NUMBER_SLOTS - len(numbers))
    texts += ["CAST(NULL AS VARCHAR)"] * (TEXT_SLOTS - len(texts))
    return numbers, texts


def _condition(rule: Rule) -> str:
    """The rule's ``WHERE``: its population, its condition, its regions."""
    conditions = [f"({rule.when})"]
    if rule.population and rule.scope in (Scope.PERSON, Scope.HOUSEHOLD):
        # person_f and household_f hold each population's condition as a column.
        conditions.insert(0, "(" + " OR ".join(population_column(p) for p in rule.population) + ")")
    elif rule.population:
        conditions.insert(0, "(" + " OR ".join(f"({POPULATIONS[p][0]})" for p in rule.population) + ")")
    if rule.regions:
        conditions.append("(" + " OR ".join(f"area_code LIKE '{r}%'" for r in rule.regions) + ")")
    return " AND ".join(conditions)


def _household_column(rule: Rule) -> str:
    return "household_number" if rule.scope in (Scope.PERSON, Scope.HOUSEHOLD) else "CAST(NULL AS VARCHAR)"


def rule_sql(rule: Rule, bounds: Bounds | None = None) -> str:
    """The query of one rule: its hits with the values in slots n1…, t1… (``bounds``: see
    ``implied_conditions``)."""
    scope = str(rule.scope)
    numbers, texts = _slots(rule)
    slots = ", ".join(f"{sql} AS n{i}" for i, sql in enumerate(numbers, 1))
    slots += ", " + ", ".join(f"{sql} AS t{i}" for i, sql in enumerate(texts, 1))
    where = " AND ".join([_condition(rule), *implied_conditions(rule, bounds or {})])
    return (f"SELECT '{rule.id}' AS rule_id, CAST({UNIT_KEY[scope]} AS VARCHAR) AS unit_key, "
            f"{_household_column(rule)} AS household_number, CAST(area_code AS VARCHAR) AS area_code, {slots} "
            f"FROM {FEATURE_TABLE[scope]} WHERE {where}")


# The smallest and largest value of each policy parameter over the snapshot's counties.
Bounds = dict[str, tuple[float | None, float | None]]
# comparison -> (the bound it implies when the parameter is on the right, on the left): ``x < p``
# implies ``x < max(p)``, ``p < x`` implies ``min(p) < x``.
_BOUND_OF = {"LT": (1, 0), "LTE": (1, 0), "GT": (0, 1), "GTE": (0, 1)}


def _top_comparisons(rule: Rule) -> tuple[tuple[str, str, str, str], ...]:
    """(operator, the other side's SQL, parameter, side of the parameter) for each comparison with a
    policy parameter that is a conjunct of the rule's condition."""
    return _comparisons(rule.when)


@functools.lru_cache(maxsize=1024)
def _comparisons(condition: str) -> tuple[tuple[str, str, str, str], ...]:
    import sqlglot
    from sqlglot import exp

    def conjuncts(node: exp.Expression) -> list[exp.Expression]:
        node = node.unnest()
        return [c for child in node.flatten() for c in conjuncts(child)] if isinstance(node, exp.And) else [node]

    found = []
    for comparison in conjuncts(sqlglot.parse_one(condition, dialect="duckdb")):
        kind = type(comparison).__name__
        if kind not in _BOUND_OF:
            continue
        for side in ("right", "left"):
            parameter = comparison.args.get("expression" if side == "right" else "this")
            expression = comparison.args.get("this" if side == "right" else "expression")
            if isinstance(parameter, exp.Column) and parameter.name in PARAMETER_COLUMNS and expression is not None:
                found.append((kind, expression.sql(dialect="duckdb"), parameter.name, side))
                break
    return tuple(found)


def implied_conditions(rule: Rule, bounds: Bounds) -> list[str]:
    """Conditions the rule's own condition implies, against the smallest or largest value of a
    policy parameter in the snapshot: ``per_capita_net_income < monitoring_line`` implies
    ``per_capita_net_income < 6000.0`` when no county's line is above 6,000. They find nothing the
    rule would not, but they compare with a number: the engine can filter before it joins the
    parameters (by county, through the household), which matters when the features are views."""
    symbols = {"LT": "<", "LTE": "<=", "GT": ">", "GTE": ">="}
    implied = []
    for kind, expression, parameter, side in _top_comparisons(rule):
        low, high = bounds.get(parameter, (None, None))
        bound = (low, high)[_BOUND_OF[kind][0 if side == "right" else 1]]
        if bound is None or not math.isfinite(bound):
            continue
        value = repr(float(bound))
        implied.append(f"({expression} {symbols[kind]} {value})" if side == "right"
                       else f"({value} {symbols[kind]} {expression})")
    return implied


def parameter_bounds(engine: Engine, rules: Sequence[Rule]) -> Bounds:
    """``Bounds`` of the parameters the rules compare with (``implied_conditions``)."""
    columns = sorted({parameter for rule in rules for _, _, parameter, _ in _top_comparisons(rule)})
    if not columns:
        return {}
    row = engine.query("SELECT " + ", ".join(f"MIN({c}) AS min_{c}, MAX({c}) AS max_{c}" for c in columns)
                       + " FROM params").to_pylist()[0]
    return {c: (row[f"min_{c}"], row[f"max_{c}"]) for c in columns}


def columns_needed(rules: Sequence[Rule]) -> dict[str, dict[str, Populations]]:
    """What each feature table must hold for ``rules``: every column their queries read, with the
    populations of the units it is read for (None: every unit)."""
    reads: dict[str, dict[str, Populations]] = {}
    for rule in rules:
        table = reads.setdefault(FEATURE_TABLE[str(rule.scope)], {})
        units = frozenset(rule.population) if rule.population else None
        # What rule_sql reads, without its casts and empty slots (quicker to parse).
        read = [UNIT_KEY[str(rule.scope)], _household_column(rule), "area_code", *(v.sql for v in rule.values)]
        for column in columns_read(f"SELECT {', '.join(read)} FROM t WHERE {_condition(rule)}"):
            before = table.get(column, frozenset())
            table[column] = None if before is None or units is None else before | units
    return reads


def register_snapshot(engine: Engine, snapshot: Snapshot) -> None:
    for name, source in snapshot.tables.items():
        present = _columns_of(source)
        extra = {c: t for c, t in EXPECTED_COLUMNS.get(name, {}).items() if c not in present}
        engine.register(name, source if isinstance(source, pa.Table) else str(source), extra)


def _columns_of(source: pa.Table | object) -> set[str]:
    if isinstance(source, pa.Table):
        return set(source.column_names)
    import pyarrow.parquet as pq

    return set(pq.read_schema(source).names)


def prepare(engine: Engine, snapshot: Snapshot, progress: Progress | None = None, *, lazy: bool = False,
            rules: Sequence[Rule] | None = None) -> dict[str, float]:
    """Register the snapshot and build the feature tables; returns seconds per step. ``lazy`` keeps
    every step a view, so that an engine that optimises across views (DuckDB) computes only what
    the rules read — right for one or two rules, wasteful for a catalogue. With ``rules`` the feature
    tables hold only the columns those rules read (and the steps nobody reads are left out);
    without, every column, for queries of one's own."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    register_snapshot(engine, snapshot)
    seconds["register"] = time.perf_counter() - start
    reads = None if rules is None else columns_needed(applicable(engine, rules, snapshot.year))
    steps = build_steps(snapshot.year, list(PARAMETER_COLUMNS), list(AGGREGATES), reads)
    for done, step in enumerate(steps):
        if progress:
            progress("features", done, len(steps))
        start = time.perf_counter()
        engine.materialize(step.name, step.sql, view=step.view or lazy)
        seconds[step.name] = time.perf_counter() - start
    if progress:
        progress("features", len(steps), len(steps))
    return seconds


# The columns village_f and county_f take as they are from the area's record of the year.
AREA_RECORD_COLUMNS = ("standing",)


def applicable(engine: Engine, rules: Sequence[Rule], year: int) -> list[Rule]:
    """``rules`` without the village and county rules whose population no area of the snapshot is
    in (poor villages, once the last has exited): they cannot find anything, and leaving them out
    spares counting every household's members for village_f and county_f."""
    found: dict[str, bool] = {}

    def any_area(condition: str) -> bool:
        if condition not in found:
            columns = ", ".join(AREA_RECORD_COLUMNS)
            nulls = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in AREA_RECORD_COLUMNS)
            # An area without a record of the year has NULLs there: count that case too.
            table = engine.query(f"SELECT COUNT(*) AS n FROM (SELECT {columns} FROM area_years WHERE year = {year} "
                                 f"UNION ALL SELECT {nulls}) a WHERE {condition}")
            found[condition] = bool(table.column("n")[0].as_py())
        return found[condition]

    kept = []
    for rule in rules:
        conditions = [POPULATIONS[p][0] for p in rule.population]
        if (rule.scope in (Scope.VILLAGE, Scope.COUNTY) and conditions
                and all(columns_read(f"SELECT {c}") <= set(AREA_RECORD_COLUMNS) for c in conditions)
                and not any(any_area(c) for c in conditions)):
            continue
        kept.append(rule)
    return kept


def run_rules(engine: Engine, rules: Sequence[Rule], *, batch: int | None = None, progress: Progress | None = None
              ) -> pa.Table:
    """Hits of ``rules`` on prepared feature tables. Rules of a scope run ``batch`` at a time in one
    ``UNION ALL`` (0: all of them at once; default: what the engine prefers, ``engine.union_batch``)."""
    if batch is None:
        batch = getattr(engine, "union_batch", 0)
    parts: list[pa.Table] = []
    by_scope: dict[str, list[Rule]] = {}
    for rule in rules:
        by_scope.setdefault(str(rule.scope), []).append(rule)
    done = 0
    bounds = parameter_bounds(engine, rules)
    for scope_rules in by_scope.values():
        size = batch or len(scope_rules)
        for start in range(0, len(scope_rules), size):
            chunk = scope_rules[start:start + size]
            result = engine.query("\nUNION ALL\n".join(rule_sql(r, bounds) for r in chunk))
            parts.append(_conform(result))
            done += len(chunk)
            if progress:
                progress("rules", done, len(rules))
    if not parts:
        return HIT_SCHEMA.empty_table()
    return pa.concat_tables(parts)


def _conform(table: pa.Table) -> pa.Table:
    columns = []
    for field_ in HIT_SCHEMA:
        column = table.column(field_.name)
        columns.append(column.cast(field_.type) if column.type != field_.type else column)
    return pa.Table.from_arrays(columns, schema=HIT_SCHEMA)


LAZY_UP_TO = 3  # rules: fewer than this run over views, more over materialised feature tables


def run_catalogue(snapshot: Snapshot, rules: Sequence[Rule], engine: Engine, *, batch: int | None = None,
                  progress: Progress | None = None, lazy: bool | None = None) -> RunResult:
    """Prepare the snapshot on ``engine`` and run ``rules``: the whole screening, without the database."""
    if lazy is None:
        lazy = len(rules) <= LAZY_UP_TO
    seconds = prepare(engine, snapshot, progress, lazy=lazy, rules=rules)
    start = time.perf_counter()
    hits = run_rules(engine, applicable(engine, rules, snapshot.year), batch=batch, progress=progress)
    seconds["rules"] = time.perf_counter() - start
    return RunResult(hits=hits, rules=list(rules), persons=snapshot.persons_count(), seconds=seconds)
