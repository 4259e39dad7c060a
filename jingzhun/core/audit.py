"""The audit log: ``audit_record`` appends a hash-chained event inside the caller's transaction.

Each event's hash covers its own content and the previous event's hash, so editing or deleting any
row breaks the chain from that row on; ``audit_verify`` walks the chain and names the first break.
Writers serialise on the single ``AuditChainHead`` row (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite's IMMEDIATE transactions already serialise writers).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from jingzhun.core.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
# Where the changes of the current operation come from (an import batch, say); added to every event.
_SOURCE: contextvars.ContextVar[str] = contextvars.ContextVar("audit_source", default="")


@contextlib.contextmanager
def audit_source(source: str) -> Iterator[None]:
    """Mark every audit event recorded inside the block as coming from ``source`` (``import:12``)."""
    token = _SOURCE.set(source)
    try:
        yield
    finally:
        _SOURCE.reset(token)

# Action codes, registered once with a translated label (dotted: app.entity.verb).
ACTIONS: dict[str, Any] = {}


def register_action(code: str, label: Any) -> str:
    ACTIONS[code] = label
    return code


def action_label(code: str) -> str:
    return str(ACTIONS.get(code, code))


def to_jsonable(value: Any) -> Any:
    """Normalise a payload so it hashes the same before and after a database round trip."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _canonical(event_fields: dict[str, Any]) -> bytes:
    return json.dumps(event_fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _moment(created_at: dt.datetime) -> str:
    return created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _chain_hash(*, prev_hash: str, seq: int, moment: str, actor_username: str, action: str, target_type: str,
                target_id: str, area_code: str, before_text: str, after_text: str) -> str:
    """sha256(previous hash + canonical payload). The payload is written out key by key in sorted
    order, byte for byte what ``_canonical`` gives for the whole payload, so that a bulk writer can
    serialise ``after`` once and reuse the text it stores."""
    payload = ('{"action":' + _text(action) + ',"actor":' + _text(actor_username) + ',"after":' + after_text
               + ',"area_code":' + _text(area_code) + ',"before":' + before_text + ',"created_at":' + _text(moment)
               + ',"seq":' + str(seq) + ',"target_id":' + _text(target_id) + ',"target_type":' + _text(target_type) + "}")
    return hashlib.sha256(prev_hash.encode() + payload.encode()).hexdigest()


def compute_hash(
    *,
    prev_hash: str,
    seq: int,
    created_at: dt.datetime,
    actor_username: str,
    action: str,
    target_type: str,
    target_id: str,
    area_code: str,
    before: Any,
    after: Any,
) -> str:
    return _chain_hash(prev_hash=prev_hash, seq=seq, moment=_moment(created_at), actor_username=actor_username,
                       action=action, target_type=target_type, target_id=target_id, area_code=area_code,
                       before_text=_canonical(before).decode(), after_text=_canonical(after).decode())


def audit_record(
    *,
    actor: Any,
    action: str,
    target_type: str,
    target_id: Any,
    area_code: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event. Must run inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must be called inside the transaction of the change")
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    seq = head.seq + 1
    created_at = timezone.now()  # microseconds survive the round trip on SQLite and PostgreSQL
    username = getattr(actor, "username", "") or "system"
    source = _SOURCE.get()
    if source:
        after = {**(after or {}), "_source": source}
    before_json, after_json = to_jsonable(before), to_jsonable(after)
    digest = compute_hash(
        prev_hash=head.hash,
        seq=seq,
        created_at=created_at,
        actor_username=username,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        area_code=area_code or "",
        before=before_json,
        after=after_json,
    )
    event = AuditEvent(
        seq=seq,
        created_at=created_at,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=username,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        area_code=area_code or "",
        before=before_json,
        after=after_json,
        prev_hash=head.hash,
        hash=digest,
    )
    event.save()
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=digest)
    return event


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def audit_verify(*, batch_size: int = 5000) -> Iterator[tuple[int, ChainBreak | None]]:
    """Walk the chain in order, yielding (events checked, first break or None) as it goes.

    A break is reported when an event's content no longer matches its hash (edited), when its
    ``prev_hash`` does not match the previous event (inserted or deleted before it), when sequence
    numbers skip (deleted), or when the chain head disagrees with the last event (deleted at the end).
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = 0
    queryset = AuditEvent.objects.order_by("seq").values_list(
        "seq", "created_at", "actor_username", "action", "target_type", "target_id",
        "area_code", "before", "after", "prev_hash", "hash",
    )
    with transaction.atomic():
        for row in queryset.iterator(chunk_size=batch_size):
            seq, created_at, username, action, ttype, tid, area, before, after, prev_hash, digest = row
            if seq != expected_seq:
                yield checked, ChainBreak(expected_seq, f"event #{expected_seq} is missing (deleted)")
                return
            if prev_hash != expected_prev:
                yield checked, ChainBreak(seq, "previous-hash link does not match the event before it")
                return
            recomputed = compute_hash(
                prev_hash=prev_hash, seq=seq, created_at=created_at, actor_username=username,
                action=action, target_type=ttype, target_id=tid, area_code=area,
                before=before, after=after,
            )
            if recomputed != digest:
                yield checked, ChainBreak(seq, "content does not match its hash (edited)")
                return
            expected_prev = digest
            expected_seq += 1
            last_seq = seq
            checked += 1
            if checked % batch_size == 0:
                yield checked, None
        head = AuditChainHead.objects.filter(pk=1).first()
        if head is not None and (head.seq != last_seq or head.hash != expected_prev):
            yield checked, ChainBreak(last_seq + 1, "events after the last one were deleted")
            return
    yield checked, None



def canonical_json(frame: Any, *, omit_when_null: str | None = None) -> Any:
    """Each row of a Polars frame as the canonical JSON text ``_canonical`` gives for the same row as a
    dict (keys sorted at every depth, no spaces, non-ASCII as is), built column-wise. The column named
    ``omit_when_null`` is left out of the rows where it is null (rather than written as null)."""
    import polars as pl

    def sorted_expr(expr: Any, dtype: Any) -> Any:
        if isinstance(dtype, pl.Struct):
            return pl.struct([sorted_expr(expr.struct.field(f.name), f.dtype).alias(f.name)
                              for f in sorted(dtype.fields, key=lambda f: f.name)])
        if isinstance(dtype, pl.List) and isinstance(dtype.inner, pl.Struct | pl.List):
            return expr.list.eval(sorted_expr(pl.element(), dtype.inner))
        return expr

    def encoded(names: list[str]) -> Any:
        return pl.struct([sorted_expr(pl.col(n), frame.schema[n]).alias(n) for n in sorted(names)]).struct.json_encode()

    everything = encoded(list(frame.columns))
    if omit_when_null is None:
        return frame.select(everything).to_series()
    without = encoded([c for c in frame.columns if c != omit_when_null])
    return frame.select(pl.when(pl.col(omit_when_null).is_not_null()).then(everything).otherwise(without)).to_series()


def _json_strings(values: Any) -> Any:
    """JSON string literals of a Polars string column, escaped as ``json.dumps`` escapes them."""
    import polars as pl

    return pl.struct(values.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}")


def audit_record_many(*, actor: Any, action: str, target_type: str, targets: Any, afters: Any,
                      omit_when_null: str | None = None, using: str = "default") -> int:
    """Append many events at once (bulk imports). ``targets`` is a Polars frame of ``target_id`` and
    ``area_code`` (strings), ``afters`` a frame of the payloads, one row per event and one column per
    key (see ``canonical_json`` for ``omit_when_null``). The chain is the same as ``audit_record``
    writes — ``audit_verify`` cannot tell them apart — but the payloads are serialised column-wise and
    the rows go in with ``COPY``/``executemany``. Must run inside the transaction of the change it
    records."""
    import polars as pl

    from jingzhun.core.bulk import insert_frame, stamp_for

    if not connection.in_atomic_block:
        raise RuntimeError("audit_record_many must be called inside the transaction of the change")
    if targets.is_empty():
        return 0
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    created_at = timezone.now()
    username = getattr(actor, "username", "") or "system"
    source = _SOURCE.get()
    if source:
        afters = afters.with_columns(pl.lit(source).alias("_source"))
    events = targets.select(pl.col("target_id"), pl.col("area_code")).with_columns(
        canonical_json(afters, omit_when_null=omit_when_null).alias("after"))
    events = events.select(
        pl.col("target_id").cast(pl.String), pl.col("area_code").fill_null("").cast(pl.String), pl.col("after"),
        pl.int_range(head.seq + 1, head.seq + 1 + pl.len(), dtype=pl.Int64).alias("seq"),
    )
    # The hashed payload of every event, as _chain_hash writes it, minus the previous hash.
    payloads = events.select(pl.concat_str([
        pl.lit('{"action":' + _text(action) + ',"actor":' + _text(username) + ',"after":'), pl.col("after"),
        pl.lit(',"area_code":'), _json_strings(pl.col("area_code")),
        pl.lit(',"before":null,"created_at":' + _text(_moment(created_at)) + ',"seq":'), pl.col("seq").cast(pl.String),
        pl.lit(',"target_id":'), _json_strings(pl.col("target_id")),
        pl.lit(',"target_type":' + _text(target_type) + "}"),
    ])).to_series().to_list()
    previous = head.hash
    previous_hashes, hashes = [], []
    for payload in payloads:
        previous_hashes.append(previous)
        previous = hashlib.sha256(previous.encode() + payload.encode()).hexdigest()
        hashes.append(previous)
    frame = events.with_columns(
        pl.lit(actor.pk if getattr(actor, "pk", None) else None, pl.Int64).alias("actor_id"),
        pl.lit(username).alias("actor_username"), pl.lit(action).alias("action"),
        pl.lit(target_type).alias("target_type"), pl.lit(None, pl.String).alias("before"),
        pl.Series("prev_hash", previous_hashes), pl.Series("hash", hashes),
    )
    insert_frame(using, AuditEvent, frame, stamp_for(using, created_at))
    AuditChainHead.objects.filter(pk=1).update(seq=head.seq + len(hashes), hash=previous)
    return len(hashes)
