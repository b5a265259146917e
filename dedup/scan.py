"""The scan: files -> batches of arrays (units, shingle sets, fingerprints) -> one table.

Each batch of files is read, split into units, shingled and signed by
`scan_batch`, a pure function of its files, on `--jobs` forked processes;
`BatchTable` joins the batches in order as they arrive. Only arrays leave a
batch: the documents' text is dropped as soon as it is cut into units.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from . import workers
from .arrays import GrowingArray, distinct
from .models import FileError, Settings
from .passages import UnitTable, split_documents
from .shingles import ShingleSets, shingle_sets
from .signatures import fingerprints, minhash_fingerprints
from .sources import Document, UnreadableFile, read_document

__all__ = ["Batch", "BatchTable", "Progress", "scan_all", "scan_batch", "timed"]

Progress = Callable[[str, int, int], None]
_WINDOW_CHARS = 4 << 20
_FIRST_GUESS_CHARS = 1 << 20  # per file until some are read: the first batches stay small even if files are large
_SHINGLE_CHARS = 1 << 20


@dataclass
class Batch:
    """Everything later stages need from a batch of documents, as arrays."""

    paths: list[str]
    encodings: list[str]
    errors: list[FileError]
    units: UnitTable
    sets: ShingleSets
    fingerprints: np.ndarray
    short_units: int
    characters: int
    timings: dict[str, float]


@contextlib.contextmanager
def timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Add the seconds the block takes to `timings[stage]` (what `-v` prints)."""
    started = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started


def _chunk_bounds(lengths: np.ndarray, max_chars: int) -> list[int]:
    """Where to cut units of these lengths into consecutive chunks of about
    `max_chars` characters: 0, the cuts, and the number of units (one empty
    chunk when there are none)."""
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    cuts = np.searchsorted(ends, np.arange(max_chars, total, max_chars)) + 1
    return [0, *distinct(cuts[cuts < len(lengths)]).tolist(), len(lengths)]


def scan_batch(paths: Sequence[str], settings: Settings, bands: int, rows: int) -> Batch:
    """Read, split, shingle and sign one batch of files.

    A pure function of its arguments (it only reads the files), so batches can
    run in any process, or on any machine, and be concatenated in order.
    Files are taken about _WINDOW_CHARS characters of text at a time, and
    units shingled a million characters at a time, so neither a batch of
    large files nor one huge file turns into one huge list of words.
    """
    timings: dict[str, float] = {}
    windows = _read_windows(paths, settings.encoding, timings)
    return _joined([_scan_documents(*window, settings, bands, rows, timings) for window in windows], timings)


def _read_windows(
    paths: Sequence[str], encoding: str | None, timings: dict[str, float]
) -> Iterator[tuple[list[Document], list[FileError]]]:
    """The files read and decoded, in consecutive windows of about
    _WINDOW_CHARS characters, each with the files that could not be read."""
    documents: list[Document] = []
    errors: list[FileError] = []
    size, yielded = 0, False
    for path in paths:
        try:
            with timed(timings, "read"):
                document = read_document(path, encoding)
        except UnreadableFile as e:
            errors.append(FileError(path, str(e)))
            continue
        documents.append(document)
        size += len(document.text)
        if size >= _WINDOW_CHARS:
            yield documents, errors
            documents, errors, size, yielded = [], [], 0, True
    if documents or errors or not yielded:  # an empty batch is one empty window
        yield documents, errors


def _scan_documents(
    documents: list[Document],
    errors: list[FileError],
    settings: Settings,
    bands: int,
    rows: int,
    timings: dict[str, float],
) -> Batch:
    """Split, shingle and sign documents already read (the list is emptied,
    so that their text can go as soon as it is cut into units)."""
    paths = [document.path for document in documents]
    encodings = [document.encoding for document in documents]
    texts = [document.text for document in documents]
    documents.clear()
    characters = sum(map(len, texts))
    with timed(timings, "split"):
        table = split_documents(texts, settings.unit, settings.min_words)
        doc, start, end = table.doc.tolist(), table.start.tolist(), table.end.tolist()
        units = [texts[d][a:b] for d, a, b in zip(doc, start, end)]
    del texts, doc, start, end
    parts, prints, kept = [], [], []
    bounds = _chunk_bounds(table.end - table.start, _SHINGLE_CHARS)
    for lo, hi in itertools.pairwise(bounds):
        with timed(timings, "shingle"):
            sets = shingle_sets(units[lo:hi], settings.shingle_size)
            keep = np.flatnonzero(sets.word_counts >= settings.min_words)
            sets = sets.take(keep)
        with timed(timings, "signatures"):
            prints.append(minhash_fingerprints(sets, settings.num_perm, settings.seed, bands * rows, rows))
        parts.append(sets)
        kept.append(keep + lo)
    keep = np.concatenate(kept)
    return Batch(
        paths,
        encodings,
        errors,
        table.take(keep),
        ShingleSets.concat(parts),
        np.concatenate(prints) if prints else fingerprints(np.zeros((0, bands * rows)), rows),
        short_units=len(units) - len(keep),
        characters=characters,
        timings=timings,
    )


