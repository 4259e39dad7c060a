"""Screening at scale: the whole rule catalogue over N persons (default 10,000,000) on DuckDB.

Steps (each timed in this run):
1. ``jingzhun generate --persons N`` writes the registry as Parquet (skipped with ``--data DIR``).
2. The whole catalogue (every rule valid for the year; the department-data rules are off, as in a
   county without comparison files) runs on DuckDB in a child process: persons per second and the
   child's peak memory.
3. Baseline 1 — record by record in Python: the same rules on a sample of households (``--sample``
   persons) with the ``python`` engine (sqlglot's SQL interpreter: every row evaluated in Python),
   scaled to N. Ratio = baseline time for N ÷ DuckDB time.
4. Baseline 2 — the physical floor for one household-level rule: MON-01 (income below the monitoring
   line, not monitored) written by hand as one DuckDB query over the Parquet files, against the
   engine running only that rule from the same files. Ratio = engine ÷ hand-written (best of 3).

Usage: ``.venv/bin/python bench/screen_bench.py [--persons 10000000] [--data DIR] [--keep]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2024


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()


def child_whole_catalogue(data: Path, out: Path) -> None:
    """Run in a child process: the whole catalogue on DuckDB; writes timings to ``out``."""
    setup_django()
    from jingzhun.screening import catalogue
    from jingzhun.screening.engines import open_engine
    from jingzhun.screening.runner import run_catalogue
    from jingzhun.screening.snapshot import Snapshot

    start = time.perf_counter()
    snapshot = Snapshot.from_directory(data, year=YEAR)
    rules = catalogue.select(year=YEAR)
    engine = open_engine("duckdb")
    result = run_catalogue(snapshot, rules, engine)
    seconds = time.perf_counter() - start
    engine.close()
    out.write_text(json.dumps({
        "seconds": seconds, "persons": result.persons, "rules": len(rules), "hits": result.hits.num_rows,
        "stages": result.seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def sample_snapshot(data: Path, persons: int):
    """The first households of the data holding about ``persons`` persons, with all their rows."""
    import duckdb

    from jingzhun.screening.snapshot import OPTIONAL_SCHEMAS, Snapshot

    con = duckdb.connect()
    con.execute(f"CREATE TABLE sizes AS SELECT household_number, COUNT(*) AS n FROM "
                f"read_parquet('{data}/persons.parquet') GROUP BY household_number ORDER BY household_number")
    con.execute(f"CREATE TABLE chosen AS SELECT household_number FROM (SELECT household_number, "
                f"SUM(n) OVER (ORDER BY household_number) AS running FROM sizes) WHERE running <= {persons}")
    tables = {}
    for name, key in (("households", "household_number"), ("persons", "household_number"),
                      ("household_years", "household_number")):
        tables[name] = con.sql(f"SELECT t.* FROM read_parquet('{data}/{name}.parquet') t "
                               f"JOIN chosen c USING ({key})").to_arrow_table()
    tables["person_years"] = con.sql(
        f"SELECT y.* FROM read_parquet('{data}/person_years.parquet') y JOIN "
        f"(SELECT p.id_number FROM read_parquet('{data}/persons.parquet') p JOIN chosen c USING (household_number)) s "
        f"USING (id_number)").to_arrow_table()
    for name, schema in OPTIONAL_SCHEMAS.items():
        tables[name] = schema.empty_table()
    return Snapshot.from_tables(YEAR, tables)


HAND_WRITTEN_MON_01 = """
SELECT hy.household_number, h.area_code, hy.per_capita_net_income
FROM read_parquet('{data}/household_years.parquet') hy
JOIN read_parquet('{data}/households.parquet') h USING (household_number)
WHERE hy.year = {year} AND hy.status IN ('exited', 'general') AND hy.per_capita_net_income < {line}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, help="use this generated directory instead of generating")
    parser.add_argument("--sample", type=int, default=3000, help="persons for the record-by-record baseline")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_whole_catalogue(args.child, args.child_out)
        return

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
        subprocess.run([sys.executable, __file__, "--child", str(data), "--child-out", str(report)], check=True)
        whole = json.loads(report.read_text())
        persons = whole["persons"]
        rate = persons / whole["seconds"]
        print(f"whole catalogue: {whole['rules']} rules over {persons:,} persons in {whole['seconds']:.1f} s "
              f"= {rate:,.0f} persons/s; {whole['hits']:,} hits; peak RSS {whole['peak_rss_mb']:,.0f} MB")
        print("  stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in whole["stages"].items()))

        setup_django()
        from jingzhun.policy.table import resolve_table, rows_from_defaults
        from jingzhun.screening import catalogue
        from jingzhun.screening.engines import open_engine
        from jingzhun.screening.runner import run_catalogue
        from jingzhun.screening.snapshot import Snapshot

        # 3. Record by record in Python, on a sample, scaled.
        sample = sample_snapshot(data, args.sample)
        rules = catalogue.select(year=YEAR)
        start = time.perf_counter()
        engine = open_engine("python")
        baseline_hits = run_catalogue(sample, rules, engine).hits.num_rows
        engine.close()
        baseline = time.perf_counter() - start
        sample_persons = sample.persons_count()
        projected = baseline / sample_persons * persons
        print(f"record-by-record Python: {sample_persons:,} persons in {baseline:.1f} s "
              f"({sample_persons / baseline:,.0f} persons/s, {baseline_hits:,} hits) → {projected / 3600:,.1f} h "
              f"for {persons:,}; DuckDB is {projected / whole['seconds']:,.0f}× faster")

        # 4. One rule against the hand-written query (best of 3 each).
        import duckdb

        county = Snapshot.from_directory(data, year=YEAR).counties()[0]
        line = float(resolve_table(rows_from_defaults(), kinds=["monitoring_line"], year=YEAR,
                                   area_codes=[county + "000000"])[county + "000000"]["monitoring_line"])
        hand_times, hand_rows = [], 0
        for _ in range(3):
            start = time.perf_counter()
            hand_rows = duckdb.connect().sql(HAND_WRITTEN_MON_01.format(data=data, year=YEAR, line=line)
                                             ).to_arrow_table().num_rows
            hand_times.append(time.perf_counter() - start)
        rule = [catalogue.RULES_BY_ID["MON-01"]]
        engine_times, engine_rows = [], 0
        for _ in range(3):
            start = time.perf_counter()
            engine = open_engine("duckdb")
            engine_rows = run_catalogue(Snapshot.from_directory(data, year=YEAR), rule, engine).hits.num_rows
            engine.close()
            engine_times.append(time.perf_counter() - start)
        print(f"one rule (MON-01): engine {min(engine_times):.2f} s ({engine_rows:,} hits), hand-written DuckDB "
              f"{min(hand_times):.2f} s ({hand_rows:,} rows) → {min(engine_times) / min(hand_times):.2f}× the floor")
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
