"""DuckDB: the catalogue in one process, vectorised over all cores."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa


class DuckDBEngine:
    union_batch = 0  # one query per scope
    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.con = duckdb.connect(":memory:")
        # What does not fit in ``memory_limit`` spills here, a directory DuckDB makes when it needs
        # it (its default is ./.tmp, wherever the process happens to run).
        self._spill = Path(tempfile.gettempdir()) / f"jingzhun-duckdb-{uuid.uuid4().hex}"
        self.con.execute("SET temp_directory = '" + str(self._spill).replace("'", "''") + "'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET preserve_insertion_order = false")

    def register(self, name: str, source: pa.Table | str, extra_columns: dict[str, str]) -> None:
        if isinstance(source, pa.Table):
            self.con.register(f"_raw_{name}", source)
            origin = f"_raw_{name}"
        else:
            origin = "read_parquet('" + str(source).replace("'", "''") + "')"
        extras = "".join(f", CAST(NULL AS {sql_type}) AS {column}" for column, sql_type in extra_columns.items())
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT *{extras} FROM {origin}")

    def materialize(self, name: str, sql: str, *, view: bool = False) -> None:
        kind = "VIEW" if view else "TABLE"
        self.con.execute(f"CREATE OR REPLACE TEMP {kind} {name} AS {sql}")

    def query(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()
        shutil.rmtree(self._spill, ignore_errors=True)
