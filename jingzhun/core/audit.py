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



def audit_record_many(*, actor: Any, action: str, target_type: str, events: list[tuple[str, str, dict[str, Any]]],
                      using: str = "default") -> int:
    """Append many events at once (bulk imports): ``events`` are (target id, area code, after) with
    JSON-ready ``after`` values (str, int, bool, None, lists and dicts of them). The chain is the same
    as ``audit_record`` writes — ``audit_verify`` cannot tell them apart — but the rows go in with
    ``COPY``/``executemany``. Must run inside the transaction of the change it records."""
    from jingzhun.core.bulk import insert_frame, stamp_for

    if not connection.in_atomic_block:
        raise RuntimeError("audit_record_many must be called inside the transaction of the change")
    if not events:
        return 0
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    created_at = timezone.now()
    moment = _moment(created_at)
    username = getattr(actor, "username", "") or "system"
    source = _SOURCE.get()
    previous, seq = head.hash, head.seq
    seqs, afters, previous_hashes, hashes, target_ids, areas = [], [], [], [], [], []
    for target_id, area_code, after in events:
        seq += 1
        if source:
            after = {**after, "_source": source}
        after_text = _canonical(after).decode()
        digest = _chain_hash(prev_hash=previous, seq=seq, moment=moment, actor_username=username, action=action,
                             target_type=target_type, target_id=str(target_id), area_code=area_code or "",
                             before_text="null", after_text=after_text)
        seqs.append(seq)
        afters.append(after_text)
        previous_hashes.append(previous)
        hashes.append(digest)
        target_ids.append(str(target_id))
        areas.append(area_code or "")
        previous = digest
    import polars as pl

    frame = pl.DataFrame({
        "seq": seqs, "actor_id": [actor.pk if getattr(actor, "pk", None) else None] * len(seqs),
        "actor_username": username, "action": action, "target_type": target_type, "target_id": target_ids,
        "area_code": areas, "before": None, "after": afters, "prev_hash": previous_hashes, "hash": hashes,
    }, schema_overrides={"actor_id": pl.Int64, "before": pl.String})
    insert_frame(using, AuditEvent, frame, stamp_for(using, created_at))
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=previous)
    return len(seqs)
