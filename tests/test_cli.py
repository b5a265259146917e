from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from dedup import __version__
from dedup.cli import cli

from .conftest import EXAMPLES, QUOTE, QUOTE_STRAIGHT, write


def run(*args: str, **kwargs):
    return CliRunner(env={"COLUMNS": "300"}).invoke(cli, list(args), catch_exceptions=False, **kwargs)


@pytest.fixture
def articles(tmp_path):
    filler = "The harbour authority said ships would move again by the middle of next week."
    write(tmp_path, "a.txt", f"Headline one\n\n{QUOTE}\n\n{filler}\n")
    write(
        tmp_path, "sub/b.txt", f"Other headline\n{QUOTE_STRAIGHT}\nSomething else entirely, said nobody at all today.\n"
    )
    return tmp_path


def test_json_on_stdout_and_nothing_else(articles):
    result = run("scan", str(articles), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert set(report) == {"version", "params", "stats", "clusters", "errors"}
    assert report["version"] == 1
    (cluster,) = report["clusters"]
    assert cluster["size"] == 2 and cluster["documents"] == 2 and cluster["similarity"] == 1.0
    assert [m["path"] for m in cluster["members"]] == [str(articles / "a.txt"), str(articles / "sub/b.txt")]
    assert [m["line_start"] for m in cluster["members"]] == [3, 2]
    assert report["params"]["scheme"] == "affine32" and report["params"]["num_perm"] == 128
    assert report["params"]["screen_recall"] == 0.999
    assert {"files", "passages", "clusters", "seconds"} <= set(report["stats"])


def test_warnings_go_to_stderr_only(articles):
    write(articles, "broken.txt", b"\x00\x01\x02binary")
    result = run("scan", str(articles), "--format", "json")
    report = json.loads(result.stdout)
    assert report["errors"] == [{"path": str(articles / "broken.txt"), "message": "binary file (not text)"}]
    assert "broken.txt" in result.stderr and "binary" in result.stderr


def test_jsonl_is_one_cluster_per_line(articles):
    result = run("scan", str(articles), "--format", "jsonl")
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["size"] == 2


def test_text_output_has_summary_members_and_no_colour_when_piped(articles):
    result = run("scan", str(articles))
    assert result.exit_code == 0
    assert "1 clusters" in result.stdout
    assert "a.txt:3" in result.stdout and "b.txt:2" in result.stdout
    assert "\x1b[" not in result.stdout


def test_nothing_found_says_why(tmp_path):
    write(tmp_path, "a.txt", "Too short.\n")
    result = run("scan", str(tmp_path))
    assert "No near-duplicate passages" in result.stdout
    assert "--min-words" in result.stdout


def test_missing_path_is_one_line_and_exit_2(tmp_path):
    result = run("scan", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "no such file or directory" in result.stderr and "Traceback" not in result.stderr


def test_the_program_flushes_its_output_and_keeps_exit_codes(articles, tmp_path):
    """`python -m dedup` (and the `dedup` script) end through `main`, which
    leaves without tearing the interpreter down: nothing may be lost on the way."""

    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}

    def program(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "dedup", *args], capture_output=True, text=True, env=buffered)

    done = program("scan", str(articles), "--json", "-q")
    assert done.returncode == 0 and done.stderr == ""
    assert json.loads(done.stdout)["clusters"][0]["size"] == 2
    assert program("scan", str(articles), "-q", "--fail-on-duplicates").returncode == 1
    missing = program("scan", str(tmp_path / "nope"))
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.strip() == f"Error: no such file or directory: {tmp_path / 'nope'}"
    assert program("scan", "--no-such-option").returncode == 2
    assert program("--version").stdout.strip() == f"dedup, version {__version__}"


