"""Screening runs outside the web request: one background worker thread per process, runs in order.

The page that starts a run returns at once; the run page polls its status and progress (written
to the run row by ``services.screening_execute``). A run whose process died stays ``running`` with
no progress: ``selectors.run_is_stale`` tells the page, and its hits were never replaced (the write
is one transaction). With ``SCREENING_INLINE`` (tests) runs execute in the calling thread.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jingzhun-screen")


def _run(run_id: int) -> None:
    from jingzhun.screening.services import screening_execute

    try:
        screening_execute(run_id)
    except Exception:  # recorded on the run by screening_execute
        log.info("screening run %s failed", run_id)


def _execute(run_id: int) -> None:
    close_old_connections()
    try:
        _run(run_id)
    finally:
        close_old_connections()


def submit(run_id: int) -> None:
    if getattr(settings, "SCREENING_INLINE", False):
        # The caller's connection: closing it here would end a surrounding transaction (a test's).
        _run(run_id)
        return
    _executor.submit(_execute, run_id)
