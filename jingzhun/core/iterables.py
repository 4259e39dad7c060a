"""Iterators shared by the long jobs (imports, loads)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_END = object()


def read_ahead(items: Iterator[T], *, depth: int = 2) -> Iterator[T]:
    """Yield the items of ``items`` while one worker thread already produces the next ``depth``.

    For a pipeline whose producer (reading and parsing a file with Polars, which releases the GIL)
    can run while the consumer waits on the database. Only the worker ever advances ``items``, so it
    must not touch the caller's database connection (Django connections belong to one thread).
    An exception raised while producing an item is raised here, in order; memory holds at most
    ``depth`` items ahead of the consumer."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jingzhun-read-ahead") as pool:
        pending = deque(pool.submit(next, items, _END) for _ in range(depth))
        while True:
            item = pending.popleft().result()
            if item is _END:
                return
            pending.append(pool.submit(next, items, _END))
            yield item  # type: ignore[misc]