def _joined(parts: list[Batch], timings: dict[str, float]) -> Batch:
    """Consecutive batches as one, joined the way `BatchTable` joins them."""
    if len(parts) == 1:
        return parts[0]
    table = BatchTable(parts[0].fingerprints[:0])
    for part in parts:
        table.add(part)
    units, sets, prints = table.arrays()
    return Batch(
        table.paths,
        table.encodings,
        table.errors,
        units,
        sets,
        prints,
        short_units=table.short_units,
        characters=table.characters,
        timings=timings,
    )


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class _Found:
    """The paths of a walk, taken from it only as far as the scan needs
    them, so that workers scan the first files while the parent is still
    listing later folders (the walk took 0.3-0.5 s at 100 MB, 3-5 s at
    1 GB, with every worker idle)."""

    def __init__(self, paths: Iterable[str], timings: dict[str, float]):
        self.paths: list[str] = []
        self.complete = False
        self._rest = iter(paths)
        self._timings = timings

    def reach(self, count: int) -> bool:
        """Walk on until `count` paths are found or there are no more; whether they are."""
        if len(self.paths) < count and not self.complete:
            with timed(self._timings, "walk"):
                self.paths += itertools.islice(self._rest, count - len(self.paths))
            self.complete = len(self.paths) < count
        return len(self.paths) >= count


def _batches(found: _Found, jobs: int, read: dict[str, int]) -> tuple[Iterable[list[str]], bool]:
    """The scan's tasks (consecutive runs of paths), and whether they are
    worth running on `jobs` processes.

    Many files are batched by count, without measuring them: their sizes
    took 0.24 s of the parent's time at 100 MB (111,238 files) before any
    worker could start. The count is estimated from the files already
    `read` (kept up to date by the caller). A few files are measured, so
    that a few large ones are spread over the workers and a few small ones
    do not start a pool.
    """
    parts = 4 * jobs if jobs > 1 else 1
    if found.reach(workers.PARALLEL_MIN_FILES):
        return _counted_batches(found, parts, read), jobs > 1
    paths = found.paths
    sizes = [_size(path) for path in paths]
    limit = max(1 << 16, min(_WINDOW_CHARS, sum(sizes) // parts))
    batches: list[list[str]] = []
    batch: list[str] = []
    size = 0
    for path, file_size in zip(paths, sizes):
        batch.append(path)
        size += file_size
        if size >= limit:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    return batches, jobs > 1 and len(batches) > 1 and sum(sizes) >= workers.PARALLEL_MIN_BYTES


def _counted_batches(found: _Found, parts: int, read: dict[str, int]) -> Iterator[list[str]]:
    """Consecutive runs of paths of about _WINDOW_CHARS characters each, as
    far as the files read so far tell (`read`: files and characters), and
    at least `parts` of them. The last ones shrink, down to a sixteenth, so
    that the workers finish together rather than one waiting for another's
    last full batch, once the walk, taken two batches ahead, has reached
    its end. (Taken further ahead, it would keep the workers waiting for the
    parent to walk tens of thousands of files after their first few small
    batches.)"""
    first = 0
    while found.reach(first + 1):
        mean = read["characters"] / read["files"] if read["files"] else _FIRST_GUESS_CHARS
        count = max(1, int(_WINDOW_CHARS // max(mean, 1)))
        if not found.reach(first + 2 * count):
            total = len(found.paths)
            count = min(count, max(1, total // parts))
            count = min(count, max(count // 16, 1, -(-(total - first) * 2 // parts)))
        yield found.paths[first : first + count]
        first += count


def scan_all(
    paths: Iterable[str],
    settings: Settings,
    bands: int,
    rows: int,
    jobs: int,
    progress: Progress,
    timings: dict[str, float],
) -> Iterator[Batch]:
    """scan_batch over every batch, in order, on `jobs` processes, taking
    `paths` from the walk as they are needed (its time added to
    `timings["walk"]`)."""
    read = {"files": 0, "characters": 0}
    found = _Found(paths, timings)
    batches, parallel = _batches(found, jobs, read)
    progress("reading", 0, len(found.paths))
    with workers.forked_pool({}, jobs if parallel else 1) as pool_map:
        for batch in pool_map(functools.partial(scan_batch, settings=settings, bands=bands, rows=rows), batches):
            read["files"] += len(batch.paths) + len(batch.errors)
            read["characters"] += batch.characters
            progress("reading", read["files"], len(found.paths))
            yield batch


class BatchTable:
    """The batches' arrays joined into one table, a batch at a time as they
    arrive (so, on many cores, while later batches are still being scanned),
    with their files' paths, encodings and errors."""

    def __init__(self, no_prints: np.ndarray):
        """`no_prints`: the fingerprints of no passages, to take their type and width from."""
        self.columns = {name: GrowingArray(np.int64) for name in UnitTable.COLUMNS}
        self.values, self.sizes, self.counts = GrowingArray(np.uint32), GrowingArray(np.int64), GrowingArray(np.int64)
        self.prints = GrowingArray(no_prints.dtype, width=no_prints.shape[1])
        self.paths: list[str] = []
        self.encodings: list[str] = []
        self.errors: list[FileError] = []
        self.timings: dict[str, float] = {}
        self.characters = self.short_units = 0

    def add(self, batch: Batch) -> None:
        for name in UnitTable.COLUMNS:
            column = getattr(batch.units, name)
            self.columns[name].append(column + len(self.paths) if name == "doc" else column)
        self.values.append(batch.sets.values)
        self.sizes.append(batch.sets.sizes())
        self.counts.append(batch.sets.word_counts)
        self.prints.append(batch.fingerprints)
        self.paths += batch.paths
        self.encodings += batch.encodings
        self.errors += batch.errors
        self.characters += batch.characters
        self.short_units += batch.short_units
        for stage, seconds in batch.timings.items():
            self.timings[stage] = self.timings.get(stage, 0.0) + seconds

    def arrays(self) -> tuple[UnitTable, ShingleSets, np.ndarray]:
        units = UnitTable(*(self.columns[name].array() for name in UnitTable.COLUMNS))
        indptr = np.zeros(len(units) + 1, dtype=np.int64)
        np.cumsum(self.sizes.array(), out=indptr[1:])
        return units, ShingleSets(self.values.array(), indptr, self.counts.array()), self.prints.array()
