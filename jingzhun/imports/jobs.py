"""Imports run outside the web request: one background worker thread per process, jobs in order.

The page that starts a job returns at once and polls the batch's status and the job's progress
(``imports.progress``). A job that dies with its process leaves the registry as it was (the merge is
one transaction); its batch is marked interrupted once its heartbeat is stale
(``services.import_mark_interrupted``, run by the pages).
With ``JINGZHUN_IMPORT_INLINE=true`` (tests) jobs run synchronously in the calling thread.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from jingzhun.accounts.models import User
from jingzhun.core.exceptions import DomainError
from jingzhun.imports.models import ImportBatch
from jingzhun.imports.progress import write_progress
from jingzhun.imports.services import ImportOutcome, import_check, import_write

log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jingzhun-import")


_queued: set[int] = set()  # batches waiting for the worker; their heartbeat is kept by _keep_alive
_queued_lock = threading.Lock()
QUEUED_HEARTBEAT_SECONDS = 60


def _submit(function: Any, batch_id: int, *args: Any) -> None:
    if getattr(settings, "IMPORT_INLINE", False):
        function(batch_id, *args)
        return
    with _queued_lock:
        _queued.add(batch_id)
        if len(_queued) == 1:
            threading.Thread(target=_keep_alive, name="jingzhun-import-queue", daemon=True).start()
    _executor.submit(function, batch_id, *args)


def _keep_alive() -> None:
    """While batches wait behind a long import, refresh their heartbeat so that they are not taken
    for the batches of a dead process (services.import_mark_interrupted)."""
    while True:
        time.sleep(QUEUED_HEARTBEAT_SECONDS)
        with _queued_lock:
            waiting = list(_queued)
        if not waiting:
            return
        for batch_id in waiting:
            write_progress(batch_id, 0)


def _started(batch_id: int) -> None:
    with _queued_lock:
        _queued.discard(batch_id)


def _run(batch_id: int, merge: bool) -> None:
    _started(batch_id)
    inline = getattr(settings, "IMPORT_INLINE", False)
    if not inline:  # a worker thread starts and ends with fresh connections; inline runs share the caller's
        close_old_connections()
    try:
        batch = ImportBatch.objects.get(pk=batch_id)
        actor = User.objects.get(pk=batch.uploaded_by_id)
        path = Path(batch.file_path)
        if merge:  # checked again while it is written: the registry may have changed since the check
            import_write(actor=actor, outcome=ImportOutcome(batch, None, None, path.parent))
        else:
            import_check(actor=actor, path=path, year=batch.year, mode=batch.mode, encoding=batch.encoding or None,
                         report_dir=path.parent, batch=batch)
    except DomainError:
        pass  # the batch records the reason (import_check / import_write mark it failed)
    except Exception:
        log.exception("import %s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(status=ImportBatch.Status.FAILED,
                                                       message="内部错误，未导入任何数据。 Internal error; nothing was imported.")
    finally:
        if not inline:
            close_old_connections()


def start_check(batch: ImportBatch) -> None:
    """Check the stored file in the background (nothing is written to the registry)."""
    write_progress(batch.pk, 0)  # the heartbeat starts while the job waits its turn
    _submit(_run, batch.pk, False)


def start_merge(batch: ImportBatch) -> None:
    """Check the stored file again and write it, in the background."""
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.MERGING, progress_rows=0)
    write_progress(batch.pk, 0)
    _submit(_run, batch.pk, True)
