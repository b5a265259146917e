"""Results do not depend on the number of worker processes or on batch sizes."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

import dedup.members as members
import dedup.pipeline as pipeline
import dedup.render as render
import dedup.scan as scan
import dedup.workers as workers
from dedup import Settings, find_clusters
from dedup.cli import cli
from dedup.passages import MAX_UNIT_CHARS, UnitTable, split_units
from dedup.render import write_json, write_jsonl

from .conftest import EXAMPLES, SEEDS, deny_listing, needs_seeds, write


def as_json(report) -> dict:
    out = io.StringIO()
    write_json(report, out)
    data = json.loads(out.getvalue())
    del data["stats"]["seconds"]
    return data


@pytest.fixture(params=["measured", "counted"])
def small_batches(monkeypatch, request):
    """Batches of a few files, read a few KB at a time, and a pool even for
    tiny inputs, so --jobs really splits the work; batches made from the
    files' sizes, or by count as for many files."""
    monkeypatch.setattr(scan, "_WINDOW_CHARS", 4096)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(scan, "_SHINGLE_CHARS", 2000)
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 1 if request.param == "counted" else 10**6)
    monkeypatch.setattr(render, "PARALLEL_MIN_MEMBERS", 0)
    monkeypatch.setattr(render, "_PIECE_MEMBERS", 3)


@needs_seeds
def test_same_json_for_every_number_of_jobs(small_batches):
    inputs = [str(SEEDS), str(EXAMPLES)]
    one = as_json(find_clusters(inputs, jobs=1))
    assert one["clusters"]
    for jobs in (2, 3):
        assert as_json(find_clusters(inputs, jobs=jobs)) == one


def test_cli_jobs_option(small_batches):
    def run(*extra):
        result = CliRunner().invoke(cli, ["scan", str(EXAMPLES), "--json", *extra], catch_exceptions=False)
        data = json.loads(result.stdout)
        del data["stats"]["seconds"]
        return data

    assert run("--jobs", "1") == run("--jobs", "2") == run()


def test_a_folder_that_cannot_be_listed_is_reported_while_workers_scan(small_batches, tmp_path, monkeypatch):
    for folder in ("a", "locked", "z"):
        for path in sorted(EXAMPLES.rglob("*.txt")):
            write(tmp_path / folder, path.name, path.read_bytes())
    deny_listing(monkeypatch, "locked")
    one = as_json(find_clusters([str(tmp_path)], jobs=1))
    assert [(e["path"], e["message"]) for e in one["errors"]] == [(str(tmp_path / "locked"), "Permission denied")]
    assert {m["path"].split("/")[-2] for c in one["clusters"] for m in c["members"]} == {"a", "z"}
    assert as_json(find_clusters([str(tmp_path)], jobs=2)) == one


@needs_seeds
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_output_written_on_workers_is_the_same_byte_for_byte(monkeypatch, tmp_path, encoding):
    report = find_clusters([str(SEEDS), str(EXAMPLES)])
    monkeypatch.setattr(render, "PARALLEL_MIN_MEMBERS", 0)
    monkeypatch.setattr(render, "_PIECE_MEMBERS", 3)
    with open(tmp_path / "pieces", "w", encoding=encoding) as out:
        pieces = list(render._joined_clusters(report.clusters, "\n", out, 2))
    # this process writes its share as text; the workers' shares come back encoded, when they can be
    assert len(pieces) > 2 and {type(p) for p in pieces} == ({str, bytes} if encoding == "utf-8" else {str})
    for write_report in (write_json, write_jsonl):
        written = []
        for jobs in (1, 2, 3):
            path = tmp_path / f"{jobs}.out"
            with open(path, "w", encoding=encoding) as out:
                out.write("before ")
                write_report(report, out, jobs)
                out.write("after")
            written.append(path.read_bytes())
        text = io.StringIO()
        write_report(report, text, 2)
        assert written[0] == written[1] == written[2] == f"before {text.getvalue()}after".encode(encoding)


def test_a_huge_line_is_cut_into_bounded_units(tmp_path):
    words = [f"w{i}" for i in range(120_000)]
    text = " ".join(words)  # about 900 KB on one line, no sentence ends
    spans = split_units(text, "sentence", 6)
    assert len(spans) > 1
    assert max(s.end - s.start for s in spans) <= MAX_UNIT_CHARS
    assert " ".join(text[s.start : s.end] for s in spans) == text
    assert all(s.line_start == s.line_end == 1 for s in spans)

    (tmp_path / "dump.txt").write_text(text + "\n")
    (tmp_path / "copy.txt").write_text(text[:300_000] + "\n")
    report = find_clusters([str(tmp_path)], Settings(unit="paragraph"))
    assert report.errors == []
    (cluster,) = report.clusters
    assert {m.path.rsplit("/", 1)[1] for m in cluster.members} == {"dump.txt", "copy.txt"}
    for m in cluster.members:  # the pieces are aligned back into one passage on each side
        assert m.text == (tmp_path / m.path.rsplit("/", 1)[1]).read_text()[m.start : m.end]
        assert len(m.text) > 250_000


def test_shingling_in_chunks_gives_the_same_sets(monkeypatch, tmp_path):
    for i in range(30):
        write(tmp_path, f"{i}.txt", f"Story {i} starts here. " + "The same paragraph is printed in every story. " * 3)
    whole = as_json(find_clusters([str(tmp_path)]))
    monkeypatch.setattr(scan, "_SHINGLE_CHARS", 50)
    assert as_json(find_clusters([str(tmp_path)])) == whole


