"""What the benchmarks share: a fresh database of their own, and cleaning up after themselves."""

from __future__ import annotations

import shutil
from pathlib import Path

BENCH_DATABASE = "jingzhun_bench"


def fresh_database_url(database_url: str, work: Path) -> str:
    """An SQLite file in ``work``, or a new empty database ``jingzhun_bench`` on the PostgreSQL server
    of ``database_url`` (dropped first if it exists)."""
    if not database_url:
        return f"sqlite:///{work / 'bench.sqlite3'}"
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
        conn.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    return database_url.rsplit("/", 1)[0] + "/" + BENCH_DATABASE


def clean_up(database_url: str, work: Path, *, keep: bool, used_url: str) -> None:
    """Remove the work directory and the benchmark's database, unless ``keep``."""
    if keep:
        print(f"kept: {work} {used_url}")
        return
    shutil.rmtree(work, ignore_errors=True)
    if database_url:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
