"""The floor: read every file, decode it, case-fold it, split it into words. Nothing else.

    python bench/floor.py DIR

Single process, like `dedup scan --jobs 1`. No tool that looks at every word of
the input can be faster than this in Python; bench/speed.py divides dedup's time
by this one.
"""

from __future__ import annotations

import os
import re
import sys
import time

WORD = re.compile(r"\w+")


def main(folder: str) -> None:
    started = time.perf_counter()
    words = 0
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            if name.endswith(".txt"):
                with open(os.path.join(root, name), "rb") as f:
                    words += len(WORD.findall(f.read().decode("utf-8").casefold()))
    print(f"{words} words in {time.perf_counter() - started:.3f} s")


if __name__ == "__main__":
    main(sys.argv[1])
