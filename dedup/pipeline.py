"""`find_clusters`: the one place where the stages are chained.

read files -> units (sentences, paragraphs or documents) -> shingles ->
signatures -> fingerprints (per batch of documents, see scan.py) -> candidate
pairs -> verified pairs -> aligned passages -> nodes -> clusters -> member text.

The scan keeps only compact arrays (offsets, shingle sets, band
fingerprints), never the documents' text; member text is re-read from the files at
the end, so memory follows the number of passages, not the size of the input.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

import numpy as np

from . import workers
from .align import align_runs, merge_spans
from .arrays import decode_pairs, distinct, distinct_pairs, pair_codes
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
from .models import Cluster, FileError, Member, Report, Settings
from .passages import UnitTable
from .scan import BatchTable, Progress, scan_all, timed
from .shingles import SHINGLE_HASH, ShingleSets
from .signatures import SCHEME, fingerprints
from .sources import find_files, read_text
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
        keys = keys[buffers.identical.standing]  # one row for each set of identical fingerprints
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
    with timed(timings, "walk"):
        paths, walk_failures = find_files(inputs, include, settings.exclude, settings.hidden)
    errors = [FileError(path, reason) for path, reason in walk_failures]

    tables = BatchTable(fingerprints(np.zeros((0, bands * rows), dtype=np.uint32), rows))
    with timed(timings, "scan (wall)"):
        for batch in scan_all(paths, settings, bands, rows, jobs, report_progress):
            with timed(timings, "join batches"):
                tables.add(batch)
    return_freed_memory()
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
        clusters = _build_clusters(groups, graph, units, sets, doc_paths, doc_encodings, errors, jobs)
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
    documents = _distinct_per_group(owner, node_doc[members], len(groups))
    keep = (sizes >= settings.min_size) & (documents >= settings.min_documents)
    return [g for g, k in zip(groups, keep.tolist()) if k]


def _distinct_per_group(group: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """How many distinct values (below 2**32) each of `groups` groups holds,
    given each item's group and value."""
    pairs = distinct((group.astype(np.uint64) << np.uint64(32)) | values.astype(np.uint64))
    return np.bincount((pairs >> np.uint64(32)).astype(np.int64), minlength=groups)


def _build_clusters(
    groups: list[Group],
    graph: Links,
    units: UnitTable,
    sets: ShingleSets,
    doc_paths: list[str],
    doc_encodings: list[str],
    errors: list[FileError],
    jobs: int,
) -> list[Cluster]:
    """The groups' members with their text, similarity to their
    representative and lines, as clusters. Members are built file by file
    as the files are read again, so that on many cores building them
    overlaps the reading (0.18 s at 100 MB)."""
    if not groups:
        return []
    sizes = [len(g.members) for g in groups]
    members = np.concatenate([g.members for g in groups])
    reps = np.repeat([g.representative for g in groups], sizes)
    first, last = graph.node_first[members], graph.node_last[members]
    doc, start, end = units.doc[first], units.start[first], units.end[last]
    order = np.argsort(doc, kind="stable")  # file by file, each file read once
    with _member_texts(doc[order], start[order], end[order], doc_paths, doc_encodings, errors, jobs) as parts:
        node_sets = sets.span_unions(graph.node_first, graph.node_last)  # while workers read
        jaccard, containment = pair_similarities(node_sets, np.stack((reps, members), -1))
        columns = (doc, start, end, units.line_start[first], units.line_end[last])
        rows = zip(
            *(a[order].tolist() for a in columns), *(np.round(a[order], 4).tolist() for a in (jaccard, containment))
        )
        texts: list[str | None] = [None] * len(members)
        found: list[Member | None] = [None] * len(members)
        at = iter(order.tolist())
        with _gc_paused():
            for part in parts:
                for text, (d, s, e, line_s, line_e, j, c), i in zip(part, rows, at):  # part first: zip stops there
                    texts[i] = text
                    if text is not None:
                        found[i] = Member(doc_paths[d], s, e, line_s, line_e, text, j, c)
            return _rank_clusters(groups, members, reps, doc, texts, found)


