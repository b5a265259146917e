"""Speed and memory benchmark: dedup against a plain datasketch baseline and a floor.

    python bench/speed.py [--shared ../shared] [--sizes 10 100 1000] [--repeat 1]

For each corpus size (MB), built by bench/corpus.py under bench/out/ from the
real articles in ../shared/corpora plus generated articles with planted reuse:

- the floor (bench/floor.py: read, decode, case-fold, split words; one process),
  run once untimed first so that every timed command reads from the page cache,
  then timed once per pair of dedup runs (the median is kept), since it drifts
  with the machine just as dedup does;
- `dedup scan DIR --json -v` with --jobs 1 and with the default (every core),
  end to end, per stage (from -v), and peak memory of the whole process tree;
  with --repeat N, N pairs of runs alternating the two, each pair's ratio
  printed and the median run of each kept, since a shared machine's speed
  drifts from minute to minute;
- before each pair, a reference: how much faster the same number of
  processes run independent CPU-bound tasks than one process runs them in
  turn, which is the most any program could gain from its cores at that moment;
- on the smallest corpus only, the plain datasketch baseline
  (bench/baseline_datasketch.py), which is far too slow for the larger ones;
- recall on the planted wire copies (a copy is found when one cluster holds a
  member overlapping its source and another overlapping the copy), for dedup
  and for the baseline.

Then the ratios the targets are about. Every figure comes from this one run;
the machine is shared, so compare ratios, and read absolute times as context.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402


def _busy(_: int) -> None:
    """About a second of CPU work: sorting in numpy and a Python loop."""
    import numpy as np

    values = np.random.default_rng(0).integers(0, 2**32, 5_000_000, dtype=np.uint64)
    for _ in range(3):
        np.sort(values)
    sum(range(10_000_000))


def parallel_reference(jobs: int) -> float:
    """How much faster `jobs` processes run `jobs` copies of a CPU-bound task
    than one process runs them one after the other, measured now."""
    import multiprocessing

    started = time.perf_counter()
    for i in range(jobs):
        _busy(i)
    alone = time.perf_counter() - started
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        pool.map(_busy, range(jobs))
    return alone / (time.perf_counter() - started)


def _tree_rss(pid: int) -> int:
    """Memory of a process and all its descendants, in bytes: the sum of their
    proportional set sizes, so pages forked workers share are counted once."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack += [int(c) for c in f.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run(command: list[str]) -> tuple[float, int, str, str]:
    """Run a command; return wall seconds, peak tree memory, stdout, stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            # Reading smaps of a process with gigabytes mapped costs the kernel real
            # time on the same cores, so wait 20 times as long as a sample took:
            # sampling never takes more than 5% of a core.
            nonlocal peak
            while not done.is_set():
                started = time.perf_counter()
                peak = max(peak, _tree_rss(process.pid))
                time.sleep(max(0.05, 20 * (time.perf_counter() - started)))

        sampler = threading.Thread(target=sample)
        sampler.start()
        code = process.wait()
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if code not in (0, 1):
        raise RuntimeError(f"{command} failed ({code}):\n{stderr[-3000:]}")
    return elapsed, peak, stdout, stderr


def recall(clusters: list[dict], plants: list[corpus.Plant], folder: Path, limit: int = 3000) -> float:
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for number, cluster in enumerate(clusters):
        for m in cluster["members"]:
            rel = os.path.relpath(m["path"], folder)
            spans.setdefault(rel, []).append((m["start"], m["end"], number))

    def clusters_over(span: tuple[str, int, int]) -> set[int]:
        name, start, end = span
        return {c for s, e, c in spans.get(name, []) if min(e, end) - max(s, start) >= 20}

    sample = plants[:limit]
    found = sum(bool(clusters_over(p.source) & clusters_over(p.copy)) for p in sample)
    return found / max(len(sample), 1)


def dedup(folder: Path, jobs: int | None) -> dict:
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    command = [sys.executable, "-m", "dedup", "scan", str(folder), "--json", "-q", "-v", "-o", str(out)]
    if jobs:
        command += ["--jobs", str(jobs)]
    seconds, peak, _, stderr = run(command)
    report = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    timings = json.loads(re.search(r"^timings: (.*)$", stderr, re.M).group(1))
    return {"seconds": seconds, "peak": peak, "report": report, "timings": timings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--sizes", type=float, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="pairs of --jobs 1 / default runs (the median is kept)")
    args = parser.parse_args()
    results: dict[float, dict] = {}
    for size in args.sizes:
        folder = ROOT / "bench" / "out" / f"corpus-{size:g}"
        started = time.perf_counter()
        plants = corpus.build(args.shared, folder, size)
        files = sum(1 for _ in folder.rglob("*.txt"))
        mb = sum(p.stat().st_size for p in folder.rglob("*.txt")) / 1e6
        print(
            f"\n== {size:g} MB corpus: {files} files, {mb:.1f} MB, {len(plants)} planted wire copies "
            f"(built or checked in {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        row: dict = {"mb": mb}
        floor = [sys.executable, str(ROOT / "bench" / "floor.py"), str(folder)]
        run(floor)  # once untimed, so that every timed command finds the files in the page cache
        settings = [1, None] if size <= 100 else [None]
        runs: dict[int | None, list[dict]] = {jobs: [] for jobs in settings}
        floors = []
        for _ in range(args.repeat):
            seconds, _, out, _ = run(floor)
            floors.append(seconds)
            print(f"floor: {seconds:.2f} s ({out.strip()})", flush=True)
            if len(settings) > 1:
                cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
                gain = parallel_reference(cores)
                print(f"reference: independent tasks {gain:.2f}x faster on {cores} cores", flush=True)
            for jobs in settings:
                result = dedup(folder, jobs)
                result["recall"] = recall(result["report"]["clusters"], plants, folder)
                runs[jobs].append(result)
                stats = result["report"]["stats"]
                print(
                    f"dedup --jobs {jobs or 'default'}: {result['seconds']:.2f} s, "
                    f"peak {result['peak'] / 1e9:.2f} GB, {stats['passages']} units, "
                    f"{stats['candidate_pairs']} candidates, {stats['clusters']} clusters, "
                    f"recall {result['recall']:.3f}",
                    flush=True,
                )
                print("   stages: " + ", ".join(f"{k} {v:.2f}" for k, v in result["timings"].items()), flush=True)
        row["floor"] = sorted(floors)[(len(floors) - 1) // 2]
        for jobs, done in runs.items():
            row[f"jobs{jobs or 'all'}"] = sorted(done, key=lambda r: r["seconds"])[(len(done) - 1) // 2]
        if len(settings) > 1 and args.repeat > 1:
            ratios = [one["seconds"] / every["seconds"] for one, every in zip(runs[1], runs[None])]
            print("jobs1/all cores, pair by pair: " + ", ".join(f"{r:.2f}x" for r in ratios), flush=True)
        if size == min(args.sizes) and not args.no_baseline:
            out_file = Path(tempfile.mkstemp(suffix=".json")[1])
            seconds, peak, _, _ = run(
                [sys.executable, str(ROOT / "bench" / "baseline_datasketch.py"), str(folder), str(out_file)]
            )
            baseline = json.loads(out_file.read_text(encoding="utf-8"))
            out_file.unlink()
            row["baseline"] = {"seconds": seconds, "peak": peak, "recall": recall(baseline["clusters"], plants, folder)}
            print(
                f"datasketch baseline: {seconds:.2f} s, peak {peak / 1e9:.2f} GB, {baseline['paragraphs']} paragraphs, "
                f"{len(baseline['clusters'])} clusters, recall {row['baseline']['recall']:.3f}",
                flush=True,
            )
        results[size] = row

    print("\n== summary (ratios from this run, median runs if repeated; absolute times for context)")
    print("| corpus | floor | dedup --jobs 1 | dedup (all cores) | peak memory | jobs1/floor | jobs1/all cores |")
    print("|---|---|---|---|---|---|---|")
    for row in results.values():
        one, every = row.get("jobs1"), row["jobsall"]
        cells = [
            f"{row['mb']:.0f} MB",
            f"{row['floor']:.1f} s",
            f"{one['seconds']:.1f} s" if one else "-",
            f"{every['seconds']:.1f} s",
            f"{every['peak'] / 1e9:.2f} GB",
            f"{one['seconds'] / row['floor']:.2f}x" if one else "-",
            f"{one['seconds'] / every['seconds']:.2f}x" if one else "-",
        ]
        print("| " + " | ".join(cells) + " |")
    smallest = results[min(results)]
    if "baseline" in smallest:
        base, ours = smallest["baseline"], smallest["jobsall"]
        print(
            f"\nbaseline/dedup on {smallest['mb']:.0f} MB: {base['seconds'] / ours['seconds']:.1f}x faster "
            f"({base['seconds']:.1f} s vs {ours['seconds']:.1f} s); memory {ours['peak'] / base['peak']:.2f} of the "
            f"baseline's ({ours['peak'] / 1e9:.2f} GB vs {base['peak'] / 1e9:.2f} GB); recall dedup "
            f"{ours['recall']:.3f} vs baseline {base['recall']:.3f}"
        )
    sizes = sorted(results)
    for small, large in zip(sizes, sizes[1:]):
        a, b = results[small]["jobsall"], results[large]["jobsall"]
        print(
            f"scaling {small:g} -> {large:g} MB: input x{results[large]['mb'] / results[small]['mb']:.1f}, "
            f"time x{b['seconds'] / a['seconds']:.1f}, peak memory {b['peak'] / 1e9:.2f} GB"
        )


if __name__ == "__main__":
    main()
