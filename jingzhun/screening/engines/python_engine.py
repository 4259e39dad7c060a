"""Record by record in pure Python: sqlglot's SQL interpreter over lists of dicts.

Slow on purpose-free grounds — it is what evaluating each household in Python costs — and exact:
the reference the vectorised engines are checked against, and the per-record baseline of the
benchmark. A few functions the interpreter lacks are added here, NULL-safe like SQL's.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.executor import env, execute
from sqlglot.executor.table import Table

from jingzhun.screening.engines.arrow import table_from_rows


def _null_safe(function: Any) -> Any:
    def wrapper(*args: Any) -> Any:
        return None if any(a is None for a in args) else function(*args)

    return wrapper


env.ENV.setdefault("NULLIF", lambda a, b: None if a is None or a == b else a)
env.ENV.setdefault("REGEXPLIKE", _null_safe(lambda text, pattern, *flags: re.search(pattern, text) is not None))
env.ENV.setdefault("GREATEST", lambda *a: max((x for x in a if x is not None), default=None))
env.ENV.setdefault("CEIL", _null_safe(math.ceil))
env.ENV.setdefault("FLOOR", _null_safe(math.floor))
env.ENV.setdefault("LEAST", lambda *a: min((x for x in a if x is not None), default=None))


class PythonEngine:
    union_batch = 1  # one rule at a time (the interpreter mishandles long UNION ALL chains)
    name = "python"

    def __init__(self) -> None:
        # The interpreter's own Table objects, built once: handed lists of dicts, it would convert
        # every table again on every query.
        self.tables: dict[str, Table] = {}

    def register(self, name: str, source: pa.Table | str, extra_columns: dict[str, str]) -> None:
        if not isinstance(source, pa.Table):
            import pyarrow.parquet as pq

            source = pq.read_table(source)
        columns = [*source.column_names, *[c for c in extra_columns if c not in source.column_names]]
        padding = (None,) * (len(columns) - source.num_columns)
        data = [source.column(i).to_pylist() for i in range(source.num_columns)]
        rows = [(*row, *padding) for row in zip(*data, strict=True)] if data else []
        self.tables[name] = Table(columns, rows)

    def _run(self, sql: str) -> Table:
        # Hand the interpreter only the tables the query reads.
        names = {t.name for t in sqlglot.parse_one(sql, dialect="duckdb").find_all(exp.Table)} & set(self.tables)
        schema = {n: dict.fromkeys(self.tables[n].columns, "UNKNOWN") for n in names}
        return execute(sql, schema=schema, dialect="duckdb", tables={n: self.tables[n] for n in names})

    def materialize(self, name: str, sql: str, *, view: bool = False) -> None:
        result = self._run(sql)
        self.tables[name] = Table(list(result.columns), list(result.rows))

    def query(self, sql: str) -> pa.Table:
        result = self._run(sql)
        return table_from_rows(list(result.columns), list(result.rows))

    def close(self) -> None:
        self.tables.clear()
