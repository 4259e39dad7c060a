import threading

import pytest

from jingzhun.core.iterables import read_ahead


def test_read_ahead_keeps_order_and_produces_in_another_thread():
    threads = []

    def produce():
        for i in range(7):
            threads.append(threading.current_thread().name)
            yield i

    assert list(read_ahead(produce(), depth=3)) == list(range(7))
    assert threads and all(name.startswith("jingzhun-read-ahead") for name in threads)


def test_read_ahead_raises_a_producer_error_in_its_place():
    def produce():
        yield 1
        yield 2
        raise ValueError("row 3 is unreadable")

    seen = []
    with pytest.raises(ValueError, match="row 3"):
        for item in read_ahead(produce()):
            seen.append(item)
    assert seen == [1, 2]


def test_read_ahead_runs_at_most_depth_items_ahead():
    produced = []

    def produce():
        for i in range(100):
            produced.append(i)
            yield i

    items = read_ahead(produce(), depth=2)
    assert next(items) == 0
    items.close()  # the consumer stops early: the worker is not left producing the rest
    assert len(produced) <= 4
