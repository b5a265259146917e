"""Acceptance tests on the real articles in ../shared/seeds."""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from dedup import Settings, find_clusters
from dedup.cli import cli

from .conftest import SEEDS, needs_seeds

pytestmark = needs_seeds

A, B = "000_42728d369f621b4a.txt", "001_18699279f805794a.txt"


def where(cluster) -> set[tuple[str, int]]:
    return {(os.path.basename(m.path), m.line_start) for m in cluster.members}


def covers(cluster, name: str, line: int) -> bool:
    return any(os.path.basename(m.path) == name and m.line_start <= line <= m.line_end for m in cluster.members)


def test_putin_quote_is_one_cluster_across_two_outlets():
    report = find_clusters([str(SEEDS)])
    quote = "“We agree with proposals to cease hostilities"
    (cluster,) = [c for c in report.clusters if covers(c, A, 38)]
    assert covers(cluster, B, 45)
    assert all(quote in m.text for m in cluster.members)
    assert cluster.documents >= 2


def test_captions_printed_twice_are_repeats_within_one_file():
    report = find_clusters([str(SEEDS)])
    within = [where(c) for c in report.clusters if c.documents == 1]
    for first in (21, 23, 40, 77, 104, 115):
        assert {(A, first), (A, first + 1)} in within


def test_every_member_slices_back_to_its_text():
    report = find_clusters([str(SEEDS)])
    assert report.clusters
    for cluster in report.clusters:
        for m in cluster.members:
            with open(m.path, encoding="utf-8", newline="") as f:
                assert f.read()[m.start : m.end] == m.text


def test_json_is_identical_across_runs_apart_from_seconds():
    def scan() -> dict:
        report = json.loads(CliRunner().invoke(cli, ["scan", str(SEEDS), "--json"]).stdout)
        del report["stats"]["seconds"]
        return report

    assert scan() == scan()


FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "seed_reuse.json").read_text(encoding="utf-8"))


def found(report, pair) -> bool:
    (fa, la), (fb, lb) = (x.rsplit(":", 1) for x in (pair["a"], pair["b"]))
    return any(
        any(m is not n and cover(m, fa, int(la)) and cover(n, fb, int(lb)) for m in c.members for n in c.members)
        for c in report.clusters
    )


def cover(member, name: str, line: int) -> bool:
    return os.path.basename(member.path) == name and member.line_start <= line <= member.line_end


def test_labelled_seed_reuse_every_exact_and_near_exact_pair_and_nine_in_ten_of_the_rest():
    report = find_clusters([str(SEEDS)])
    hits = {p["a"] + " " + p["b"]: (p["category"], found(report, p)) for p in FIXTURE["pairs"]}
    strict = [hit for cat, hit in hits.values() if cat in ("exact", "near-exact")]
    rest = [hit for cat, hit in hits.values() if cat not in ("exact", "near-exact")]
    assert all(strict), [k for k, (cat, hit) in hits.items() if cat in ("exact", "near-exact") and not hit]
    assert sum(rest) >= 0.9 * len(rest), [k for k, (_, hit) in hits.items() if not hit]


def test_a_statement_split_in_two_is_one_aligned_passage_against_both_lines():
    report = find_clusters([str(SEEDS)])
    C = "002_5b39f7f8f2ffdd6a.txt"
    (cluster,) = [c for c in report.clusters if any(cover(m, C, 220) for m in c.members)]
    (split,) = [m for m in cluster.members if cover(m, C, 250)]
    assert (split.line_start, split.line_end) == (250, 251)


def test_rewritten_attribution_and_containment_are_found():
    report = find_clusters([str(SEEDS)])
    C = "002_5b39f7f8f2ffdd6a.txt"
    assert found(report, {"a": f"{A}:32", "b": f"{B}:43"})  # "It comes as Mr Putin has" / "Mr Putin, however,"
    assert found(report, {"a": f"{C}:213", "b": f"{C}:255"})  # a sentence quoted inside a longer paragraph
    assert found(report, {"a": f"{A}:5", "b": f"{A}:128"})  # headline inside "Originally published as"


def test_paragraph_and_document_units_still_work():
    paragraphs = find_clusters([str(SEEDS)], Settings(unit="paragraph"))
    assert any(covers(c, A, 38) and covers(c, B, 45) for c in paragraphs.clusters)
    documents = find_clusters([str(SEEDS)], Settings(unit="document"))
    assert documents.clusters == []  # no article is a copy of another
