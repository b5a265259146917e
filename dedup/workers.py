"""Worker processes forked after a stage's inputs are in memory.

A stage puts its large inputs (fingerprints, shingle sets, the report) in
`SHARED` through `forked_pool`; workers forked then read them through
copy-on-write memory, so only small task descriptions and results cross
process boundaries, and the functions they run stay plain functions of
their arguments and of what they were handed.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

__all__ = ["SHARED", "default_jobs", "forked_pool", "return_freed_memory"]

SHARED: dict = {}


@contextlib.contextmanager
def forked_pool(shared: dict, jobs: int) -> Iterator[Callable]:
    """Yield a `map(fn, items)` that runs in order on `jobs` forked processes
    that see `shared` (in `SHARED`) without copying it (or in this process
    for one job, or where fork is not available).

    At most 2 * jobs items are in flight, so a generator of large items is
    never held whole in memory.
    """

    SHARED.update(shared)
    try:
        if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
            yield map
            return
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:

            def ordered(fn: Callable, items: Iterable) -> Iterator:
                pending: deque = deque()
                for item in items:
                    pending.append(pool.submit(fn, item))
                    if len(pending) >= 2 * jobs:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()

            yield ordered
    finally:
        SHARED.clear()


def return_freed_memory() -> None:
    """Hand memory freed on the heap back to the operating system.

    Arrays of up to 32 MB live on glibc's heap, which keeps their pages after
    they are freed: the batches' arrays, joined into one table (workers forked
    later would share those pages, then copy them as soon as either side
    reuses them), and each worker task's temporaries, which would otherwise
    leave every worker at its high-water mark. Elsewhere than glibc this
    does nothing.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable | None:
    """glibc's malloc_trim, or None where the C library has none."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