def test_a_batch_read_a_window_at_a_time_gives_the_same_arrays(monkeypatch, tmp_path):
    paths = []
    for i in range(12):
        text = f"Story {i} opens on its own line.\n\n" + f"Paragraph {i} of the story goes on a while. " * (i + 1)
        paths.append(str(write(tmp_path, f"{i:02}.txt", text)))
    paths.insert(5, str(write(tmp_path, "05b.txt", b"\x00\x01binary")))
    settings = Settings(min_words=3)
    whole = scan.scan_batch(paths, settings, 64, 2)
    monkeypatch.setattr(scan, "_WINDOW_CHARS", 300)
    windowed = scan.scan_batch(paths, settings, 64, 2)
    assert windowed.paths == whole.paths and len(whole.paths) == 12
    assert windowed.encodings == whole.encodings
    assert windowed.errors == whole.errors and [e.path for e in whole.errors] == [paths[5]]
    for name in UnitTable.COLUMNS:
        assert np.array_equal(getattr(windowed.units, name), getattr(whole.units, name))
    assert np.array_equal(windowed.sets.values, whole.sets.values)
    assert np.array_equal(windowed.sets.indptr, whole.sets.indptr)
    assert np.array_equal(windowed.fingerprints, whole.fingerprints)
    assert (windowed.characters, windowed.short_units) == (whole.characters, whole.short_units)
    assert whole.units.doc.max() == 11


def test_many_files_are_batched_by_the_mean_size_of_those_read_so_far(monkeypatch):
    monkeypatch.setattr(scan, "_WINDOW_CHARS", 1000)
    monkeypatch.setattr(scan, "_FIRST_GUESS_CHARS", 100)
    paths = [f"{i}.txt" for i in range(500)]
    read = {"files": 0, "characters": 0}
    batches = []
    for batch in scan._counted_batches(scan._Found(iter(paths), {}), 4, read):
        batches.append(batch)
        read["files"] += len(batch)
        read["characters"] += 50 * len(batch) if len(batches) < 3 else 500 * len(batch)
    assert [path for batch in batches for path in batch] == paths
    sizes = [len(batch) for batch in batches]
    assert sizes[:4] == [10, 20, 20, 4]  # the guess, a mean of 50 characters a file, then of 11,500 / 50
    assert sizes[-3:] == [2, 1, 1]  # the last ones shrink, none below one file
    tiny = {"files": 1000, "characters": 1000}  # files of one character: at least 4 batches
    counts = [len(batch) for batch in scan._counted_batches(scan._Found(iter(paths), {}), 4, tiny)]
    assert counts == [125, 125, 125, 63, 31, 16, 8, 7]  # halving at the end, down to a sixteenth


def test_the_walk_is_taken_only_as_far_as_the_batches_need(monkeypatch):
    monkeypatch.setattr(scan, "_WINDOW_CHARS", 1000)
    monkeypatch.setattr(scan, "_FIRST_GUESS_CHARS", 100)
    walked = []

    def walk():
        for i in range(10_000):
            walked.append(i)
            yield f"{i}.txt"

    timings: dict[str, float] = {}
    found = scan._Found(walk(), timings)
    read = {"files": 0, "characters": 0}
    batches = scan._counted_batches(found, 4, read)
    first = next(batches)
    assert len(first) == 10 and len(walked) == 20  # two batches ahead, not the whole walk
    assert [p for batch in [first, *batches] for p in batch] == [f"{i}.txt" for i in range(10_000)]
    assert found.complete and timings["walk"] > 0


def test_signature_prefix_equals_the_first_columns():
    from dedup.shingles import shingle_sets
    from dedup.signatures import minhash_signatures

    sets = shingle_sets(["one two three four five six", "seven eight nine ten eleven"], 3)
    full = minhash_signatures(sets, 128, 1)
    assert np.array_equal(minhash_signatures(sets, 128, 1, columns=40), full[:, :40])


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_that_vanishes_before_its_text_is_re_read_is_reported(tmp_path, monkeypatch, jobs):
    story = "The council agreed on Tuesday to rebuild the old harbour wall before the winter storms arrive.\n"
    for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
        (tmp_path / name).write_text(story, encoding="utf-8")
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)  # `jobs` workers however small the input
    monkeypatch.setattr(workers, "PARALLEL_MIN_FILES", 0)
    real_read = members.read_text

    def read_text(path: str, encoding: str) -> str:
        if path.endswith("b.txt"):
            raise FileNotFoundError(path)
        return real_read(path, encoding)

    monkeypatch.setattr(members, "read_text", read_text)
    report = find_clusters([str(tmp_path)], jobs=jobs)
    assert [e.path.endswith("b.txt") and "vanished" in e.message for e in report.errors] == [True]
    (cluster,) = report.clusters
    assert sorted(m.path[-5:] for m in cluster.members) == ["a.txt", "c.txt", "d.txt"]
    assert (cluster.size, cluster.documents) == (3, 3)


@needs_seeds
def test_same_json_whatever_the_number_of_bands_taken_at_a_time(monkeypatch):
    inputs = [str(SEEDS), str(EXAMPLES)]
    eight = as_json(find_clusters(inputs))
    monkeypatch.setattr(pipeline, "_GROUP_UNITS", 1)  # one band at a time
    monkeypatch.setattr(pipeline, "_PIECE_PAIRS", 7)
    monkeypatch.setattr(workers, "PARALLEL_MIN_BYTES", 0)
    assert as_json(find_clusters(inputs)) == eight
    assert as_json(find_clusters(inputs, jobs=2)) == eight
