"""Deterministic news-like corpora of any size, with planted reuse.

The real articles in ../shared/corpora (BBC News and Reuters-21578, about 24 MB)
are included once, as they are, up to 40% of the corpus. Beyond them, new
articles are generated from their word statistics with a word-level Markov
chain (order 2 mixed with order 1, see MarkovChain), shaped like real
articles: a headline, then paragraphs whose number follows the real articles'.
Reuse is then planted at a realistic rate:

- wire copies: about 8% of generated paragraphs are copies of a paragraph of
  an earlier article, with 0-10% of their words edited;
- repeated quotes: about 2% of generated paragraphs end with a sentence taken
  from another article;
- boilerplate: each of a few site lines is appended to about a fifth of the
  generated articles (thousands of copies in a large corpus).

The planted wire copies are recorded (source and copy spans) for recall.
Nothing here is committed: corpora are written under bench/out/.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

BOILERPLATE = [
    "Sign up to our morning briefing and get the day's most important stories delivered to your inbox.",
    "Add your comment to this story. To join the conversation, please log in or register for an account.",
    "This article was amended after publication to correct a detail supplied by a news agency.",
]
WIRE_RATE = 0.08
QUOTE_RATE = 0.02
BOILERPLATE_RATE = 0.2
REAL_SHARE = 0.4
VERSION = 3
ORDER2_SHARE = 0.5
_BOS, _EOS = 0, 1


@dataclass
class Plant:
    kind: str
    source: tuple[str, int, int]
    copy: tuple[str, int, int]


def real_articles(shared: Path) -> list[str]:
    corpora = shared / "corpora"
    bbc, reuters = sorted((corpora / "bbc-news").rglob("*.txt")), sorted((corpora / "reuters-21578").rglob("*.txt"))
    paths = [p for pair in zip(reuters[::10], bbc) for p in pair] + reuters + bbc
    paths = list(dict.fromkeys(paths))  # BBC and Reuters interleaved, each once
    if not paths:
        paths = sorted((shared / "seeds").glob("*.txt"))
    return [p.read_text(encoding="utf-8") for p in paths]


def _paragraphs(text: str) -> list[str]:
    blocks = re.split(r"\n\s*\n", text)
    out = []
    for block in blocks:
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines and max(len(line) for line in lines) <= 80:
            out.append(" ".join(lines))
        else:
            out.extend(lines)
    return [p for p in out if len(p.split()) >= 3]


class MarkovChain:
    """Word chain over whitespace tokens, sampled many paragraphs at a time.

    Each step follows the order-2 statistics (the next word given the last
    two) with probability ORDER2_SHARE and the order-1 statistics otherwise.
    A pure order-2 chain trained on a few million words copies long runs of
    its training text (many word pairs have one successor), which would fill
    the corpus with unplanted reuse; mixing in order-1 steps breaks the runs
    while keeping local phrasing.
    """

    def __init__(self, paragraphs: list[str]):
        vocabulary: dict[str, int] = {"<s>": _BOS, "</s>": _EOS}
        sequences = []
        for paragraph in paragraphs:
            ids = [vocabulary.setdefault(word, len(vocabulary)) for word in paragraph.split()]
            sequences.append(np.array([_BOS, _BOS, *ids, _EOS], dtype=np.int64))
        self.words = np.array(list(vocabulary), dtype=object)
        size = len(vocabulary)
        flat = np.concatenate(sequences)
        starts = np.cumsum([0] + [len(s) for s in sequences[:-1]])
        valid = np.ones(len(flat) - 2, dtype=bool)
        for start, seq in zip(starts, sequences):
            valid[start + len(seq) - 2 : start + len(seq)] = False
        valid = valid[: len(flat) - 2]
        state = (flat[:-2] * size + flat[1:-1])[valid]
        following = flat[2:][valid]
        order = np.argsort(state, kind="stable")
        state, self.following = state[order], following[order]
        self.states, self.first, self.count = np.unique(state, return_index=True, return_counts=True)
        state1 = state % size
        order1 = np.argsort(state1, kind="stable")
        state1, self.following1 = state1[order1], self.following[order1]
        self.states1, self.first1, self.count1 = np.unique(state1, return_index=True, return_counts=True)
        self.size = size

    def generate(self, n: int, rng: np.random.Generator, max_words: int = 120) -> list[str]:
        """`n` new paragraphs."""
        w1 = np.full(n, _BOS, dtype=np.int64)
        w2 = np.full(n, _BOS, dtype=np.int64)
        out = np.full((n, max_words), _EOS, dtype=np.int64)
        alive = np.arange(n)
        for step in range(max_words):
            where = np.searchsorted(self.states, w1[alive] * self.size + w2[alive])
            pick = self.first[where] + (rng.random(len(alive)) * self.count[where]).astype(np.int64)
            nxt = self.following[pick]
            loose = rng.random(len(alive)) >= ORDER2_SHARE
            where1 = np.searchsorted(self.states1, w2[alive][loose])
            pick1 = self.first1[where1] + (rng.random(int(loose.sum())) * self.count1[where1]).astype(np.int64)
            nxt[loose] = self.following1[pick1]
            out[alive, step] = nxt
            w1[alive], w2[alive] = w2[alive], nxt
            alive = alive[nxt != _EOS]
            if not len(alive):
                break
        words = self.words
        paragraphs = []
        for row in out:
            end = np.flatnonzero(row == _EOS)
            ids = row[: end[0] if len(end) else max_words]
            paragraphs.append(" ".join(words[ids]))
        return paragraphs


def _edit(text: str, rate: float, rng: random.Random) -> str:
    tokens = text.split()
    for _ in range(round(rate * len(tokens))):
        i = rng.randrange(len(tokens))
        if rng.random() < 0.5 or len(tokens) < 8:
            tokens[i] = rng.choice(tokens)
        else:
            del tokens[i]
    return " ".join(tokens)


def build(shared: Path, folder: Path, megabytes: float, seed: int = 7) -> list[Plant]:
    """Write a corpus of about `megabytes` MB to `folder`; return the planted wire copies.

    A corpus already built with the same size and seed is reused.
    """
    manifest = folder / "manifest.json"
    if manifest.exists():
        meta = json.loads(manifest.read_text())
        if (meta["megabytes"], meta["seed"], meta.get("version")) == (megabytes, seed, VERSION):
            return [Plant(p["kind"], tuple(p["source"]), tuple(p["copy"])) for p in meta["plants"]]
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.rglob("*.txt"):
        old.unlink()
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    articles = real_articles(shared)
    real_paragraphs = [_paragraphs(a) for a in articles]
    chain = MarkovChain([p for ps in real_paragraphs for p in ps])
    counts = [len(ps) for ps in real_paragraphs if len(ps) >= 2]

    budget = int(megabytes * 1e6)
    written = 0
    plants: list[Plant] = []
    pool: list[tuple[str, int, int, str]] = []  # paragraphs already written: (name, start, end, text)
    number = 0

    def write(name: str, text: str) -> None:
        nonlocal written
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += len(text.encode("utf-8"))

    for text in articles:
        if written >= REAL_SHARE * budget:
            break
        write(f"real/{number // 1000:04}/{number:07}.txt", text)
        number += 1

    generated: list[str] = []
    while written < budget:
        if len(generated) < 2000:
            generated += chain.generate(20000, nprng)
        n_paragraphs = rng.choice(counts)
        title = " ".join(generated.pop().split()[:10]).rstrip(".,;:")
        body: list[tuple[str, str]] = []
        for _ in range(n_paragraphs):
            roll = rng.random()
            if roll < WIRE_RATE and pool:
                source = pool[rng.randrange(len(pool))]
                body.append(("wire", _edit(source[3], rng.choice((0, 0.05, 0.1)), rng), source))
            elif roll < WIRE_RATE + QUOTE_RATE and pool:
                source = pool[rng.randrange(len(pool))]
                quote = re.split(r"(?<=[.!?])\s+", source[3])[-1]
                body.append(("quote", generated.pop() + " " + quote, None))
            else:
                body.append(("new", generated.pop(), None))
        for line in BOILERPLATE:
            if rng.random() < BOILERPLATE_RATE:
                body.append(("boilerplate", line, None))
        name = f"gen/{number // 1000:04}/{number:07}.txt"
        text = title + "\n\n"
        for kind, paragraph, source in body:
            start = len(text)
            text += paragraph + "\n\n"
            if kind == "wire":
                plants.append(Plant("wire", source[:3], (name, start, start + len(paragraph))))
            if kind == "new" and len(paragraph.split()) >= 12 and rng.random() < 0.05:
                pool.append((name, start, start + len(paragraph), paragraph))
        write(name, text)
        number += 1
        if len(pool) > 5000:
            pool = pool[-5000:]
    meta = {"megabytes": megabytes, "seed": seed, "version": VERSION, "plants": [asdict(p) for p in plants]}
    manifest.write_text(json.dumps(meta))
    return plants
