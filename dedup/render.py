"""Turn a `Report` into JSON or JSON lines.

They read the same `Cluster` objects as the terminal view (`view`), so what
the terminal shows and what a script receives can never disagree.
"""

from __future__ import annotations

import bisect
import codecs
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from json.encoder import encode_basestring
from typing import TextIO

from .models import Cluster, Report
from .workers import SHARED, forked_pool

__all__ = ["cluster_json", "write_json", "write_jsonl"]

PARALLEL_MIN_MEMBERS = 20_000  # fewer members are written by this process alone
_PIECE_MEMBERS = 250_000  # at most, per worker task: some 100 MB of JSON


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_json(report: Report, out: TextIO, jobs: int = 1) -> None:
    """One JSON document, written a run of clusters at a time (see `_joined_clusters`)."""
    out.write('{"version": 1,\n "params": ' + _dumps(report.params))
    out.write(',\n "stats": ' + _dumps(report.stats) + ',\n "clusters": [')
    for i, clusters in enumerate(_joined_clusters(report.clusters, ",\n  ", out, jobs)):
        out.write(",\n  " if i else "\n  ")
        _write(out, clusters)
    out.write("\n ],\n" if report.clusters else "],\n")
    out.write(' "errors": ' + _dumps([asdict(e) for e in report.errors]) + "}\n")


def write_jsonl(report: Report, out: TextIO, jobs: int = 1) -> None:
    """One cluster object per line and nothing else."""
    for clusters in _joined_clusters(report.clusters, "\n", out, jobs):
        _write(out, clusters)
        out.write("\n")


def _joined_clusters(clusters: list[Cluster], separator: str, out: TextIO, jobs: int) -> Iterator[str | bytes]:
    """The clusters' JSON, in order, one cluster at a time, or runs of them
    joined by `separator`.

    With many members, forked workers encode part of the JSON while this
    process writes the rest: the JSON of the 1.6 million members of 1 GB of
    news took 10 s in one process. A worker pays more per member: reading
    an object writes its reference count, which copies the object's page,
    and the members of any run of clusters lie on most pages (they were
    built file by file); with all of it on two workers, they took 14 s
    between them, with 676,000 page faults. So this process writes the
    first two shares of jobs + 1 itself (two thirds with two jobs), while
    jobs - 1 workers encode the rest, a share each, submitted at once in
    a few runs whose JSON waits in shared memory. The workers encode it as
    `out` would when it writes UTF-8 to a byte buffer, so that this process
    only copies bytes through: decoding and encoding 600 MB again had taken
    it 4 s.
    """
    ends = list(itertools.accumulate(cluster.size for cluster in clusters)) if jobs > 1 else []
    total = ends[-1] if ends else 0
    if jobs <= 1 or total < PARALLEL_MIN_MEMBERS:
        yield from map(cluster_json, clusters)
        return
    own = bisect.bisect_right(ends, 2 * total // (jobs + 1))
    rest = total - (ends[own - 1] if own else 0)
    runs = min(len(clusters) - own, max(4 * (jobs - 1), -(-rest // _PIECE_MEMBERS)))
    starts = {bisect.bisect_right(ends, total - rest + rest * k // runs, own) for k in range(1, runs)}
    cuts = sorted({own, len(clusters)} | starts)
    shared = {"clusters": clusters, "separator": separator, "errors": _utf8_errors(out)}
    with forked_pool(shared, jobs - 1, fork_one=True) as pool_map:
        later = pool_map(_joined_of_shared, itertools.starmap(range, itertools.pairwise(cuts)), eager=True)
        yield from map(cluster_json, clusters[:own])
        yield from later


def _joined_of_shared(run: range) -> str | bytes:
    """In a worker: the JSON of a run of the clusters it inherited, joined
    (and encoded, if the parent writes bytes)."""
    text = SHARED["separator"].join(map(cluster_json, SHARED["clusters"][run.start : run.stop]))
    return text.encode("utf-8", SHARED["errors"]) if SHARED["errors"] else text


def _utf8_errors(out: TextIO) -> str | None:
    """The error handler of a stream that encodes text as UTF-8 into a byte
    buffer beneath it, without translating newlines; None for any other
    stream (UTF-16 would repeat its byte-order mark in every piece)."""
    try:
        utf8 = codecs.lookup(out.encoding).name == "utf-8"
    except (AttributeError, LookupError, TypeError):
        return None
    return out.errors if utf8 and hasattr(out, "buffer") and os.linesep == "\n" else None


def _write(out: TextIO, part: str | bytes) -> None:
    """Text to the stream; bytes encoded for it to the buffer beneath it."""
    if isinstance(part, str):
        out.write(part)
    else:
        out.flush()
        out.buffer.write(part)


_MEMBER = (
    '{"path": %s, "start": %r, "end": %r, "line_start": %r, "line_end": %r, '
    '"text": %s, "similarity": %r, "containment": %r}'
)
_CLUSTER = (
    '{"id": %r, "size": %r, "documents": %r, "similarity": %r, "min_similarity": %r, "text": %s, "members": [%s]}'
)


def cluster_json(cluster: Cluster) -> str:
    """`json.dumps(cluster.to_dict(), ensure_ascii=False)`, byte for byte (a
    test checks it), filled into a template instead of built as dicts first:
    0.33 s instead of 0.44-0.52 s for the 127,000 members at 100 MB. Strings
    are escaped by json's own encoder, and numbers (integers and finite
    floats, as every figure here is) written as json writes them.
    """
    paths: dict[str, str] = {}
    members = []
    for m in cluster.members:
        path = paths.get(m.path)
        if path is None:
            path = paths[m.path] = encode_basestring(m.path)
        members.append(
            _MEMBER
            % (path, m.start, m.end, m.line_start, m.line_end, encode_basestring(m.text), m.similarity, m.containment)
        )
    return _CLUSTER % (
        cluster.id,
        cluster.size,
        cluster.documents,
        cluster.similarity,
        cluster.min_similarity,
        encode_basestring(cluster.text),
        ", ".join(members),
    )
