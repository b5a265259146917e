"""`find_clusters`: the one place where the stages are chained.

read files -> units (sentences, paragraphs or documents) -> shingles ->
signatures -> fingerprints (per batch of documents, see scan.py) -> candidate
pairs -> verified pairs -> aligned passages -> nodes -> clusters -> member text.

The scan keeps only compact arrays (offsets, shingle sets, band
fingerprints), never the documents' text; member text is re-read from the files at
the end, so memory follows the number of passages, not the size of the input.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

import numpy as np

from . import workers
from .align import align_runs, merge_spans
from .arrays import decode_pairs, distinct, distinct_pairs, distinct_per_group, pair_codes, take_rows
from .candidates import (
    SCREEN_RECALL,
    BandBuffers,
    CrowdedBuckets,
    ScreenBuffers,
    ScreenedPairs,
    agreeing_rows,
    band_keys,
    band_pairs,
    choose_bands,
    equal_rows,
    identical_rows,
    screen_pairs,
    shared_bands,
)
from .clusters import Group, Measure, group_links
from .members import build_clusters
from .models import FileError, Report, Settings
from .passages import UnitTable
from .scan import BatchTable, Progress, scan_all, timed
from .shingles import SHINGLE_HASH, ShingleSets
from .signatures import SCHEME, fingerprints
from .sources import walk_files
from .verify import pair_similarities
from .workers import SHARED, forked_pool, return_freed_memory, shared_zeros

__all__ = ["MAX_GAP", "MIN_CONTAINED_SHINGLES", "Progress", "find_clusters"]

MAX_GAP = 1
MIN_CONTAINED_SHINGLES = 8
_GROUP_UNITS = 16_000_000
_PIECE_PAIRS = 100_000
_SCREEN_PAIRS = 16_000


def _params(settings: Settings, bands: int, rows: int) -> dict:
    params = asdict(settings)
    params.update(
        scheme=SCHEME,
        shingle_hash=SHINGLE_HASH,
        bands=bands,
        rows=rows,
        max_gap=MAX_GAP,
        min_contained_shingles=MIN_CONTAINED_SHINGLES,
        screen_recall=SCREEN_RECALL,
        include=list(settings.include),
        exclude=list(settings.exclude),
    )
    return params


@dataclass
class Links:
    """Aligned passages as a graph: nodes are spans of rows, links join them."""

    node_first: np.ndarray
    node_last: np.ndarray
    links: np.ndarray
    similarity: np.ndarray


def _spans(runs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct spans (first and last rows) of aligned passages, and
    which one each side of each run is (first sides, then second sides): a
    unit that matches many others is the same span in many runs."""
    spans, span_of = np.unique(pair_codes(np.concatenate((runs[:, 0:2], runs[:, 2:4]))), return_inverse=True)
    first, last = decode_pairs(spans).T
    return first, last, span_of.reshape(-1)


def run_similarities(sets: ShingleSets, runs: np.ndarray) -> np.ndarray:
    """Jaccard similarity of the two sides of each aligned passage (from
    `align_runs`), each side the union of its units' shingle sets."""
    first, last, span_of = _spans(runs)
    n = len(runs)
    return pair_similarities(sets.span_unions(first, last), np.stack((span_of[:n], span_of[n:]), -1))[0]


def link_passages(units: UnitTable, runs: np.ndarray, similarity: np.ndarray) -> Links:
    """Aligned passages (from `align_runs`) and their `run_similarities` ->
    nodes and their links."""
    n = len(runs)
    first, last, span_of = _spans(runs)
    node_of, node_first, node_last = merge_spans(units.doc, first, last, units.start, units.end)
    links = np.sort(np.stack((node_of[span_of[:n]], node_of[span_of[n:]]), -1), axis=1)
    keep = links[:, 0] != links[:, 1]
    # each pair of nodes once, with its best similarity: one sort of codes, not a lexsort
    codes, similarity = pair_codes(links[keep]), similarity[keep]
    order = np.argsort(codes)
    codes, similarity = codes[order], similarity[order]
    first = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))[: len(codes)]
    best = np.maximum.reduceat(similarity, first) if len(codes) else similarity
    return Links(node_first, node_last, decode_pairs(codes[first]), best)


