"""Screening at scale: the whole rule catalogue over N persons (default 10,000,000) on DuckDB.

Every figure is measured in this run:
1. ``jingzhun generate --persons N`` writes the registry as Parquet (skipped with ``--data DIR``).
2. The whole catalogue (every rule valid for the year; the department-data rules are off, as in a
   county without comparison files) runs on DuckDB in a child process: seconds, persons per
   second, the time of each step, and the child's peak resident memory (its own ``ru_maxrss``).
   Target: 10,000,000 persons in under 60 s, i.e. at least 166,667 persons/s.
3. Baseline 1 — record by record in Python: the same rules with the ``python`` engine (sqlglot's SQL
   interpreter: every row evaluated in Python) on a sample — the first households of the data,
   about ``--sample`` persons in all — scaled to N by persons. Ratio = that time for N ÷ the
   DuckDB time. Target: at least 100×.
4. Baseline 2 — the floor for one household-level rule: MON-01 (income below the monitoring line,
   not monitored) written by hand as one DuckDB query over the same Parquet files, against the
   engine running that rule alone on the same snapshot (opening an engine, registering the
   snapshot, the feature views, the rule, the hits as Arrow). Both find the same households
   (checked). Ratio = engine ÷ hand-written, best of 3 each. Target: at most 2×.

The summary at the end gives each figure and whether it meets its target.

Usage: ``.venv/bin/python bench/screen_bench.py [--persons 10000000] [--data DIR] [--sample 10000]
[--threads N] [--memory-limit 8GB] [--keep]``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2024
TARGET_PERSONS = 10_000_000
TARGET_SECONDS = 60.0
TARGET_BASELINE_RATIO = 100.0
TARGET_RULE_RATIO = 2.0
RULE = "MON-01"


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def engine_options(args: argparse.Namespace) -> dict[str, object]:
    options: dict[str, object] = {}
    if args.threads:
        options["threads"] = args.threads
    if args.memory_limit:
        options["memory_limit"] = args.memory_limit
    return options


def child_whole_catalogue(data: Path, out: Path, options: dict[str, object]) -> None:
    """Run in a child process: the whole catalogue on DuckDB; writes its figures to ``out``."""
    setup_django()
    from jingzhun.screening import catalogue
    from jingzhun.screening.engines import open_engine
    from jingzhun.screening.runner import run_catalogue
    from jingzhun.screening.snapshot import Snapshot

    start = time.perf_counter()
    snapshot = Snapshot.from_directory(data, year=YEAR)
    rules = catalogue.select(year=YEAR)
    engine = open_engine("duckdb", **options)
    result = run_catalogue(snapshot, rules, engine)
    seconds = time.perf_counter() - start
    engine.close()
    out.write_text(json.dumps({
        "seconds": seconds, "persons": result.persons, "rules": len(rules), "hits": result.hits.num_rows,
        "stages": result.seconds, "cpu_seconds": time.process_time(),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def sample_snapshot(data: Path, persons: int):
    """The first households of the data (by household number) holding about ``persons`` persons,
    with all their rows."""
    import duckdb

    from jingzhun.screening.snapshot import OPTIONAL_SCHEMAS, Snapshot

    con = duckdb.connect()
    con.execute(f"CREATE TABLE sizes AS SELECT household_number, COUNT(*) AS n FROM "
                f"read_parquet('{data}/persons.parquet') GROUP BY household_number")
    con.execute(f"CREATE TABLE chosen AS SELECT household_number FROM (SELECT household_number, "
                f"SUM(n) OVER (ORDER BY household_number) AS running FROM sizes) WHERE running <= {persons}")
    tables = {}
    for name in ("households", "persons", "household_years"):
        tables[name] = con.sql(f"SELECT t.* FROM read_parquet('{data}/{name}.parquet') t "
                               f"JOIN chosen c USING (household_number)").to_arrow_table()
    tables["person_years"] = con.sql(
        f"SELECT y.* FROM read_parquet('{data}/person_years.parquet') y JOIN "
        f"(SELECT p.id_number FROM read_parquet('{data}/persons.parquet') p JOIN chosen c USING (household_number)) s "
        f"USING (id_number)").to_arrow_table()
    for name, schema in OPTIONAL_SCHEMAS.items():
        tables[name] = schema.empty_table()
    con.close()
    return Snapshot.from_tables(YEAR, tables), len(tables["households"])


# MON-01 by hand: the monitoring line is the same national default in every county of a generated
# snapshot, so it is written into the query.
HAND_WRITTEN_MON_01 = """
SELECT hy.household_number, h.area_code, hy.per_capita_net_income
FROM read_parquet('{data}/household_years.parquet') hy
JOIN read_parquet('{data}/households.parquet') h USING (household_number)
WHERE hy.year = {year} AND hy.status IN ('exited', 'general') AND hy.per_capita_net_income < {line}
"""


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=TARGET_PERSONS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="use this generated directory instead of generating")
    parser.add_argument("--sample", type=int, default=10_000, help="persons for the record-by-record baseline")
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: DuckDB's, one per core)")
    parser.add_argument("--memory-limit", help="DuckDB memory limit, e.g. 8GB (default: DuckDB's, 80%% of RAM)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_whole_catalogue(args.child, args.child_out, engine_options(args))
        return

    print(f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}")
    work = Path(tempfile.mkdtemp(prefix="screen-bench-"))
    data = args.data
    try:
        if data is None:
            data = work / "data"
            start = time.perf_counter()
            subprocess.run([str(ROOT / ".venv/bin/jingzhun"), "generate", "--persons", str(args.persons),
                            "--seed", str(args.seed), "--year", str(YEAR), "--out", str(data)], check=True,
                           env={**os.environ, "DJANGO_SETTINGS_MODULE": "jingzhun.settings"})
            print(f"generate: {args.persons:,} persons in {time.perf_counter() - start:.1f} s")

        # 2. The whole catalogue on DuckDB, in a child process (its own peak memory).
        report = work / "child.json"
        command = [sys.executable, __file__, "--child", str(data), "--child-out", str(report)]
        if args.threads:
            command += ["--threads", str(args.threads)]
        if args.memory_limit:
            command += ["--memory-limit", args.memory_limit]
        subprocess.run(command, check=True)
        whole = json.loads(report.read_text())
        persons = whole["persons"]
        rate = persons / whole["seconds"]
        print(f"whole catalogue: {whole['rules']} rules over {persons:,} persons in {whole['seconds']:.1f} s "
              f"(CPU {whole['cpu_seconds']:.1f} s) = {rate:,.0f} persons/s; {whole['hits']:,} hits; "
              f"peak RSS of the child {whole['peak_rss_mb']:,.0f} MB")
        print("  steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in whole["stages"].items() if v >= 0.05))

        setup_django()
        from jingzhun.policy.table import resolve_table, rows_from_defaults
        from jingzhun.screening import catalogue
        from jingzhun.screening.engines import open_engine
        from jingzhun.screening.runner import run_catalogue
        from jingzhun.screening.snapshot import Snapshot

        # 3. Record by record in Python, on a sample, scaled.
        sample, sample_households = sample_snapshot(data, args.sample)
        rules = catalogue.select(year=YEAR)
        start = time.perf_counter()
        engine = open_engine("python")
        baseline_hits = run_catalogue(sample, rules, engine).hits.num_rows
        engine.close()
        baseline = time.perf_counter() - start
        sample_persons = sample.persons_count()
        projected = baseline / sample_persons * persons
        baseline_ratio = projected / whole["seconds"]
        print(f"record-by-record Python: sample of {sample_persons:,} persons ({sample_households:,} households) "
              f"in {baseline:.1f} s = {sample_persons / baseline:,.0f} persons/s, {baseline_hits:,} hits "
              f"-> {projected / 3600:,.1f} h for {persons:,} persons; DuckDB is {baseline_ratio:,.0f}x faster")

        # 4. One rule against the hand-written query (best of 3 each; the same households found).
        import duckdb

        snapshot = Snapshot.from_directory(data, year=YEAR)
        county = snapshot.counties()[0] + "000000"
        line = float(resolve_table(rows_from_defaults(), kinds=["monitoring_line"], year=YEAR,
                                   area_codes=[county])[county]["monitoring_line"])
        hand_times, hand_keys = [], set()
        for _ in range(3):
            start = time.perf_counter()
            con = duckdb.connect()
            hand = con.sql(HAND_WRITTEN_MON_01.format(data=data, year=YEAR, line=line)).to_arrow_table()
            hand_times.append(time.perf_counter() - start)
            con.close()
            hand_keys = set(hand.column("household_number").to_pylist())
        rule = [catalogue.RULES_BY_ID[RULE]]
        engine_times, engine_keys = [], set()
        for _ in range(3):
            start = time.perf_counter()
            engine = open_engine("duckdb", **engine_options(args))
            hits = run_catalogue(snapshot, rule, engine).hits
            engine.close()
            engine_times.append(time.perf_counter() - start)
            engine_keys = set(hits.column("unit_key").to_pylist())
        rule_ratio = min(engine_times) / min(hand_times)
        same = engine_keys == hand_keys
        print(f"one rule ({RULE}): engine {min(engine_times):.2f} s ({len(engine_keys):,} households), "
              f"hand-written DuckDB {min(hand_times):.2f} s ({len(hand_keys):,} households), same hits: "
              f"{'yes' if same else 'NO'} -> {rule_ratio:.2f}x the hand-written query")

        target_rate = TARGET_PERSONS / TARGET_SECONDS
        print()
        print(f"==== Summary: one run, {persons:,} persons, {whole['rules']} rules, year {YEAR} ====")
        at_target = "" if persons == TARGET_PERSONS else f" (measured at {persons:,}, not at {TARGET_PERSONS:,})"
        print(f"  whole catalogue      {whole['seconds']:8.1f} s  {rate:12,.0f} persons/s   target: "
              f"{TARGET_PERSONS:,} in < {TARGET_SECONDS:.0f} s (>= {target_rate:,.0f} persons/s)"
              f"{at_target}: {verdict(rate >= target_rate)}")
        print(f"  peak memory          {whole['peak_rss_mb']:8,.0f} MB (resident, the child process running it)  "
              f"target: none set")
        print(f"  vs per-record Python {baseline_ratio:8,.0f}x  (sample {sample_persons:,} persons in "
              f"{sample_households:,} households, {baseline:.1f} s, scaled to {persons:,})   "
              f"target: >= {TARGET_BASELINE_RATIO:.0f}x: {verdict(baseline_ratio >= TARGET_BASELINE_RATIO)}")
        print(f"  {RULE} vs hand-written {rule_ratio:6.2f}x  ({min(engine_times):.2f} s vs {min(hand_times):.2f} s, "
              f"same {len(hand_keys):,} households: {'yes' if same else 'NO'})   "
              f"target: <= {TARGET_RULE_RATIO:.0f}x: {verdict(same and rule_ratio <= TARGET_RULE_RATIO)}")
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