def test_json_runs_never_import_rich(articles):
    """rich takes about 20 ms to import; only the terminal view and the progress bar need it."""
    code = (
        "import sys; from click.testing import CliRunner; from dedup.cli import cli; "
        "result = CliRunner().invoke(cli, ['scan', sys.argv[1], '--json', '-v']); "
        "assert result.exit_code == 0, result.output; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'dedup'}))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(articles)], capture_output=True, text=True)
    assert done.stdout.split() == ["['dedup']"], done.stderr


def test_progress_bar_draws_on_stderr_only(capsys):
    from dedup.view import progress_bar

    with progress_bar() as update:
        update("reading", 0, 3)
        update("reading", 3, 3)
        update("comparing", 1, 1)
    assert capsys.readouterr().out == ""


def test_unwritable_output_is_one_line_and_exit_2_before_scanning(articles, tmp_path, monkeypatch):
    import dedup.cli

    target = tmp_path / "missing" / "out.json"
    with monkeypatch.context() as patch:
        patch.setattr(dedup.cli, "find_clusters", lambda *a, **k: pytest.fail("scanned before checking --output"))
        result = run("scan", str(articles), "--json", "-o", str(target))
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr == f"Error: cannot write {target}: no such directory {target.parent}\n"
        assert run("scan", str(articles), "-o", str(tmp_path)).exit_code == 2  # a folder: click refuses it
    monkeypatch.setattr(dedup.cli, "_check_writable", lambda output: None)  # as if it vanished during the scan
    result = run("scan", str(articles), "--json", "-o", str(target))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"Error: cannot write {target}: No such file or directory\n"


def test_empty_folder_is_zero_clusters_and_exit_0(tmp_path):
    result = run("scan", str(tmp_path), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["clusters"] == []


def test_fail_on_duplicates(articles, tmp_path_factory):
    assert run("scan", str(articles), "--fail-on-duplicates").exit_code == 1
    empty = tmp_path_factory.mktemp("empty")
    assert run("scan", str(empty), "--fail-on-duplicates").exit_code == 0


def test_output_file(articles, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "result.json"
    result = run("scan", str(articles), "--json", "--output", str(out))
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["stats"]["clusters"] == 1


def test_filters(articles):
    assert json.loads(run("scan", str(articles), "--json", "--min-documents", "3").stdout)["clusters"] == []
    assert json.loads(run("scan", str(articles), "--json", "--min-size", "3").stdout)["clusters"] == []
    assert json.loads(run("scan", str(articles), "--json", "--min-words", "40").stdout)["clusters"] == []


def test_json_and_format_conflict(articles):
    result = run("scan", str(articles), "--json", "--format", "jsonl")
    assert result.exit_code == 2 and "use one" in result.stderr


def test_verbose_shows_lsh_curve_on_stderr(articles):
    result = run("scan", str(articles), "--json", "-v")
    json.loads(result.stdout)
    assert "bands" in result.stderr and "P(0.4)=" in result.stderr


def test_version_and_help():
    assert __version__ in run("--version").stdout
    for args in (["--help"], ["scan", "--help"]):
        result = run(*args)
        assert result.exit_code == 0 and "Examples" in result.stdout


def test_example_folder_shows_real_clusters():
    report = json.loads(run("scan", str(EXAMPLES), "--json").stdout)
    assert len(report["clusters"]) >= 3
    assert max(c["documents"] for c in report["clusters"]) >= 4
    assert report["errors"] == []


def test_inputs_are_never_modified(articles):
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in articles.rglob("*") if p.is_file()}
    run("scan", str(articles), "--json")
    run("scan", str(articles))
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in articles.rglob("*") if p.is_file()}
    assert before == after


def test_unit_and_containment_options_shape_the_result(tmp_path):
    story = (
        "The harbour authority said the backlog of ships would clear by the middle of next week. "
        "Exporters warned that it could take much longer than that to clear."
    )
    write(tmp_path, "a.txt", f"{story}\n")
    write(tmp_path, "b.txt", f"A different opening sentence about something else entirely today. {story}\n")
    sentence = json.loads(run("scan", str(tmp_path), "--json").stdout)
    assert sentence["params"]["unit"] == "sentence" and sentence["params"]["containment"] == 0.5
    (cluster,) = sentence["clusters"]
    assert {m["text"] for m in cluster["members"]} == {story}
    document = json.loads(run("scan", str(tmp_path), "--json", "--unit", "document", "-c", "0.9").stdout)
    assert document["params"]["unit"] == "document"
    (cluster,) = document["clusters"]
    assert max(m["containment"] for m in cluster["members"]) == 1.0
    # b holds all of a: found by containment alone, though its Jaccard (0.71) is under the threshold
    contained = json.loads(run("scan", str(tmp_path), "--json", "--unit", "document", "-c", "0.8", "-t", "0.9").stdout)
    assert [c["similarity"] < 0.9 for c in contained["clusters"]] == [True]
