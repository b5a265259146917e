"""The baseline: paragraph deduplication written the way a competent datasketch user would.

    python bench/baseline_datasketch.py DIR OUT.json [--threshold 0.4] [--num-perm 128]

One `MinHash` per paragraph, updated with `update_batch` on its word 3-grams;
`MinHashLSH` insert and query; union-find over the query results. Paragraphs
are non-blank lines, or blank-line blocks, as in the corpus bench/corpus.py
writes; those under 6 words are skipped, as dedup's default does. Writes the
clusters (path, start, end of each member) as JSON for bench/speed.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")
PARAGRAPH = re.compile(r"[^\n]+")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("output")
    parser.add_argument("--threshold", type=float, default=0.4)
    parser.add_argument("--num-perm", type=int, default=128)
    args = parser.parse_args()
    started = time.perf_counter()

    keys, sketches = [], []
    for root, dirs, files in os.walk(args.folder):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(".txt"):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", newline="") as f:
                text = f.read()
            for m in PARAGRAPH.finditer(text):
                words = WORD.findall(m.group().lower())
                if len(words) < 6:
                    continue
                shingles = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
                sketch = MinHash(num_perm=args.num_perm)
                sketch.update_batch([s.encode("utf-8") for s in shingles])
                keys.append((path, m.start(), m.end()))
                sketches.append(sketch)

    lsh = MinHashLSH(threshold=args.threshold, num_perm=args.num_perm)
    for i, sketch in enumerate(sketches):
        lsh.insert(i, sketch)
    parent = list(range(len(keys)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, sketch in enumerate(sketches):
        for j in lsh.query(sketch):
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(keys)):
        groups.setdefault(find(i), []).append(i)
    clusters = [
        {"members": [{"path": keys[i][0], "start": keys[i][1], "end": keys[i][2]} for i in members]}
        for members in groups.values()
        if len(members) > 1
    ]
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump({"clusters": clusters, "paragraphs": len(keys), "seconds": time.perf_counter() - started}, f)


if __name__ == "__main__":
    main()
