"""The engines that run the catalogue: same SQL, three executors.

* ``duckdb`` — vectorised, in-process, reads Parquet or Arrow directly; the default.
* ``spark`` — Apache Spark (PySpark) for a province or the nation; the SQL is transpiled from the
  DuckDB dialect by ``sqlglot``. ``local[N]`` by default, any cluster with ``--master``.
* ``python`` — record by record in pure Python (``sqlglot``'s interpreter): the reference the other
  two are checked against on small data, and the per-record baseline of ``bench/screen_bench.py``.

An engine registers the snapshot's tables, materialises feature tables and answers queries with
Arrow tables. It knows nothing of rules.
"""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa


class Engine(Protocol):
    name: str

    def register(self, name: str, source: pa.Table | str, extra_columns: dict[str, str]) -> None:
        """Make ``name`` queryable from an Arrow table or a Parquet path, adding ``extra_columns``
        (name -> SQL type) as NULL when the source lacks them."""

    def materialize(self, name: str, sql: str, *, view: bool = False) -> None:
        """Compute ``sql`` once and keep it as table ``name`` (or as a view when ``view`` and the
        engine can)."""

    def query(self, sql: str) -> pa.Table: ...

    def close(self) -> None: ...


ENGINES = ("duckdb", "spark", "python")


def open_engine(name: str, **options: object) -> Engine:
    if name == "duckdb":
        from jingzhun.screening.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)  # type: ignore[arg-type]
    if name == "spark":
        from jingzhun.screening.engines.spark_engine import SparkEngine

        return SparkEngine(**options)  # type: ignore[arg-type]
    if name == "python":
        from jingzhun.screening.engines.python_engine import PythonEngine

        return PythonEngine()
    raise ValueError(f"unknown engine {name!r}; use one of {', '.join(ENGINES)} / 未知引擎")
