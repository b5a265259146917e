"""Acceptance tests on the real articles in ../shared/seeds."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from dedup import find_clusters
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
