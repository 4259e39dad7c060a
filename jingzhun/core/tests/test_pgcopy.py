"""The binary COPY encoder (core.pgcopy) and the bulk insert that uses it (core.bulk.insert_frame)."""

import datetime as dt
import struct
from decimal import Decimal

import polars as pl
import pytest
from django.db import transaction

from jingzhun.core import pgcopy
from jingzhun.core.bulk import insert_frame, stamp_for
from jingzhun.core.models import AuditEvent
from jingzhun.registry.models import HouseholdYear, Person, StatusEvent


def _fields(rows: bytes) -> list[list[bytes | None]]:
    """Read binary COPY rows back into their raw field values (None for NULL): a reference reader."""
    out, at = [], 0
    while at < len(rows):
        (count,) = struct.unpack_from(">h", rows, at)
        at += 2
        row: list[bytes | None] = []
        for _ in range(count):
            (size,) = struct.unpack_from(">i", rows, at)
            at += 4
            row.append(None if size == -1 else rows[at:at + size])
            at += max(size, 0)
        out.append(row)
    return out


def test_rows_follow_the_binary_copy_layout():
    frame = pl.DataFrame({
        "n": [5, None], "big": [2**40, -1], "flag": [True, None], "day": [dt.date(2000, 1, 2), dt.date(1999, 12, 31)],
        "at": ["2000-01-01T00:00:01+00:00", "2000-01-01T08:00:00+08:00"],
        "name": ["黄花村", ""], "payload": ['{"a": 1}', None],
    })
    types = {"n": "integer", "big": "bigint", "flag": "boolean", "day": "date", "at": "timestamp with time zone",
             "name": "character varying(60)", "payload": "jsonb"}
    order = pgcopy.wire_order(list(frame.columns), types)
    assert order[-2:] == ["name", "payload"]  # text after the fixed-width columns
    rows = _fields(bytes(pgcopy.encode_rows(frame.select(order), [types[c] for c in order])))
    first, second = (dict(zip(order, row, strict=True)) for row in rows)
    assert first["n"] == struct.pack(">i", 5) and second["n"] is None
    assert first["big"] == struct.pack(">q", 2**40) and second["big"] == struct.pack(">q", -1)
    assert first["flag"] == b"\x01" and second["flag"] is None
    assert first["day"] == struct.pack(">i", 1) and second["day"] == struct.pack(">i", -1)  # days after 2000-01-01
    assert first["at"] == struct.pack(">q", 1_000_000) and second["at"] == struct.pack(">q", 0)  # µs after 2000-01-01 UTC
    assert first["name"] == "黄花村".encode() and second["name"] == b""
    assert first["payload"] == b'\x01{"a": 1}' and second["payload"] is None  # jsonb's version byte


def test_numeric_columns_are_not_encoded_in_binary():
    assert pgcopy.encodable("numeric(14,2)") is False
    assert all(pgcopy.encodable(t) for t in ("smallint", "character varying(18)", "jsonb", "timestamp with time zone"))


@pytest.mark.django_db
def test_insert_frame_writes_every_kind_of_value_exactly(personas):
    """Written by the database's bulk path (binary COPY on PostgreSQL; CSV COPY for a table with
    money columns; executemany on SQLite) and read back through the ORM."""
    from jingzhun.registry.tests.factories import register

    household = register(personas.village_officer)
    stamp = stamp_for("default", dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC))
    with transaction.atomic():
        insert_frame("default", StatusEvent, pl.DataFrame({
            "household_id": [household.pk] * 2, "kind": ["registered", "identified"], "year": [2024, 1998],
            "occurred_on": [dt.date(1999, 12, 31), dt.date(2024, 2, 29)], "note": ["备注 \"引号\", 逗号\n换行", ""],
            "recorded_at": [stamp, stamp]}), stamp)
        insert_frame("default", AuditEvent, pl.DataFrame({
            "seq": [10_000_001], "actor_id": [None], "actor_username": ["导入"], "action": ["test.bulk"],
            "target_type": ["t"], "target_id": ["1"], "area_code": [""], "before": [None],
            "after": ['{"名称": "黄花村", "n": [1, 2.5, null], "s": "a\\\\b"}'], "prev_hash": ["0" * 64], "hash": ["f" * 64],
        }, schema_overrides={"actor_id": pl.Int64, "before": pl.String}), stamp)
        insert_frame("default", HouseholdYear, pl.DataFrame({
            "household_id": [household.pk], "year": [2031], "status": ["general"], "wage_income": ["0.5"], "net_income": ["-12.05"],
            "per_capita_net_income": ["99999999.99"]}), stamp)
    events = list(StatusEvent.objects.filter(household=household, note__contains="引号").values_list(
        "kind", "year", "occurred_on", "note", "recorded_at"))
    assert events == [("registered", 2024, dt.date(1999, 12, 31), "备注 \"引号\", 逗号\n换行",
                       dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC))]
    assert StatusEvent.objects.filter(household=household, kind="identified", year=1998, note="",
                                      occurred_on=dt.date(2024, 2, 29)).exists()
    event = AuditEvent.objects.get(seq=10_000_001)
    assert event.after == {"名称": "黄花村", "n": [1, 2.5, None], "s": "a\\b"}
    assert event.before is None and event.actor_id is None and event.actor_username == "导入"
    assert event.created_at == dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    record = HouseholdYear.objects.get(household=household, year=2031)
    assert record.net_income == Decimal("-12.05") and record.wage_income == Decimal("0.50") and record.per_capita_net_income == Decimal("99999999.99")
    assert Person.objects.filter(household=household).count() == 3  # the household's own rows untouched
