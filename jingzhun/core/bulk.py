"""Fast insertion of a Polars frame into a model's table, inside the caller's transaction: ``COPY``
on PostgreSQL (binary rows encoded column-wise by ``core.pgcopy``, or CSV written by Polars for a
table with a column type it does not encode, streamed through psycopg's ``cursor.copy``), ``executemany``
on SQLite. The bulk paths (generated registries, large imports, their audit events) use it; the
rows must already be valid — nothing here checks them.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import polars as pl
from django.db import connections

from jingzhun.core import pgcopy

COPY_ROWS = 50_000  # rows per block sent to COPY (the next block is encoded while one is sent)
SQLITE_ROWS = 20_000  # rows per executemany

Progress = Callable[[str, int], None]


def stamp_for(using: str, moment: Any) -> str:
    """A timestamp as ``insert_frame`` writes it for ``created_at``/``updated_at``."""
    connection = connections[using]
    return moment.isoformat() if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(moment)


def insert_frame(using: str, model: Any, frame: pl.DataFrame, stamp: str, tick: Progress | None = None) -> int:
    """Insert ``frame`` into ``model``'s table: the model's columns, file values where present,
    else the field default (or NULL / '')."""
    table = model._meta.db_table
    columns = [f.column for f in model._meta.concrete_fields if f.column != "id" or "id" in frame.columns]
    select = []
    for field in model._meta.concrete_fields:
        column = field.column
        if column not in columns:
            continue
        if column in ("created_at", "updated_at"):
            select.append(pl.lit(stamp).alias(column))
        elif column == "version":
            select.append(pl.lit(1).alias(column))
        elif column in frame.columns:
            expr = pl.col(column)
            if column.endswith("_year") and column != "year":
                expr = pl.when(expr == 0).then(None).otherwise(expr)  # 0 = no year in the files
            select.append(expr.alias(column))
        else:
            select.append(pl.lit(column_default(field)).alias(column))
    frame = frame.select(select)
    connection = connections[using]
    name = model._meta.model_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, table, columns, model, frame, name, tick)
        else:
            quoted = ", ".join(f'"{c}"' for c in columns)
            sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({", ".join(["%s"] * len(columns))})'  # noqa: S608 (model table)
            dates = [c for c, dtype in frame.schema.items() if dtype == pl.Date]
            if dates:
                frame = frame.with_columns(pl.col(c).dt.strftime("%Y-%m-%d") for c in dates)
            for block in blocks(frame, SQLITE_ROWS):
                cursor.executemany(sql, block.rows())
                if tick:
                    tick(name, block.height)
    return frame.height


def _copy(cursor: Any, table: str, columns: list[str], model: Any, frame: pl.DataFrame, name: str,
          tick: Progress | None) -> None:
    """``COPY`` the frame in blocks: binary (``core.pgcopy``) when every column's type allows it,
    else CSV. psycopg's queued writer sends a block while the next one is encoded."""
    from psycopg.copy import QueuedLibpqWriter

    types = pgcopy.column_types(cursor, table)
    binary = all(pgcopy.encodable(types[c]) for c in columns)
    if binary:
        columns = pgcopy.wire_order(columns, types)
        frame = frame.select(columns)
        options = "FORMAT binary"
    else:
        text_columns = ", ".join(f'"{f.column}"' for f in model._meta.concrete_fields
                                 if f.column in columns and f.get_internal_type() in ("CharField", "TextField"))
        options = f"FORMAT csv, FORCE_NOT_NULL ({text_columns})" if text_columns else "FORMAT csv"
    quoted = ", ".join(f'"{c}"' for c in columns)
    column_types = [types[c] for c in columns]
    raw = cursor.cursor
    with raw.copy(f'COPY "{table}" ({quoted}) FROM STDIN ({options})', writer=QueuedLibpqWriter(raw)) as copy:
        if binary:
            copy.write(pgcopy.SIGNATURE)
        for block in blocks(frame, COPY_ROWS):
            if binary:
                copy.write(pgcopy.encode_rows(block, column_types))
            else:
                buffer = io.BytesIO()
                block.write_csv(buffer, include_header=False, float_precision=2, datetime_format="%Y-%m-%d")
                copy.write(buffer.getvalue())
            if tick:
                tick(name, block.height)
        if binary:
            copy.write(pgcopy.TRAILER)


def blocks(frame: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    for start in range(0, frame.height, size):
        yield frame.slice(start, size)


def column_default(field: Any) -> Any:
    """What a column gets when the files have no value for it."""
    if field.has_default():
        value = field.get_default()
        if isinstance(value, list | dict):
            return json.dumps(value)
        if field.get_internal_type() == "DecimalField":
            return float(value)
        return value
    if field.null:
        return None
    return ""
