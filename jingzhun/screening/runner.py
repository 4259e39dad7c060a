"""Run a list of rules over a snapshot on an engine: the hits, as one Arrow table.

1. The snapshot's tables are registered (missing columns added as NULL, so a generated directory, a
   database export and a national file all work).
2. The feature tables are materialised once (``features.build_steps``).
3. Per scope, all its rules run as one ``UNION ALL`` query: each rule is a filter on its feature
   table that returns the unit, its village and the rule's values fitted into fixed slots.

The result has the columns of ``HIT_SCHEMA``; ``explain`` turns a hit into sentences. Nothing here
writes to the database (``services.screening_run`` does).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from jingzhun.screening.catalogue import AGGREGATES
from jingzhun.screening.catalogue.base import NUMBER_SLOTS, POPULATIONS, TEXT_SLOTS, Rule, Scope
from jingzhun.screening.engines import Engine
from jingzhun.screening.features import FEATURE_TABLE, UNIT_KEY, build_steps
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


def rule_sql(rule: Rule) -> str:
    """The query of one rule: its hits with the values in slots n1…, t1…"""
    scope = str(rule.scope)
    table = FEATURE_TABLE[scope]
    household = "household_number" if rule.scope in (Scope.PERSON, Scope.HOUSEHOLD) else "CAST(NULL AS VARCHAR)"
    numbers, texts = _slots(rule)
    conditions = [f"({rule.when})"]
    if rule.population:
        conditions.insert(0, "(" + " OR ".join(f"({POPULATIONS[p][0]})" for p in rule.population) + ")")
    if rule.regions:
        conditions.append("(" + " OR ".join(f"area_code LIKE '{r}%'" for r in rule.regions) + ")")
    slots = ", ".join(f"{sql} AS n{i}" for i, sql in enumerate(numbers, 1))
    slots += ", " + ", ".join(f"{sql} AS t{i}" for i, sql in enumerate(texts, 1))
    return (f"SELECT '{rule.id}' AS rule_id, CAST({UNIT_KEY[scope]} AS VARCHAR) AS unit_key, "
            f"{household} AS household_number, CAST(area_code AS VARCHAR) AS area_code, {slots} "
            f"FROM {table} WHERE {' AND '.join(conditions)}")


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


def prepare(engine: Engine, snapshot: Snapshot, progress: Progress | None = None, *, lazy: bool = False
            ) -> dict[str, float]:
    """Register the snapshot and build the feature tables; returns seconds per step. ``lazy`` keeps
    every step a view, so that an engine that optimises across views (DuckDB) computes only what
    the rules read — right for one or two rules, wasteful for a catalogue."""
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    register_snapshot(engine, snapshot)
    seconds["register"] = time.perf_counter() - start
    steps = build_steps(snapshot.year, list(PARAMETER_COLUMNS), list(AGGREGATES))
    for done, step in enumerate(steps):
        if progress:
            progress("features", done, len(steps))
        start = time.perf_counter()
        engine.materialize(step.name, step.sql, view=step.view or lazy)
        seconds[step.name] = time.perf_counter() - start
    if progress:
        progress("features", len(steps), len(steps))
    return seconds


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
    for scope_rules in by_scope.values():
        size = batch or len(scope_rules)
        for start in range(0, len(scope_rules), size):
            chunk = scope_rules[start:start + size]
            result = engine.query("\nUNION ALL\n".join(rule_sql(r) for r in chunk))
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
    seconds = prepare(engine, snapshot, progress, lazy=lazy)
    start = time.perf_counter()
    hits = run_rules(engine, rules, batch=batch, progress=progress)
    seconds["rules"] = time.perf_counter() - start
    return RunResult(hits=hits, rules=list(rules), persons=snapshot.persons_count(), seconds=seconds)