_TASKS_DONE = itertools.count(1)  # in this process
_TASKS_PER_TRIM = 16  # handing memory back after every task costs more than it saves


def _runs_of_shared(pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """align_runs on the unit table a forked worker inherited, and the runs' similarities."""
    units = SHARED["units"]
    runs = align_runs(units.doc, units.ordinal, pairs, MAX_GAP)
    return runs, run_similarities(SHARED["sets"], runs)


def _by_first_document(doc: np.ndarray, pairs: np.ndarray, parts: int) -> list[np.ndarray]:
    """Pairs sorted by their first unit's document, cut into about `parts`
    slices that never split a document, so runs can be aligned slice by slice."""
    pairs = pairs[np.argsort(doc[pairs[:, 0]], kind="stable")]
    docs = doc[pairs[:, 0]]
    cuts = np.searchsorted(docs, docs[np.linspace(0, len(pairs), parts + 1)[1:-1].astype(np.int64)])
    return [piece for piece in np.split(pairs, distinct(cuts)) if len(piece)]


def _band_group_of_shared(bands: range) -> tuple[int, np.ndarray, list[tuple[int, np.ndarray, np.ndarray]], float]:
    """band_pairs on a few bands of the fingerprints a forked worker
    inherited: the first band, the distinct candidates of these bands, their
    crowded buckets (band, members, representatives), and the seconds it took."""
    started = time.perf_counter()
    rows, buffers = SHARED["rows"], SHARED["band_buffers"]
    keys = band_keys(SHARED["fingerprints"][:, bands.start * rows : bands.stop * rows], len(bands), rows)
    if len(buffers.packed) < len(keys):
        keys = take_rows(keys, buffers.identical.standing)  # one row for each set of identical fingerprints
    codes, crowded = [], []
    for band in bands:
        found, members, representatives = band_pairs(keys[:, band - bands.start], buffers)
        codes.append(found)
        if len(members):
            crowded.append((band, members, representatives))
    del keys
    codes = distinct(np.concatenate(codes))
    return_freed_memory()
    return bands.start, codes, crowded, time.perf_counter() - started


def _band_groups(bands: int, passages: int) -> list[range]:
    """Consecutive bands, a few at a time: fewer when there are many passages,
    so that one group's candidates stay a bounded number of pairs."""
    size = int(np.clip(2 ** np.floor(np.log2(max(1, _GROUP_UNITS // max(passages, 1)))), 1, 8))
    return [range(first, min(first + size, bands)) for first in range(0, bands, size)]


@dataclass(frozen=True)
class _Comparison:
    """A piece of one group of bands' candidates, and what deciding them needs."""

    codes: np.ndarray
    first_band: int
    threshold: float
    containment: float


def _compare_shared(task: _Comparison) -> tuple[np.ndarray, np.ndarray, int, int, float]:
    """Screen and verify candidates on the fingerprints and shingle sets a
    forked worker inherited: (verified pairs, codes of the pairs that passed
    the screen, new candidates, pairs compared, seconds).
    """
    started = time.perf_counter()
    sets = SHARED["sets"]
    pairs = decode_pairs(task.codes)
    worth, candidates = [np.zeros(0, dtype=np.int64)], 0
    for lo in range(0, len(pairs), _SCREEN_PAIRS):
        at, new = _screened(pairs[lo : lo + _SCREEN_PAIRS], task)
        worth.append(at + lo)
        candidates += new
    worth = np.concatenate(worth)
    compared = pairs[worth]
    verified = _verify(sets, compared, task.threshold, task.containment)[1]
    found, passed = compared[verified], task.codes[worth]
    del pairs, worth, verified
    if next(_TASKS_DONE) % _TASKS_PER_TRIM == 0:
        return_freed_memory()
    return found, passed, candidates, len(compared), time.perf_counter() - started


def _verify(
    sets: ShingleSets, pairs: np.ndarray, threshold: float, least_contained: float
) -> tuple[np.ndarray, np.ndarray]:
    """The Jaccard similarity of each pair of rows of `sets`, and whether the
    pair passes verification: Jaccard similarity at `threshold`, or at least
    `least_contained` of the smaller set's shingles, and
    MIN_CONTAINED_SHINGLES, in the other."""
    jaccard, containment = pair_similarities(sets, pairs)
    sizes = sets.sizes()
    small = np.minimum(sizes[pairs[:, 0]], sizes[pairs[:, 1]])
    contained = (containment >= least_contained) & (small * containment >= MIN_CONTAINED_SHINGLES)
    return jaccard, (jaccard >= threshold) | contained


def _node_measure(graph: Links, sets: ShingleSets, settings: Settings) -> Measure:
    """`group_links`'s measure: the Jaccard similarity of pairs of nodes,
    each the union of its rows' shingle sets, NaN where they do not match."""

    def measure(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        nodes, inverse = np.unique(np.concatenate((a, b)), return_inverse=True)
        node_sets = sets.span_unions(graph.node_first[nodes], graph.node_last[nodes])
        jaccard, matched = _verify(node_sets, inverse.reshape(2, -1).T, settings.threshold, settings.containment)
        return np.where(matched, jaccard, np.nan)

    return measure


def _screened(pairs: np.ndarray, task: _Comparison) -> tuple[np.ndarray, int]:
    """Which of a few thousand candidate pairs are worth verifying (their
    indices), and how many are new.

    A pair is new in its group of bands unless an earlier band proposed it
    (see `CrowdedBuckets`); new pairs that `screen_pairs` finds worth it are
    verified. A few thousand at a time, so that their fingerprints stay in
    cache: 16,000 pairs at a time took 0.20 s per 2 million at 1000 MB, 100,000
    took 0.33 s.
    """
    prints, buckets, sizes = SHARED["fingerprints"], SHARED["buckets"], SHARED["sets"].sizes()
    equal = equal_rows(prints, pairs, SHARED["screen_buffers"])
    new = np.flatnonzero(~buckets.proposed_any(shared_bands(equal, task.first_band, SHARED["rows"]), pairs))
    a, b = sizes[pairs[new, 0]], sizes[pairs[new, 1]]
    agreeing = agreeing_rows(equal)[new]
    worth = screen_pairs(agreeing, equal.shape[1], a, b, task.threshold, task.containment, MIN_CONTAINED_SHINGLES)
    return new[worth], len(new)


def _compare(
    units: UnitTable,
    sets: ShingleSets,
    prints: np.ndarray,
    settings: Settings,
    bands: int,
    rows: int,
    jobs: int,
    timings: dict[str, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Candidates, verification and alignment, on `jobs` forked workers:
    the verified pairs (sorted, distinct), their aligned runs (see
    `align_runs`) and the runs' similarities, the number of distinct
    candidates and the number of pairs whose shingle sets were compared."""
    n = len(units)
    with timed(timings, "identical signatures"):
        identical = identical_rows(prints)
    shape = CrowdedBuckets.table_shape(n, bands)
    buckets = CrowdedBuckets(shared_zeros(shape), shared_zeros(shape), identical.standing_of)
    screened = ScreenedPairs()
    candidates = compared = 0
    kept = []
    timings["candidates"] = timings["verify"] = 0.0
    sets.sizes()  # computed once here, so forked workers share it instead of each computing it
    shared = {"sets": sets, "fingerprints": prints, "rows": rows, "buckets": buckets, "units": units}
    shared["band_buffers"] = BandBuffers(len(identical.standing), identical)  # each worker's own copy once written
    shared["screen_buffers"] = ScreenBuffers(_SCREEN_PAIRS, prints)
    with forked_pool(shared, jobs) as pool_map:

        def tasks() -> Iterator[_Comparison]:
            """The links between identical signatures, then each group's
            candidates, in pieces, once the bands before it are marked."""
            links = identical.links
            for piece in np.array_split(links, max(1, len(links) // _PIECE_PAIRS)) if len(links) else []:
                yield _Comparison(piece, 0, settings.threshold, settings.containment)
            groups = _band_groups(bands, len(identical.standing)) if n > 1 else []
            for first_band, codes, crowded, seconds in pool_map(_band_group_of_shared, groups):
                timings["candidates"] += seconds
                for found in crowded:
                    buckets.mark(*found)
                codes = screened.drop_known(codes)
                for piece in np.array_split(codes, max(1, len(codes) // _PIECE_PAIRS)) if len(codes) else []:
                    yield _Comparison(piece, first_band, settings.threshold, settings.containment)

        with timed(timings, "compare (wall)"):
            for pairs, passed, new, checked, seconds in pool_map(_compare_shared, tasks()):
                kept.append(pairs)
                screened.add(passed)
                candidates += new
                compared += checked
                timings["verify"] += seconds
        verified = distinct_pairs(np.concatenate(kept)) if kept else np.zeros((0, 2), np.int64)
        with timed(timings, "align"):
            pieces = _by_first_document(units.doc, verified, 8 * jobs) if len(verified) else []
            found = list(pool_map(_runs_of_shared, pieces))
    runs = np.concatenate([r for r, _ in found]) if found else np.zeros((0, 4), dtype=np.int64)
    similarity = np.concatenate([s for _, s in found]) if found else np.zeros(0)
    return verified, runs, similarity, candidates, compared


def find_clusters(
    inputs: Iterable[str],
    settings: Settings | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
) -> Report:
    """Scan files and folders and return clusters of near-duplicate passages.

    Reading, splitting, shingling, signatures, candidates, verification,
    alignment and re-reading member text run on `jobs` processes; the result
    is the same for every value. Raises `InputNotFound` if an
    input does not exist; files that cannot be read are listed in
    `Report.errors` and the scan goes on without them.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    report_progress = progress or (lambda stage, done, total: None)
    timings: dict[str, float] = {}
    bands, rows = choose_bands(settings.candidate_threshold, settings.num_perm)
    include = () if settings.all_files else settings.include
    walk_failures: list[tuple[str, str]] = []
    paths = walk_files(inputs, include, settings.exclude, settings.hidden, walk_failures)

    tables = BatchTable(fingerprints(np.zeros((0, bands * rows), dtype=np.uint32), rows))
    with timed(timings, "scan (wall)"):
        for batch in scan_all(paths, settings, bands, rows, jobs, report_progress, timings):
            with timed(timings, "join batches"):
                tables.add(batch)
    return_freed_memory()
    errors = [FileError(path, reason) for path, reason in walk_failures]
    for stage, seconds in tables.timings.items():
        timings[stage] = timings.get(stage, 0.0) + seconds
    errors += tables.errors
    doc_paths, doc_encodings, characters, short_units = (
        tables.paths,
        tables.encodings,
        tables.characters,
        tables.short_units,
    )
    units, sets, prints = tables.arrays()
    del tables  # so that `del prints` below hands back the fingerprints' memory

    report_progress("comparing", 0, 1)
    jobs = jobs if characters >= workers.PARALLEL_MIN_BYTES else 1
    verified_pairs, runs, run_similarity, candidate_count, compared_count = _compare(
        units, sets, prints, settings, bands, rows, jobs, timings
    )
    del prints
    with timed(timings, "align"):
        graph = link_passages(units, runs, run_similarity)
    with timed(timings, "cluster"):
        measure = _node_measure(graph, sets, settings)
        groups, chains_cut = group_links(len(graph.node_first), graph.links, graph.similarity, measure)
        groups = _filter_groups(groups, units.doc[graph.node_first], settings)
    report_progress("comparing", 1, 1)
    with timed(timings, "member text"):
        clusters = build_clusters(
            groups, graph.node_first, graph.node_last, units, sets, doc_paths, doc_encodings, errors, jobs
        )
    stats = {
        "files": len(doc_paths),
        "characters": characters,
        "passages": len(units),
        "short_passages": short_units,
        "candidate_pairs": candidate_count,
        "compared_pairs": compared_count,
        "verified_pairs": len(verified_pairs),
        "aligned_passages": len(graph.node_first),
        "chains_cut": chains_cut,
        "clusters": len(clusters),
        "errors": len(errors),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return Report(_params(settings, bands, rows), stats, clusters, errors, timings)


def _filter_groups(groups: list[Group], node_doc: np.ndarray, settings: Settings) -> list[Group]:
    """Groups with at least --min-size members in at least --min-documents files."""
    if not groups:
        return []
    sizes = np.array([len(g.members) for g in groups])
    members = np.concatenate([g.members for g in groups])
    owner = np.repeat(np.arange(len(groups), dtype=np.int64), sizes)
    documents = distinct_per_group(owner, node_doc[members], len(groups))
    keep = (sizes >= settings.min_size) & (documents >= settings.min_documents)
    return [g for g, k in zip(groups, keep.tolist()) if k]
