"""Worker processes forked after a stage's inputs are in memory.

A stage puts its large inputs (fingerprints, shingle sets, the report) in
`SHARED` through `forked_pool`; workers forked then read them through
copy-on-write memory, and the functions they run stay plain functions of
their arguments and of what they were handed. Task items and results (a
batch's arrays, a band group's candidates) cross over through shared memory
too, not through the pool's pipes: see `_Slots`.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import mmap
import multiprocessing
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

__all__ = [
    "PARALLEL_MIN_BYTES",
    "PARALLEL_MIN_FILES",
    "SHARED",
    "default_jobs",
    "forked_pool",
    "return_freed_memory",
    "shared_zeros",
]

SHARED: dict = {}
PARALLEL_MIN_BYTES = 4 << 20  # less input than this is scanned and compared in one process
PARALLEL_MIN_FILES = 2000  # fewer files than this are re-read in one process, or measured to be batched
_SLOTS: list[_Slots] = []  # the pool's slots, for its forked workers


@contextlib.contextmanager
def forked_pool(shared: dict, jobs: int, fork_one: bool = False) -> Iterator[Callable]:
    """Yield a `map(fn, items)` that runs in order on `jobs` forked processes
    that see `shared` (in `SHARED`) without copying it (or in this process
    for one job, unless `fork_one`, or where fork is not available).

    At most 2 * jobs items are in flight, so a generator of large items is
    never held whole in memory; each goes to its worker and comes back
    through one of the `_Slots` (two maps at once, one feeding the other,
    need 4 * jobs of them). `map(fn, items, eager=True)` submits every item
    at once, so the workers run while the caller does something else until
    it asks for the results.
    """

    SHARED.update(shared)
    try:
        if jobs < 1 or (jobs == 1 and not fork_one) or "fork" not in multiprocessing.get_all_start_methods():
            yield lambda fn, items, eager=False: iter(list(map(fn, items))) if eager else map(fn, items)
            return
        slots = _Slots(4 * jobs)
        _SLOTS[:] = [slots]
        context = multiprocessing.get_context("fork")
        with slots, ProcessPoolExecutor(jobs, mp_context=context, initializer=_keep_freed_memory) as pool:

            def submit(fn: Callable, item: object) -> tuple[Future, int | None]:
                slot = slots.take()
                return pool.submit(_run_in_slot, fn, slots.pack(item, slot), slot), slot

            def in_order(fn: Callable, items: Iterable) -> Iterator:
                pending: deque = deque()
                for item in items:
                    pending.append(submit(fn, item))
                    if len(pending) >= 2 * jobs:
                        yield slots.receive(*pending.popleft())
                while pending:
                    yield slots.receive(*pending.popleft())

            def ordered(fn: Callable, items: Iterable, eager: bool = False) -> Iterator:
                if not eager:
                    return in_order(fn, items)
                pending = [submit(fn, item) for item in items]
                return (slots.receive(*task) for task in pending)

            yield ordered
    finally:
        SHARED.clear()
        _SLOTS.clear()


def shared_zeros(shape: tuple[int, int]) -> np.ndarray:
    """A zeroed uint8 array in anonymous shared memory: workers forked
    before it is written still see what is written later."""
    size = shape[0] * shape[1]
    return np.frombuffer(mmap.mmap(-1, max(size, 1)), dtype=np.uint8, count=size).reshape(shape)


def _run_in_slot(fn: Callable, item: tuple, slot: int | None) -> tuple:
    """In a forked worker: fn on an item packed in a slot, its result packed in the same slot."""
    slots = _SLOTS[0]
    return slots.pack(fn(slots.unpack(item)), slot)


class _Slots:
    """Shared memory, mapped before the workers are forked, through which
    each in-flight task's item goes to its worker and its result comes back.

    Through the pool's pipes, arrays are pickled, written and read in 64 KB
    pieces and copied three more times on the way: 2.5-3.5 s of the
    parent's time per GB, measured here, against about 1 s per GB copied
    through shared memory. Items and results are pickled into the task's
    slot, their arrays out of band (protocol 5) so that they are copied
    once, not pickled; only where the pieces lie goes through the pipe.
    What does not fit goes through the pipe whole, as does a task that finds
    every slot taken. Everything is copied out of a slot as it is unpacked,
    so nothing keeps pointing into it once the slot is handed to another task.
    """

    SLOT_BYTES = 128 << 20  # address space; only the pages a task writes are used
    TOTAL_BYTES = 4 << 30  # on many cores, smaller slots

    def __init__(self, slots: int):
        self.size = min(self.SLOT_BYTES, self.TOTAL_BYTES // slots)
        flags = getattr(mmap, "MAP_SHARED", 0) | getattr(mmap, "MAP_NORESERVE", 0)
        try:
            self.memory: mmap.mmap | None = mmap.mmap(-1, slots * self.size, flags=flags)
            self.free = list(range(slots))
        except OSError:  # no room for the map: everything goes through the pipes
            self.memory, self.free = None, []

    def __enter__(self) -> _Slots:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.memory is not None:
            self.memory.close()

    def take(self) -> int | None:
        """In the parent: a free slot for the next task, if there is one."""
        return self.free.pop() if self.free else None

    def pack(self, value: object, slot: int | None) -> tuple:
        """`value` pickled into the slot (its arrays out of band, each in
        its own place), and where each piece is; or `value` itself, to go
        through the pipe, if there is no slot or it does not fit."""
        if slot is None:
            return value, None
        buffers: list[pickle.PickleBuffer] = []
        data = pickle.dumps(value, protocol=5, buffer_callback=buffers.append)
        views = [memoryview(data)] + [buffer.raw() for buffer in buffers]
        spans, offset = [], slot * self.size
        for view in views:
            spans.append((offset, view.nbytes))
            offset += -(-view.nbytes // 64) * 64
        if offset > (slot + 1) * self.size:
            return value, None
        for (start, size), view in zip(spans, views):
            self.memory[start : start + size] = view
        return None, spans

    def unpack(self, packed: tuple) -> object:
        """The value `pack` packed, copied out of the slot."""
        value, spans = packed
        if spans is None:
            return value
        with memoryview(self.memory) as memory:
            data, *buffers = [bytearray(memory[start : start + size]) for start, size in spans]
        return pickle.loads(data, buffers=buffers)

    def receive(self, task: Future, slot: int | None) -> object:
        """In the parent: a task's result, unpacked; its slot is then free again."""
        result = self.unpack(task.result())
        if slot is not None:
            self.free.append(slot)
        return result


