"""Groups of aligned passages -> clusters of members with their text.

The scan kept no text, so each file holding a member is read again here,
once. Forked workers take the files a range at a time: they cut out each
member's text and measure the member against its cluster's representative
(both are per-member work that grows with the output, 1.6 million members
at 1 GB). The parent only turns what comes back into the `Member` and
`Cluster` objects every output reads, a range at a time as the workers
finish them.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from collections.abc import Iterator

import numpy as np

from . import workers
from .arrays import distinct, distinct_per_group
from .clusters import Group
from .models import Cluster, FileError, Member
from .passages import UnitTable
from .shingles import ShingleSets
from .sources import read_text
from .verify import pair_similarities
from .workers import SHARED, forked_pool

__all__ = ["build_clusters"]


def build_clusters(
    groups: list[Group],
    node_first: np.ndarray,
    node_last: np.ndarray,
    units: UnitTable,
    sets: ShingleSets,
    doc_paths: list[str],
    doc_encodings: list[str],
    errors: list[FileError],
    jobs: int,
) -> list[Cluster]:
    """The groups (of nodes, each a span of units `node_first`..`node_last`)
    as clusters, ranked: each member with its text, its lines and its
    similarity to the representative. Members whose file can no longer be
    read are left out and the file is added to `errors`."""
    if not groups:
        return []
    sizes = np.array([len(g.members) for g in groups])
    members = np.concatenate([g.members for g in groups])
    reps = np.repeat([g.representative for g in groups], sizes)
    member_doc = units.doc[node_first[members]]
    order = np.argsort(member_doc, kind="stable")  # file by file, each file read once
    in_file_order = members[order]
    first, last = node_first[in_file_order], node_last[in_file_order]
    doc = member_doc[order]
    file_first = np.flatnonzero(np.concatenate(([True], doc[1:] != doc[:-1], [True])))
    files = len(file_first) - 1
    jobs = jobs if files >= workers.PARALLEL_MIN_FILES else 1
    shared = {
        "doc": doc,
        "start": units.start[first],
        "end": units.end[last],
        "file_first": file_first,
        "paths": doc_paths,
        "encodings": doc_encodings,
        "pairs": np.stack((reps, members), -1)[order],
        "node_first": node_first,
        "node_last": node_last,
        "sets": sets,
    }
    cuts = np.linspace(0, files, 4 * jobs + 1).astype(np.int64).tolist()
    with forked_pool(shared, jobs) as pool_map:
        parts = pool_map(_members_of_shared, itertools.starmap(range, itertools.pairwise(cuts)), eager=True)
        columns = (
            [doc_paths[d] for d in doc.tolist()],
            *(a.tolist() for a in (shared["start"], shared["end"], units.line_start[first], units.line_end[last])),
        )
        found: list[Member | None] = []
        complete = True
        with _gc_paused():
            for texts, similarity, containment, failures in parts:
                lo = len(found)
                hi = lo + len(texts)
                found += map(Member, *(c[lo:hi] for c in columns), texts, similarity.tolist(), containment.tolist())
                if failures:
                    complete = False
                    errors.extend(FileError(doc_paths[d], why) for d, why in failures)
                    found[lo:hi] = [m if m.text is not None else None for m in found[lo:hi]]
            in_groups = np.empty_like(order)
            in_groups[order] = np.arange(len(order))
            found = [found[i] for i in in_groups.tolist()]
            return _rank_clusters(groups, sizes, members, reps, member_doc, found, complete)


def _members_of_shared(files: range) -> tuple[list[str | None], np.ndarray, np.ndarray, list[tuple[int, str]]]:
    """In a worker (which inherited `SHARED`): the members of a range of
    files, in order: their text (None where the file could not be read
    again), their Jaccard similarity and containment to their
    representative (rounded to 4 places, as the output shows them), and the
    files that could not be read, with why."""
    file_first = SHARED["file_first"]
    lo, hi = int(file_first[files.start]), int(file_first[files.stop])
    doc, start, end = (SHARED[name][lo:hi].tolist() for name in ("doc", "start", "end"))
    bounds = (file_first[files.start : files.stop + 1] - lo).tolist()
    texts: list[str | None] = []
    failures = []
    for a, b in itertools.pairwise(bounds):
        try:
            text = read_text(SHARED["paths"][doc[a]], SHARED["encodings"][doc[a]])
        except (OSError, UnicodeDecodeError) as e:
            failures.append((doc[a], f"changed or vanished during the scan: {e}"))
            texts += [None] * (b - a)
            continue
        texts += [text[s:e] for s, e in zip(start[a:b], end[a:b])]
    pairs = SHARED["pairs"][lo:hi]
    nodes = distinct(pairs.reshape(-1))
    node_sets = SHARED["sets"].span_unions(SHARED["node_first"][nodes], SHARED["node_last"][nodes])
    similarity, containment = pair_similarities(node_sets, np.searchsorted(nodes, pairs))
    return texts, np.round(similarity, 4), np.round(containment, 4), failures


def _rank_clusters(
    groups: list[Group],
    sizes: np.ndarray,
    members: np.ndarray,
    reps: np.ndarray,
    doc: np.ndarray,
    found: list[Member | None],
    complete: bool,
) -> list[Cluster]:
    """Clusters from groups and their members (None where a file could not
    be read again, unless `complete`), largest first, then most documents,
    then reading order."""
    group = np.repeat(np.arange(len(groups)), sizes)
    starts = np.cumsum(sizes) - sizes
    present = np.ones(len(found), dtype=bool) if complete else np.array([m is not None for m in found])
    kept_counts = np.bincount(group[present], minlength=len(groups))
    documents = distinct_per_group(group[present], doc[present], len(groups)).tolist()
    representative_at = np.flatnonzero(members == reps).tolist()  # one per group, in group order
    ranked = np.lexsort((members[starts], -np.array(documents), -kept_counts))
    starts, ends = starts.tolist(), (starts + sizes).tolist()
    clusters = []
    for number, g in enumerate(ranked[kept_counts[ranked] >= 2].tolist(), 1):
        kept = found[starts[g] : ends[g]] if complete else [m for m in found[starts[g] : ends[g]] if m is not None]
        representative = found[representative_at[g]]
        clusters.append(
            Cluster(
                id=number,
                size=len(kept),
                documents=documents[g],
                similarity=round(groups[g].mean_similarity, 4),
                min_similarity=round(groups[g].min_similarity, 4),
                text=(representative or kept[0]).text,
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
