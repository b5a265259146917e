"""Forked pools hand items and results through shared slots without changing them."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from dedup import workers
from dedup.workers import SHARED, forked_pool, shared_zeros


def _rows_times(item: tuple[int, np.ndarray]) -> dict:
    """A result with arrays of several types and sizes, and plain values beside them."""
    number, values = item
    return {
        "number": number,
        "scaled": values * SHARED["factor"],
        "codes": np.arange(number * 1000, dtype=np.uint64),
        "strided": np.arange(20, dtype=np.int32)[::2],
        "text": f"item {number}",
    }


def _items(count: int) -> list[tuple[int, np.ndarray]]:
    rng = np.random.default_rng(7)
    return [(n, rng.integers(0, 1000, size=(n * 37, 3))) for n in range(count)]


def _check(results: list[dict], items: list[tuple[int, np.ndarray]], factor: int) -> None:
    assert len(results) == len(items)
    for result, (number, values) in zip(results, items):
        assert result["number"] == number and result["text"] == f"item {number}"
        assert np.array_equal(result["scaled"], values * factor)
        assert np.array_equal(result["codes"], np.arange(number * 1000, dtype=np.uint64))
        assert result["codes"].dtype == np.uint64
        assert np.array_equal(result["strided"], np.arange(0, 20, 2, dtype=np.int32))
        result["scaled"][...] = 0  # writable, and its own memory: the slots are closed by now


@pytest.mark.parametrize(("slot_bytes", "through_slots"), [(64, 0), (1 << 16, 8), (1 << 20, 30)])
def test_results_come_back_whole_and_in_order(monkeypatch, slot_bytes, through_slots):
    """Through slots large enough for every result, for some (the rest go
    through the pipe), or for none."""
    monkeypatch.setattr(workers._Slots, "SLOT_BYTES", slot_bytes)
    unpacked = []
    unpack = workers._Slots.unpack
    monkeypatch.setattr(workers._Slots, "unpack", lambda self, packed: unpacked.append(packed) or unpack(self, packed))
    items = _items(30)
    with forked_pool({"factor": 3}, 2) as pool_map:
        results = list(pool_map(_rows_times, items))
    _check(results, items, 3)
    assert sum(spans is not None for _, spans in unpacked) == through_slots


def _first_number(result: dict) -> tuple[int, np.ndarray]:
    return result["number"], result["scaled"][:5]


def test_two_maps_at_once_share_the_slots():
    """One map feeding another keeps up to twice as many tasks in flight:
    a task that finds every slot taken goes through the pipe."""
    items = _items(40)
    with forked_pool({"factor": 2}, 2) as pool_map:
        firsts = list(pool_map(_first_number, pool_map(_rows_times, items)))
        assert len(workers._SLOTS[0].free) == 8  # every slot handed back
    assert [n for n, _ in firsts] == list(range(40))
    for (_, head), (_, values) in zip(firsts, items):
        assert np.array_equal(head, (values * 2)[:5])


def _pid(item: object) -> int:
    return os.getpid()


def test_one_job_maps_in_this_process():
    items = _items(5)
    with forked_pool({"factor": 5}, 1) as pool_map:
        results = list(pool_map(_rows_times, items))
        assert set(pool_map(_pid, items)) == set(pool_map(_pid, items, eager=True)) == {os.getpid()}
    _check(results, items, 5)
    assert SHARED == {}


def test_one_job_can_still_be_forked_to_run_beside_this_process():
    items = _items(5)
    with forked_pool({"factor": 5}, 1, fork_one=True) as pool_map:
        results = pool_map(_rows_times, items, eager=True)
        pids = set(pool_map(_pid, items))
        _check(list(results), items, 5)
    assert len(pids) == 1 and os.getpid() not in pids


def _marked(item: tuple[int, np.ndarray]) -> dict:
    SHARED["started"][item[0]] = 1
    return _rows_times(item)


def test_eager_maps_run_before_their_results_are_asked_for():
    """Every item is submitted at once (more than there are slots: the rest
    go through the pipe), and the results still come back whole and in order."""
    items = _items(12)
    started = shared_zeros((1, 12))[0]
    with forked_pool({"factor": 3, "started": started}, 2) as pool_map:
        results = pool_map(_marked, items, eager=True)
        deadline = time.monotonic() + 30
        while not started.all() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert started.all()  # every item ran before any result was asked for
        _check(list(results), items, 3)


def test_without_room_for_slots_everything_goes_through_the_pipes(monkeypatch):
    def no_room(*args, **kwargs):
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(workers.mmap, "mmap", no_room)
    items = _items(10)
    with forked_pool({"factor": 4}, 2) as pool_map:
        assert workers._SLOTS[0].free == []
        results = list(pool_map(_rows_times, items))
    _check(results, items, 4)


def test_many_cores_share_a_bounded_map(monkeypatch):
    monkeypatch.setattr(workers._Slots, "TOTAL_BYTES", 1 << 20)
    slots = workers._Slots(64)
    with slots:
        assert slots.size == (1 << 20) // 64 and len(slots.memory) == 1 << 20