def return_freed_memory() -> None:
    """Hand memory freed on the heap back to the operating system.

    Arrays of up to 32 MB live on glibc's heap, which keeps their pages after
    they are freed: the batches' arrays, joined into one table (workers forked
    later would share those pages, then copy them as soon as either side
    reuses them), and each worker task's temporaries, which would otherwise
    leave every worker at its high-water mark. Elsewhere than glibc this
    does nothing.
    """
    trim = _libc("malloc_trim")
    if trim is not None:
        trim(0)


def _keep_freed_memory() -> None:
    """In each forked worker: let glibc keep up to 64 MB freed at the top of
    its heap, and put arrays of up to 32 MB there, instead of handing them
    back to the system as soon as they are freed (by default it trims the
    heap once twice the largest array freed so far lies free at its top,
    which a task's temporaries exceed). Those temporaries, freed and allocated again a
    few thousand pairs or a million characters later, then reuse the same
    pages instead of faulting fresh ones in (10 MB: 90,900 -> 79,000 page
    faults, 0.655 -> 0.640 s; 100 MB: 6.20 -> 6.04 s, the same peak memory).
    Workers still hand memory back after some tasks (`return_freed_memory`)."""
    mallopt = _libc("mallopt")
    if mallopt is not None:
        mallopt(_M_TRIM_THRESHOLD, 64 << 20)
        mallopt(_M_MMAP_THRESHOLD, 32 << 20)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's malloc.h


@functools.cache
def _libc(name: str) -> Callable | None:
    """A function of glibc, or None where the C library has no such function."""
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