def _rank_clusters(
    groups: list[Group],
    members: np.ndarray,
    reps: np.ndarray,
    doc: np.ndarray,
    texts: list[str | None],
    found: list[Member | None],
) -> list[Cluster]:
    """Clusters from groups and their members (None where a file could not
    be read again), largest first, then most documents, then reading order."""
    sizes = np.array([len(g.members) for g in groups])
    group = np.repeat(np.arange(len(groups)), sizes)
    starts = np.cumsum(sizes) - sizes
    complete = texts.count(None) == 0  # str == None is decided in C; Member == None is not
    present = np.ones(len(found), dtype=bool) if complete else np.array([m is not None for m in found])
    kept_counts = np.bincount(group[present], minlength=len(groups))
    documents = _distinct_per_group(group[present], doc[present], len(groups)).tolist()
    representative_at = np.flatnonzero(members == reps).tolist()  # one per group, in group order
    ranked = np.lexsort((members[starts], -np.array(documents), -kept_counts))
    starts, ends = starts.tolist(), (starts + sizes).tolist()
    clusters = []
    for number, g in enumerate(ranked[kept_counts[ranked] >= 2].tolist(), 1):
        kept = found[starts[g] : ends[g]] if complete else [m for m in found[starts[g] : ends[g]] if m is not None]
        rep_text = texts[representative_at[g]]
        clusters.append(
            Cluster(
                id=number,
                size=len(kept),
                documents=documents[g],
                similarity=round(groups[g].mean_similarity, 4),
                min_similarity=round(groups[g].min_similarity, 4),
                text=rep_text if rep_text is not None else kept[0].text,
                members=tuple(kept),
            )
        )
    return clusters


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Python's cycle collector paused while millions of objects are built
    that can hold no cycles: it would walk the growing heap again and again
    (60% of the time to build 1.6 million members, measured)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _texts_of_shared(files: range) -> tuple[list[str | None], list[tuple[int, str]]]:
    """Re-read a range of the files a forked worker inherited and cut out
    their members' text, in order (None where a file could not be read):
    (texts, [(document, why it could not be read)])."""
    doc, start, end, first = (SHARED[name] for name in ("doc", "start", "end", "first"))
    texts: list[str | None] = []
    failures = []
    for f in files:
        lo, hi = first[f], first[f + 1]
        try:
            text = read_text(SHARED["paths"][doc[lo]], SHARED["encodings"][doc[lo]])
        except (OSError, UnicodeDecodeError) as e:
            failures.append((doc[lo], f"changed or vanished during the scan: {e}"))
            texts += [None] * (hi - lo)
            continue
        texts += [text[a:b] for a, b in zip(start[lo:hi], end[lo:hi])]
    return texts, failures


@contextlib.contextmanager
def _member_texts(
    doc: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    doc_paths: list[str],
    doc_encodings: list[str],
    errors: list[FileError],
    jobs: int,
) -> Iterator[Iterator[list[str | None]]]:
    """Yield the text of each member (document, start, end; sorted by
    document), None where its file could not be read again, as consecutive
    lists in that order, each as soon as it is read. Each file holding
    members is re-read once, on `jobs` forked processes when there are many,
    starting as soon as this is entered, so the caller can work meanwhile."""
    first = np.flatnonzero(np.concatenate(([True], doc[1:] != doc[:-1], [True])))
    files = len(first) - 1
    jobs = jobs if files >= workers.PARALLEL_MIN_FILES else 1
    cuts = np.linspace(0, files, 4 * jobs + 1).astype(np.int64).tolist()
    shared = {
        "doc": doc.tolist(),
        "start": start.tolist(),
        "end": end.tolist(),
        "first": first.tolist(),
        "paths": doc_paths,
        "encodings": doc_encodings,
    }
    with forked_pool(shared, jobs) as pool_map:
        reading = pool_map(_texts_of_shared, itertools.starmap(range, itertools.pairwise(cuts)), eager=True)

        def texts() -> Iterator[list[str | None]]:
            for part, failures in reading:
                errors.extend(FileError(doc_paths[d], why) for d, why in failures)
                yield part

        yield texts()
