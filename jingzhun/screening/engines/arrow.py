"""Arrow helpers shared by the engines."""

from __future__ import annotations

from typing import Any

import pyarrow as pa


def table_from_rows(columns: list[str], rows: list[tuple[Any, ...]]) -> pa.Table:
    data = {c: [row[i] for row in rows] for i, c in enumerate(columns)}
    return pa.table(data) if rows else pa.table({c: pa.array([], pa.null()) for c in columns})
