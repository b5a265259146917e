"""Accuracy benchmark: planted reuse with known ground truth, run through `dedup scan`.

    python bench/accuracy.py [--shared ../shared] [--per-kind 40] [--units sentence paragraph]

Builds a corpus from real BBC News articles (../shared/corpora/bbc-news, never
copied into the repository; the seeds are used when it is absent), plants
edited copies of real paragraphs into other articles, runs
`dedup scan DIR --format json` for each unit, and prints:

- recall per edit kind and strength: a planted copy is found when one
  cluster holds a member overlapping the source and another overlapping the
  copy;
- precision: the share of reported member pairs (within clusters) that really
  share text: both sides of one planted copy, or a verbatim run of at least
  8 normalised words in common (natural reuse in the base articles);
- LSH recall: the share of unit pairs at or above the Jaccard threshold by
  exact brute force (sparse matrix product over all units) that LSH made
  candidates and the signature screen let through to verification: the
  ceiling for any MinHash method at that threshold;
- the labelled seed pairs (tests/fixtures/seed_reuse.json) found, by category;
- chained components that clustering had to cut.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dedup import Settings  # noqa: E402
from dedup.candidates import (  # noqa: E402
    agreeing_rows,
    band_keys,
    candidate_pairs,
    choose_bands,
    equal_rows,
    screen_pairs,
)
from dedup.passages import split_paragraphs, split_sentences  # noqa: E402
from dedup.pipeline import MIN_CONTAINED_SHINGLES  # noqa: E402
from dedup.scan import scan_batch  # noqa: E402
from dedup.shingles import words  # noqa: E402

KINDS = [
    ("exact", 0.0),
    ("restyled", 0.0),
    ("edited", 0.05),
    ("edited", 0.10),
    ("edited", 0.15),
    ("edited", 0.20),
    ("truncated", 0.9),
    ("truncated", 0.7),
    ("truncated", 0.5),
    ("split", 0.0),
    ("merged", 0.0),
    ("contained", 0.0),
]


@dataclass
class Planted:
    kind: str
    strength: float
    source: tuple[str, int, int]
    copy: tuple[str, int, int]


def load_articles(shared: Path) -> list[str]:
    root = shared / "corpora" / "bbc-news"
    if not root.exists():
        return [p.read_text(encoding="utf-8") for p in sorted((shared / "seeds").glob("*.txt"))]
    groups = json.loads((root / "exact_duplicates.derived.json").read_text())["groups"]
    duplicated = {name for group in groups for name in group}
    return [
        p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.txt")) if str(p.relative_to(root)) not in duplicated
    ]


def edit_words(text: str, rate: float, rng: random.Random, vocabulary: list[str]) -> str:
    tokens = text.split()
    for _ in range(round(rate * len(tokens))):
        op = rng.random()
        i = rng.randrange(len(tokens))
        if op < 0.6:
            tokens[i] = rng.choice(vocabulary)
        elif op < 0.8 and len(tokens) > 5:
            del tokens[i]
        else:
            tokens.insert(i, rng.choice(vocabulary))
    return " ".join(tokens)


def restyle(text: str) -> str:
    text = re.sub(r'"(\w)', "“\\1", text)
    text = text.replace('"', "”").replace("'", "’").replace(" - ", " — ")
    return re.sub(r"\bMr |\bMrs |\bMs ", "", text)


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def paragraphs(text: str) -> list[tuple[int, int]]:
    return [(s.start, s.end) for s in split_paragraphs(text)]


def build_corpus(articles: list[str], folder: Path, per_kind: int, seed: int) -> list[Planted]:
    """Write source and target articles to `folder`; return the planted copies."""
    rng = random.Random(seed)
    order = list(range(len(articles)))
    rng.shuffle(order)
    vocabulary = [w for i in order[:50] for w in articles[i].split()]
    n_plants = per_kind * len(KINDS)
    targets = order[: max(1, n_plants // 2)]
    sources = order[len(targets) :]
    target_texts = {t: articles[t] for t in targets}
    inserts: dict[int, list[tuple[str, int, int, int]]] = defaultdict(list)
    planted_specs = []
    source_iter = iter(sources)

    def long_paragraphs(text: str) -> list[tuple[int, int]]:
        return [(s, e) for s, e in paragraphs(text)[1:] if len(words(text[s:e])) >= 25]

    for kind, strength in KINDS:
        made = 0
        while made < per_kind:
            s = next(source_iter, None)
            if s is None:
                break
            text = articles[s]
            paras = long_paragraphs(text)
            if not paras:
                continue
            k = rng.randrange(len(paras))
            start, end = paras[k]
            original = text[start:end]
            parts = sentences(original)
            if kind == "exact":
                copy = original
            elif kind == "restyled":
                copy = restyle(original)
            elif kind == "edited":
                copy = edit_words(original, strength, rng, vocabulary)
            elif kind == "truncated":
                tokens = original.split()
                keep = max(8, round(strength * len(tokens)))
                first = rng.randrange(len(tokens) - keep + 1)
                copy = " ".join(tokens[first : first + keep])
            elif kind == "split":
                if len(parts) < 2:
                    continue
                cut = rng.randrange(1, len(parts))
                copy = " ".join(parts[:cut]) + "\n\n" + " ".join(parts[cut:])
            elif kind == "merged":
                nxt = [p for p in paragraphs(text) if p[0] > end]
                if not nxt or len(words(text[nxt[0][0] : nxt[0][1]])) < 8:
                    continue
                end = nxt[0][1]
                copy = original + " " + text[nxt[0][0] : end]
            else:  # contained: one or two sentences inside an unrelated paragraph
                if not parts:
                    continue
                first = rng.randrange(len(parts))
                quote = " ".join(parts[first : first + 2])
                qs = original.index(parts[first])
                start, end = start + qs, start + qs + len(quote)
                copy = quote
            target = targets[len(planted_specs) % len(targets)]
            planted_specs.append((kind, strength, s, start, end, target, copy))
            made += 1

    unrelated = [sentences(articles[i]) for i in order[-40:]]
    names = {}
    for i in set(targets) | {spec[2] for spec in planted_specs}:
        names[i] = f"a{i:04}.txt"
    planted = []
    for kind, strength, s, start, end, target, copy in planted_specs:
        wrap = ("", "")
        if kind == "contained":
            pool = rng.choice(unrelated)
            wrap = (rng.choice(pool) + " ", " " + rng.choice(pool)) if pool else ("", "")
        inserts[target].append((kind, strength, s, start, end, wrap[0], copy, wrap[1]))

    for t in targets:
        text = target_texts[t]
        pieces = paragraphs(text)
        for kind, strength, s, start, end, before, copy, after in inserts.get(t, []):
            pieces = paragraphs(text)
            at = pieces[rng.randrange(len(pieces))][1] if pieces else len(text)
            block = f"\n\n{before}{copy}{after}"
            text = text[:at] + block + text[at:]
            copy_start = at + 2 + len(before)
            planted.append(
                Planted(kind, strength, (names[s], start, end), (names[t], copy_start, copy_start + len(copy)))
            )
            # earlier plants in this target move if they sit after the insertion
            for p in planted[:-1]:
                name, a, b = p.copy
                if name == names[t] and a >= at:
                    p.copy = (name, a + len(block), b + len(block))
        target_texts[t] = text
    for i, name in names.items():
        (folder / name).write_text(target_texts.get(i, articles[i]), encoding="utf-8")
    return planted


def overlaps(member: dict, span: tuple[str, int, int]) -> bool:
    name, start, end = span
    return Path(member["path"]).name == name and min(member["end"], end) - max(member["start"], start) >= 20


def shares_text(a: str, b: str, run: int = 8) -> bool:
    wa, wb = words(a), words(b)
    grams = {tuple(wa[i : i + run]) for i in range(len(wa) - run + 1)}
    return any(tuple(wb[i : i + run]) in grams for i in range(len(wb) - run + 1))


def evaluate(report: dict, planted: list[Planted]) -> tuple[dict, float, int]:
    found = defaultdict(list)
    for p in planted:
        hit = any(
            any(overlaps(m, p.source) for m in c["members"])
            and any(overlaps(m, p.copy) and not overlaps(m, p.source) for m in c["members"])
            for c in report["clusters"]
        )
        found[(p.kind, p.strength)].append(hit)
    good = total = 0
    rng = random.Random(1)
    for c in report["clusters"]:
        members = c["members"] if len(c["members"]) <= 30 else rng.sample(c["members"], 30)
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                a, b = members[i], members[j]
                same_plant = any(
                    (overlaps(a, p.source) and overlaps(b, p.copy)) or (overlaps(b, p.source) and overlaps(a, p.copy))
                    for p in planted
                )
                good += same_plant or shares_text(a["text"], b["text"])
                total += 1
    return found, good / max(total, 1), total


def lsh_recall(folder: Path, settings: Settings) -> dict[str, tuple[float, float, int]]:
    """Exact brute force over all units versus LSH: for pairs verification
    would keep by Jaccard, and by containment (with its floor of shared
    shingles), the share that LSH proposed and the share that also passed
    the signature screen, and how many such pairs there are."""
    from scipy.sparse import csr_matrix

    bands, rows = choose_bands(settings.candidate_threshold, settings.num_perm)
    batch = scan_batch([str(p) for p in sorted(folder.glob("*.txt"))], settings, bands, rows)
    sets = batch.sets
    owner = np.repeat(np.arange(len(sets)), sets.sizes())
    _, column = np.unique(sets.values, return_inverse=True)
    incidence = csr_matrix((np.ones(len(owner), dtype=np.float32), (owner, column)))
    inter = (incidence @ incidence.T).tocoo()
    upper = inter.row < inter.col
    i, j, shared = inter.row[upper], inter.col[upper], inter.data[upper]
    sizes = sets.sizes().astype(np.float64)
    jac = shared / (sizes[i] + sizes[j] - shared)
    cont = shared / np.minimum(sizes[i], sizes[j])
    pairs = candidate_pairs(band_keys(batch.fingerprints, bands, rows))
    equal = equal_rows(batch.fingerprints, pairs)
    a, b = (sets.sizes()[pairs[:, side]] for side in (0, 1))
    worth = screen_pairs(
        agreeing_rows(equal), equal.shape[1], a, b, settings.threshold, settings.containment, MIN_CONTAINED_SHINGLES
    )
    proposed = {tuple(p) for p in pairs.tolist()}
    screened = {tuple(p) for p in pairs[worth].tolist()}
    truths = {
        "Jaccard >= t": jac >= settings.threshold,
        "containment >= c": (cont >= settings.containment) & (shared >= MIN_CONTAINED_SHINGLES),
    }
    out = {}
    for name, mask in truths.items():
        truth = list(zip(i[mask].tolist(), j[mask].tolist()))
        n = max(len(truth), 1)
        out[name] = (sum(p in proposed for p in truth) / n, sum(p in screened for p in truth) / n, len(truth))
    return out


def seed_pairs(shared: Path, unit: str, extra: list[str]) -> dict[str, tuple[int, int]]:
    fixture = json.loads((ROOT / "tests" / "fixtures" / "seed_reuse.json").read_text(encoding="utf-8"))
    report = scan(shared / "seeds", unit, extra)
    result: dict[str, list[bool]] = defaultdict(list)
    for pair in fixture["pairs"]:
        (fa, la), (fb, lb) = (x.rsplit(":", 1) for x in (pair["a"], pair["b"]))

        def covers(m: dict, name: str, line: str) -> bool:
            return Path(m["path"]).name.startswith(name) and m["line_start"] <= int(line) <= m["line_end"]

        hit = any(
            any(covers(m, fa, la) and covers(n, fb, lb) and m is not n for m in c["members"] for n in c["members"])
            for c in report["clusters"]
        )
        result[pair["category"]].append(hit)
    return {k: (sum(v), len(v)) for k, v in result.items()}


def scan(folder: Path, unit: str, extra: list[str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", str(folder), "--format", "json", "--quiet", "--unit", unit, *extra],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--per-kind", type=int, default=40)
    parser.add_argument("--units", nargs="+", default=["sentence", "paragraph"])
    parser.add_argument("--seed", type=int, default=20251122)
    parser.add_argument("extra", nargs="*", help="extra options for dedup scan, after --")
    args = parser.parse_args()

    articles = load_articles(args.shared)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        planted = build_corpus(articles, folder, args.per_kind, args.seed)
        n_files = len(list(folder.glob("*.txt")))
        size = sum(p.stat().st_size for p in folder.glob("*.txt"))
        print(f"corpus: {n_files} real BBC articles ({size / 1e6:.1f} MB), {len(planted)} planted copies")
        results = {}
        for unit in args.units:
            started = time.perf_counter()
            report = scan(folder, unit, args.extra)
            elapsed = time.perf_counter() - started
            found, precision, pairs = evaluate(report, planted)
            settings = Settings(unit=unit, **_settings_from(report["params"]))
            results[unit] = (found, precision, pairs, lsh_recall(folder, settings), report, elapsed)

        units = list(results)
        print("\nrecall by kind of planted reuse" + "".join(f"  {u:>10}" for u in units))
        for kind, strength in KINDS:
            label = f"{kind} {strength:.0%}" if kind in ("edited", "truncated") else kind
            cells = "".join(f"  {np.mean(results[u][0][(kind, strength)]):10.3f}" for u in units)
            print(f"  {label:28}{cells}")
        print(f"\n  {'precision (member pairs)':28}" + "".join(f"  {results[u][1]:10.3f}" for u in units))
        print(f"  {'member pairs judged':28}" + "".join(f"  {results[u][2]:10d}" for u in units))
        for name in ("Jaccard >= t", "containment >= c"):
            recall = [results[u][3][name] for u in units]
            print(f"  {'LSH recall, ' + name:28}" + "".join(f"  {r[0]:10.4f}" for r in recall))
            print(f"  {'  and past the screen':28}" + "".join(f"  {r[1]:10.4f}" for r in recall))
            print(f"  {'  brute-force pairs':28}" + "".join(f"  {r[2]:10d}" for r in recall))
        print(f"  {'clusters':28}" + "".join(f"  {results[u][4]['stats']['clusters']:10d}" for u in units))
        print(
            f"  {'chained components cut':28}" + "".join(f"  {results[u][4]['stats']['chains_cut']:10d}" for u in units)
        )
        print(f"  {'seconds (dedup scan)':28}" + "".join(f"  {results[u][5]:10.2f}" for u in units))
        params = results[units[0]][4]["params"]
        print(
            f"\nsettings: threshold {params['threshold']}, containment {params['containment']}, "
            f"shingle size {params['shingle_size']}, min words {params['min_words']}, "
            f"{params['bands']} bands x {params['rows']} rows"
        )

    if (args.shared / "seeds").exists():
        print("\nlabelled seed pairs found (tests/fixtures/seed_reuse.json)" + "".join(f"  {u:>10}" for u in units))
        by_unit = {u: seed_pairs(args.shared, u, args.extra) for u in units}
        for category in by_unit[units[0]]:
            print(f"  {category:28}" + "".join(f"  {'{}/{}'.format(*by_unit[u][category]):>10}" for u in units))


def _settings_from(params: dict) -> dict:
    keys = ("threshold", "containment", "num_perm", "seed", "shingle_size", "min_words")
    return {k: params[k] for k in keys}


if __name__ == "__main__":
    main()
