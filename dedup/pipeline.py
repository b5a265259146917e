"""`find_clusters`: the one place where the stages are chained.

read files -> passages -> shingles -> signatures -> band keys (per batch of
documents) -> candidate pairs -> verified pairs -> clusters -> member text.

The per-batch stage keeps only compact arrays (offsets, shingle sets, band
keys), never the documents' text; member text is re-read from the files at
the end, so memory follows the number of passages, not the size of the input.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .candidates import band_keys, candidate_pairs, choose_bands
from .clusters import Group, group_pairs
from .models import Cluster, FileError, Member, Report, Settings
from .passages import split_paragraphs
from .shingles import SHINGLE_HASH, ShingleSets, shingle_sets
from .signatures import SCHEME, minhash_signatures
from .sources import UnreadableFile, find_files, read_document, read_text
from .verify import pair_similarities

__all__ = ["Progress", "find_clusters", "scan_batch"]

Progress = Callable[[str, int, int], None]
_BATCH_BYTES = 4 << 20


@dataclass
class Batch:
    """Everything later stages need from a batch of documents, as arrays."""

    paths: list[str]
    encodings: list[str]
    errors: list[FileError]
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    line_start: np.ndarray
    line_end: np.ndarray
    sets: ShingleSets
    keys: np.ndarray
    passages_seen: int
    characters: int


def scan_batch(paths: Sequence[str], settings: Settings, bands: int, rows: int) -> Batch:
    """Read, split, shingle and sign one batch of files.

    A pure function of its arguments (it only reads the files), so batches can
    run in any process, or on any machine, and be concatenated in order.
    """
    ok_paths, encodings, errors = [], [], []
    texts: list[str] = []
    columns: list[tuple[int, int, int, int, int]] = []
    characters = 0
    for path in paths:
        try:
            document = read_document(path, settings.encoding)
        except UnreadableFile as e:
            errors.append(FileError(path, str(e)))
            continue
        doc = len(ok_paths)
        ok_paths.append(path)
        encodings.append(document.encoding)
        characters += len(document.text)
        for span in split_paragraphs(document.text):
            texts.append(document.text[span.start : span.end])
            columns.append((doc, *span))
    sets = shingle_sets(texts, settings.shingle_size)
    keep = np.flatnonzero(sets.word_counts >= settings.min_words)
    sets = _select(sets, keep)
    table = np.array(columns, dtype=np.int64).reshape(-1, 5)[keep]
    signatures = minhash_signatures(sets, settings.num_perm, settings.seed)
    return Batch(
        ok_paths,
        encodings,
        errors,
        *table.T,
        sets=sets,
        keys=band_keys(signatures, bands, rows),
        passages_seen=len(texts),
        characters=characters,
    )


def _select(sets: ShingleSets, rows: np.ndarray) -> ShingleSets:
    sizes = sets.sizes()[rows]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(sizes, out=indptr[1:])
    offsets = np.repeat(sets.indptr[rows] - indptr[:-1], sizes) + np.arange(indptr[-1])
    return ShingleSets(sets.values[offsets], indptr, sets.word_counts[rows])


def _concat_sets(parts: list[ShingleSets]) -> ShingleSets:
    shift = np.cumsum([0] + [p.indptr[-1] for p in parts[:-1]])
    indptr = np.concatenate([[0]] + [p.indptr[1:] + s for p, s in zip(parts, shift)])
    values = np.concatenate([p.values for p in parts]) if parts else np.zeros(0, np.uint32)
    counts = np.concatenate([p.word_counts for p in parts]) if parts else np.zeros(0, np.int64)
    return ShingleSets(values, indptr.astype(np.int64), counts)


def _batches(paths: list[str], max_bytes: int = _BATCH_BYTES) -> Iterable[list[str]]:
    """Consecutive runs of paths holding about `max_bytes` of input each."""
    batch: list[str] = []
    size = 0
    for path in paths:
        batch.append(path)
        with contextlib.suppress(OSError):
            size += os.path.getsize(path)
        if size >= max_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _params(settings: Settings, bands: int, rows: int) -> dict:
    params = asdict(settings)
    params.update(
        unit="paragraph",
        scheme=SCHEME,
        shingle_hash=SHINGLE_HASH,
        bands=bands,
        rows=rows,
        include=list(settings.include),
        exclude=list(settings.exclude),
    )
    return params


def find_clusters(inputs: Iterable[str], settings: Settings | None = None, progress: Progress | None = None) -> Report:
    """Scan files and folders and return clusters of near-duplicate passages.

    Raises `InputNotFound` if an input does not exist; files that cannot be
    read are listed in `Report.errors` and the scan goes on without them.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    report_progress = progress or (lambda stage, done, total: None)
    bands, rows = choose_bands(settings.threshold, settings.num_perm)
    include = () if settings.all_files else settings.include
    paths, walk_failures = find_files(inputs, include, settings.exclude, settings.hidden)
    errors = [FileError(path, reason) for path, reason in walk_failures]

    batches: list[Batch] = []
    done = 0
    report_progress("reading", 0, len(paths))
    for chunk in _batches(paths):
        batches.append(scan_batch(chunk, settings, bands, rows))
        done += len(chunk)
        report_progress("reading", done, len(paths))

    doc_paths: list[str] = []
    doc_encodings: list[str] = []
    doc_parts = []
    for batch in batches:
        doc_parts.append(batch.doc + len(doc_paths))
        doc_paths += batch.paths
        doc_encodings += batch.encodings
        errors += batch.errors
    doc = np.concatenate(doc_parts) if doc_parts else np.zeros(0, np.int64)
    table = {
        name: np.concatenate([getattr(b, name) for b in batches]) if batches else np.zeros(0, np.int64)
        for name in ("start", "end", "line_start", "line_end")
    }
    sets = _concat_sets([b.sets for b in batches])
    keys = np.concatenate([b.keys for b in batches]) if batches else np.zeros((0, bands), np.uint64)

    report_progress("comparing", 0, 1)
    candidates = candidate_pairs(keys)
    similarity, _ = pair_similarities(sets, candidates)
    verified = similarity >= settings.threshold
    groups = group_pairs(len(doc), candidates[verified], similarity[verified])
    report_progress("comparing", 1, 1)

    groups = [
        g
        for g in groups
        if len(g.members) >= settings.min_size and len(np.unique(doc[g.members])) >= settings.min_documents
    ]
    clusters = _build_clusters(groups, sets, doc, table, doc_paths, doc_encodings, errors)
    stats = {
        "files": len(doc_paths),
        "characters": sum(b.characters for b in batches),
        "passages": len(doc),
        "short_passages": sum(b.passages_seen for b in batches) - len(doc),
        "candidate_pairs": len(candidates),
        "verified_pairs": int(verified.sum()),
        "clusters": len(clusters),
        "errors": len(errors),
        "seconds": round(time.perf_counter() - started, 3),
    }
    return Report(_params(settings, bands, rows), stats, clusters, errors)


