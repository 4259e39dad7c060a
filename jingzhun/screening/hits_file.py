"""Hits of a run without the database, as a file: rule, unit, village, values and both sentences."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jingzhun.screening.catalogue import RULES_BY_ID
from jingzhun.screening.explain import explain


def explained(hits: pa.Table) -> pa.Table:
    """``hits`` with the rule's name and the sentences in zh-hans and en."""
    names, zh, en = [], [], []
    for row in hits.to_pylist():
        rule = RULES_BY_ID[row["rule_id"]]
        _, message_zh, message_en = explain(rule, row)
        names.append(rule.name_zh)
        zh.append(message_zh)
        en.append(message_en)
    table = hits.select(["rule_id", "unit_key", "household_number", "area_code"])
    return (table.append_column("rule_name", pa.array(names, pa.string()))
            .append_column("message_zh", pa.array(zh, pa.string()))
            .append_column("message_en", pa.array(en, pa.string())))


def write_hits_file(hits: pa.Table, path: Path) -> None:
    """Write atomically (a temporary file renamed at the end): never half a file."""
    table = explained(hits)
    handle, temporary = tempfile.mkstemp(suffix=path.suffix, dir=path.parent)
    os.close(handle)
    try:
        if path.suffix.lower() == ".csv":
            pacsv.write_csv(table, temporary)
        else:
            pq.write_table(table, temporary, compression="zstd")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
