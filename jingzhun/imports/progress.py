"""How far a running import has got, and whether it is still alive.

The count is kept in a small file per batch (``MEDIA_ROOT/imports/progress/<batch>.json``), not in
the batch row: the merge runs in one database transaction, and a row updated inside it stays invisible to the
page that polls until the very end (and SQLite lets no second connection write meanwhile). Every
chunk rewrites the file atomically (write, then rename); its time is the job's heartbeat. A batch
still marked running whose heartbeat is older than ``IMPORT_STALE_MINUTES`` belongs to a process that
died (killed, restarted server) — ``services.import_mark_interrupted`` closes it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings


def progress_path(batch_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "progress" / f"{batch_id}.json"


def write_progress(batch_id: int, rows: int) -> None:
    """Record ``rows`` processed, now. Never raises: progress is a courtesy, not part of the import."""
    target = progress_path(batch_id)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps({"rows": rows, "at": time.time()}), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        pass


def read_progress(batch_id: int) -> tuple[int, float] | None:
    """(rows processed, heartbeat as a Unix time), or None when the job has not reported yet."""
    try:
        data = json.loads(progress_path(batch_id).read_text(encoding="utf-8"))
        return int(data["rows"]), float(data["at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget_progress(batch_id: int) -> None:
    progress_path(batch_id).unlink(missing_ok=True)


def reporter(batch_id: int, also: Callable[[int], None] | None = None) -> Callable[[int], None]:
    """A progress callback (rows done since the last call) that keeps the file and calls ``also``
    (a terminal progress bar, say). A call with 0 is a heartbeat during long steps."""
    done = {"rows": 0}
    write_progress(batch_id, 0)

    def advance(rows: int) -> None:
        done["rows"] += rows
        write_progress(batch_id, done["rows"])
        if also is not None and rows:
            also(rows)

    return advance