def _build_clusters(
    groups: list[Group],
    sets: ShingleSets,
    doc: np.ndarray,
    table: dict[str, np.ndarray],
    doc_paths: list[str],
    doc_encodings: list[str],
    errors: list[FileError],
) -> list[Cluster]:
    if not groups:
        return []
    reps = np.concatenate([np.full(len(g.members), g.representative) for g in groups])
    members = np.concatenate([g.members for g in groups])
    member_similarity, _ = pair_similarities(sets, np.stack((reps, members), -1))
    texts = _member_texts(members, doc, table, doc_paths, doc_encodings, errors)

    ranked = []
    position = 0
    for g in groups:
        sims = member_similarity[position : position + len(g.members)]
        position += len(g.members)
        found = [
            Member(
                path=doc_paths[doc[i]],
                start=int(table["start"][i]),
                end=int(table["end"][i]),
                line_start=int(table["line_start"][i]),
                line_end=int(table["line_end"][i]),
                text=texts[i],
                similarity=round(float(s), 4),
            )
            for i, s in zip(g.members, sims)
            if i in texts
        ]
        if len(found) < 2:
            continue
        documents = len({m.path for m in found})
        ranked.append((-len(found), -documents, int(g.members[0]), g, found, texts.get(g.representative)))
    ranked.sort(key=lambda r: r[:3])
    return [
        Cluster(
            id=number,
            size=len(found),
            documents=len({m.path for m in found}),
            similarity=round(g.mean_similarity, 4),
            min_similarity=round(g.min_similarity, 4),
            text=rep_text if rep_text is not None else found[0].text,
            members=tuple(found),
        )
        for number, (_, _, _, g, found, rep_text) in enumerate(ranked, 1)
    ]


def _member_texts(
    members: np.ndarray,
    doc: np.ndarray,
    table: dict[str, np.ndarray],
    doc_paths: list[str],
    doc_encodings: list[str],
    errors: list[FileError],
) -> dict[int, str]:
    """Re-read each file holding a member once and slice out the members' text."""
    texts: dict[int, str] = {}
    wanted = np.unique(members)
    for same_doc in np.split(wanted, np.flatnonzero(np.diff(doc[wanted])) + 1):
        path = doc_paths[doc[same_doc[0]]]
        try:
            text = read_text(path, doc_encodings[doc[same_doc[0]]])
        except (OSError, UnicodeDecodeError) as e:
            errors.append(FileError(path, f"changed or vanished during the scan: {e}"))
            continue
        for i in same_doc:
            texts[int(i)] = text[table["start"][i] : table["end"][i]]
    return texts
