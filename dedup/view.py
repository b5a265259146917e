"""The terminal view of a `Report`, and the progress bar, drawn with rich.

The CLI imports this module only when it draws something: rich takes about
20 ms to import, which a `--json` run piped to another tool does not need.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import TextIO

from rich.console import Console, Group
from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from .models import Cluster, Report

__all__ = ["preview", "progress_bar", "render_text"]

PREVIEW_CHARS = 280
_SPACE = re.compile(r"\s+")


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """`text` on one line, cut at a word boundary near `limit` characters."""
    flat = _SPACE.sub(" ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > limit // 2 else limit].rstrip() + " …"


def _summary(report: Report) -> Text:
    s = report.stats
    members = sum(c.size for c in report.clusters)
    if report.clusters:
        head = Text.assemble(
            (f"{len(report.clusters)} clusters", "bold"),
            f" of near-duplicate passages ({members} passages) in {s['files']} files; ",
        )
    else:
        head = Text.assemble(("No near-duplicate passages", "bold"), f" in {s['files']} files; ")
    head.append(f"{s['passages']} passages compared at threshold {report.params['threshold']}")
    head.append(f" in {s['seconds']:.2f} s.", "dim")
    return head


def _hints(report: Report) -> list[str]:
    """Why a scan found nothing, in terms of the options that decided it."""
    s, p = report.stats, report.params
    hints = []
    if s["files"] == 0:
        hints.append("No files were read: check the paths, --include/--exclude, or use --all-files.")
    if s["short_passages"]:
        hints.append(f"{s['short_passages']} passages shorter than --min-words {p['min_words']} were not compared.")
    if s["verified_pairs"] and not report.clusters:
        hints.append(
            f"{s['verified_pairs']} similar pairs were found but filtered out by "
            f"--min-documents {p['min_documents']} / --min-size {p['min_size']}."
        )
    return hints


def _cluster_view(cluster: Cluster) -> Group:
    title = Text.assemble(
        (f"Cluster {cluster.id}", "bold cyan"),
        f"  {cluster.size} passages in {cluster.documents} {'file' if cluster.documents == 1 else 'files'}",
        ("  similarity ", "dim"),
        f"{cluster.similarity:.2f}",
        (f" (min {cluster.min_similarity:.2f})", "dim"),
    )
    table = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False)
    table.add_column("where", style="green", overflow="fold")
    table.add_column("similarity", justify="right", style="magenta")
    table.add_column("containment", justify="right", style="dim")
    for m in cluster.members:
        lines = f"{m.line_start}" if m.line_start == m.line_end else f"{m.line_start}-{m.line_end}"
        table.add_row(f"{m.path}:{lines}", f"{m.similarity:.2f}", f"contained {m.containment:.2f}")
    indent = (0, 0, 0, 2)
    return Group(
        title,
        Padding(Text(preview(cluster.text), style="italic"), indent, expand=False),
        Padding(table, indent, expand=False),
    )


def render_text(report: Report, out: TextIO, terminal: bool = True) -> None:
    """The terminal view: a summary line, then each cluster, largest first;
    in colour on a terminal, plain and 100 columns wide in a file."""
    if terminal:
        console = Console(file=out, highlight=False)
    else:
        console = Console(file=out, highlight=False, color_system=None, width=100)
    console.print(_summary(report))
    for hint in _hints(report) if not report.clusters else []:
        console.print(hint, style="dim")
    for cluster in report.clusters:
        console.print()
        console.print(_cluster_view(cluster))
    if report.errors:
        console.print()
        console.print(f"{len(report.errors)} files could not be read (see the warnings above).", style="yellow")


@contextlib.contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on stderr, one line per stage, gone when the scan ends."""
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, int] = {}

    def update(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    with bar:
        yield update
