"""Measure the figures behind dedup's defaults: shingle size, threshold, min words.

    python bench/tune_defaults.py [--shared ../shared]

1. MSRP (human-labelled news sentence pairs): for each shingle size, the
   threshold with the best F1 on exact Jaccard, and that F1.
2. Planted edits on BBC paragraphs: for each shingle size at its threshold,
   the share of paragraphs still matched after 5/10/20% of words are
   replaced, and the share of unrelated paragraph pairs (different
   articles) that would match by accident.
3. --min-words: passages compared and clusters found on the seeds and on
   Reuters-21578 for several values, and how many clusters are short
   formula lines (under 12 words) rather than reused text.

Corpora are read from ../shared (never copied into the repository).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from dedup import Settings, find_clusters
from dedup.passages import split_paragraphs
from dedup.shingles import shingle_sets, words
from dedup.verify import pair_similarities


def exact_jaccard(left: list[str], right: list[str], k: int) -> np.ndarray:
    sets = shingle_sets(left + right, k)
    n = len(left)
    pairs = np.stack((np.arange(n), np.arange(n) + n), -1)
    return pair_similarities(sets, pairs)[0]


def msrp(shared: Path) -> None:
    root = shared / "corpora" / "msrp"
    if not root.exists():
        print("MSRP: not found, skipped")
        return
    pairs = json.loads((root / "ground_truth_pairs.json").read_text())["pairs"]
    left = [(root / p["a"]).read_text(encoding="utf-8-sig") for p in pairs]
    right = [(root / p["b"]).read_text(encoding="utf-8-sig") for p in pairs]
    labels = np.array([p["label"] for p in pairs], dtype=bool)
    print(f"MSRP: {len(pairs)} labelled pairs ({labels.sum()} paraphrases)")
    print("  k  best threshold  precision  recall   F1")
    for k in (1, 2, 3, 4, 5):
        sim = exact_jaccard(left, right, k)
        scores = []
        for t in np.arange(0.1, 0.95, 0.05):
            tp, fp, fn = ((sim >= t) & labels).sum(), ((sim >= t) & ~labels).sum(), ((sim < t) & labels).sum()
            scores.append((2 * tp / (2 * tp + fp + fn), t, tp / max(tp + fp, 1), tp / (tp + fn)))
        best = max(scores)
        print(f"  {k}  {best[1]:.2f}            {best[2]:.3f}      {best[3]:.3f}    {best[0]:.3f}")


def edit(text: str, rate: float, rng: random.Random, vocabulary: list[str]) -> str:
    tokens = text.split()
    for i in rng.sample(range(len(tokens)), round(rate * len(tokens))):
        tokens[i] = rng.choice(vocabulary)
    return " ".join(tokens)


def accidental_matches(texts: list[str], negatives: list[str], k: int, t: float) -> int:
    """Pairs (text, negative) with Jaccard >= t, by sparse matrix product (exact, no LSH)."""
    from scipy.sparse import csr_matrix

    sets = shingle_sets(texts + negatives, k)
    rows = np.repeat(np.arange(len(sets)), sets.sizes())
    _, columns = np.unique(sets.values, return_inverse=True)
    incidence = csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, columns)))
    left, right = incidence[: len(texts)], incidence[len(texts) :]
    inter = (left @ right.T).tocoo()
    sizes = sets.sizes().astype(np.float64)
    union = sizes[inter.row] + sizes[len(texts) + inter.col] - inter.data
    return int((inter.data / union >= t).sum())


def planted(shared: Path, settings: list[tuple[int, float]]) -> None:
    root = shared / "corpora" / "bbc-news"
    reuters = shared / "corpora" / "reuters-21578"
    if not root.exists():
        print("BBC: not found, skipped")
        return
    rng = random.Random(7)
    paragraphs = paragraphs_of(root)
    sample = rng.sample(paragraphs, 2000)
    vocabulary = [w for p in sample[:200] for w in p.split()]
    negatives = paragraphs_of(reuters) if reuters.exists() else []
    print(f"\nPlanted word replacements in {len(sample)} BBC paragraphs (>= 15 words); accidental matches")
    print(f"against all {len(negatives)} Reuters-21578 paragraphs (1987 wire copy: unrelated to 2004 BBC)")
    print("  k  threshold  recall@5%  recall@10%  recall@15%  recall@20%  accidental pairs")
    for k, t in settings:
        row = []
        for rate in (0.05, 0.10, 0.15, 0.20):
            edited = [edit(p, rate, rng, vocabulary) for p in sample]
            row.append((exact_jaccard(sample, edited, k) >= t).mean())
        accidents = accidental_matches(sample, negatives, k, t)
        cells = "  ".join(f"{r:.3f}     " for r in row)
        print(f"  {k}  {t:.2f}       {cells} {accidents} of {len(sample) * len(negatives):.1e}")


def paragraphs_of(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [text[s.start : s.end] for s in split_paragraphs(text)]
    return [p for p in out if len(words(p)) >= 15]


def min_words(shared: Path) -> None:
    print("\n--min-words: passages compared, clusters, clusters of short lines (< 12 words)")
    for name, path in (("seeds", shared / "seeds"), ("reuters", shared / "corpora" / "reuters-21578")):
        if not path.exists():
            continue
        for m in (3, 5, 8, 10, 12):
            started = time.perf_counter()
            report = find_clusters([str(path)], Settings(min_words=m))
            short = sum(len(words(c.text)) < 12 for c in report.clusters)
            print(
                f"  {name:8} min_words={m:2}  passages={report.stats['passages']:6}  "
                f"clusters={len(report.clusters):5}  short-line clusters={short:5}  "
                f"({time.perf_counter() - started:.1f} s)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    args = parser.parse_args()
    if not args.shared.exists():
        sys.exit(f"no shared folder at {args.shared}")
    msrp(args.shared)
    planted(args.shared, [(1, 0.5), (2, 0.3), (2, 0.4), (2, 0.5), (3, 0.3), (3, 0.4), (3, 0.5), (4, 0.3), (5, 0.3)])
    min_words(args.shared)


if __name__ == "__main__":
    main()
