"""Properties that hold for any input: offsets, JSON, exact copies."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dedup import Settings, find_clusters
from dedup.models import Cluster, Member
from dedup.render import cluster_json, write_json, write_jsonl
from dedup.shingles import words

from .conftest import write

word = st.text(alphabet="abcdeéЖж東 ’'\"“”-—", min_size=1, max_size=8)
line = st.lists(word, min_size=0, max_size=20).map(" ".join)
newline = st.sampled_from(["\n", "\r\n", "\r", "\n\n"])
document = st.lists(st.tuples(line, newline), max_size=12).map(lambda parts: "".join(a + b for a, b in parts))

common = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def scan(docs: list[str], **options) -> tuple[Path, object]:
    folder = Path(tempfile.mkdtemp())
    for i, text in enumerate(docs):
        write(folder, f"doc{i:02}.txt", text)
    return folder, find_clusters([str(folder)], Settings(min_words=3, threshold=0.3, **options))


@common
@given(st.lists(document, min_size=1, max_size=5))
def test_offsets_always_slice_back_to_member_text(docs):
    docs = docs + docs[:1]
    _, report = scan(docs)
    for cluster in report.clusters:
        for m in cluster.members:
            with open(m.path, encoding="utf-8", newline="") as f:
                text = f.read()
            assert text[m.start : m.end] == m.text
            assert (
                text[: m.start].count("\n") + text[: m.start].count("\r") - text[: m.start].count("\r\n") + 1
                == m.line_start
            )


@common
@given(st.lists(document, min_size=1, max_size=4))
def test_output_is_always_valid_json(docs):
    _, report = scan(docs + docs)
    out = io.StringIO()
    write_json(report, out)
    assert json.loads(out.getvalue())["stats"]["clusters"] == len(report.clusters)
    out = io.StringIO()
    write_jsonl(report, out)
    assert [json.loads(x)["id"] for x in out.getvalue().splitlines()] == [c.id for c in report.clusters]


@common
@given(document, st.lists(word, min_size=8, max_size=30).map(" ".join), document)
def test_an_exact_copy_of_a_long_enough_passage_is_always_clustered_with_it(before, passage, after):
    passage = passage.strip()
    if len(words(passage)) < 8:
        return
    original = f"{before}\n\n{passage}\n\n{after}"
    copy = f"Some other text first.\n\n{passage}\n"
    folder, report = scan([original, copy])
    # a component cut into stars can leave the copy out (README, Known limits)
    assume(report.stats["chains_cut"] == 0)
    where = {
        str(folder / "doc00.txt"): (len(before) + 2, len(before) + 2 + len(passage)),
        str(folder / "doc01.txt"): (24, 24 + len(passage)),
    }

    def inside(m) -> bool:
        start, end = where[m.path]
        return m.start < end and m.end > start

    assert any({m.path for m in c.members if inside(m)} == set(where) for c in report.clusters)


_numbers = st.integers(0, 2**40)
_ratios = st.floats(0.0, 1.0) | st.floats(allow_nan=False, allow_infinity=False)
_members = st.builds(Member, st.text(), _numbers, _numbers, _numbers, _numbers, st.text(), _ratios, _ratios)


@settings(max_examples=200, deadline=None)
@given(st.builds(Cluster, _numbers, _numbers, _numbers, _ratios, _ratios, st.text(), st.lists(_members).map(tuple)))
def test_cluster_json_is_json_dumps_of_its_dict_byte_for_byte(cluster):
    assert cluster_json(cluster) == json.dumps(cluster.to_dict(), ensure_ascii=False)
