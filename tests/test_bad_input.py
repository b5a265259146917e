"""One folder of awkward files: each is reported or read, and the scan goes on."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from dedup.cli import cli

from .conftest import QUOTE, deny_listing, write
from .test_sources import FRENCH, RUSSIAN


def test_a_folder_of_bad_files(tmp_path, monkeypatch):
    write(tmp_path, "binary.txt", bytes(range(256)) * 16)
    write(tmp_path, "latin1.txt", (FRENCH + "\n\n" + FRENCH + "\n").encode("latin-1"))
    write(tmp_path, "cp1251.txt", (RUSSIAN + "\n\n" + RUSSIAN + "\n").encode("cp1251"))
    write(tmp_path, "empty.txt", b"")
    write(tmp_path, "good-a.txt", QUOTE + "\n")
    write(tmp_path, "good-b.txt", QUOTE + "\n")
    locked = write(tmp_path, "locked.txt", QUOTE + "\n")
    os.chmod(locked, 0)
    if os.access(locked, os.R_OK):  # running as root: make the read fail the way it would for a user
        real_open = os.open

        def open_denied(path, *args, **kwargs):
            if str(path) == str(locked):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", open_denied)

    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    errors = {os.path.basename(e["path"]): e["message"] for e in report["errors"]}
    assert errors == {"binary.txt": "binary file (not text)", "locked.txt": "Permission denied"}
    assert "binary.txt" in result.stderr and "locked.txt" in result.stderr
    assert report["stats"]["files"] == 5

    texts = {os.path.basename(m["path"]): m["text"] for c in report["clusters"] for m in c["members"]}
    assert texts["latin1.txt"] == FRENCH
    assert texts["cp1251.txt"] == RUSSIAN
    assert texts["good-a.txt"] == texts["good-b.txt"] == QUOTE

    missing = CliRunner().invoke(cli, ["scan", str(tmp_path), str(tmp_path / "missing.txt")])
    assert missing.exit_code == 2
    assert missing.stderr.strip() == f"Error: no such file or directory: {tmp_path / 'missing.txt'}"
    os.chmod(locked, 0o644)


def test_a_folder_that_cannot_be_listed_is_reported_first_and_the_rest_is_scanned(tmp_path, monkeypatch):
    write(tmp_path, "a.txt", QUOTE + "\n")
    write(tmp_path, "locked/b.txt", QUOTE + "\n")
    write(tmp_path, "z.txt", QUOTE + "\n")
    write(tmp_path, "binary.txt", bytes(range(256)) * 16)
    deny_listing(monkeypatch, "locked")
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--json"], catch_exceptions=False)
    report = json.loads(result.stdout)
    assert [(os.path.basename(e["path"]), e["message"]) for e in report["errors"]] == [
        ("locked", "Permission denied"),
        ("binary.txt", "binary file (not text)"),
    ]
    assert [os.path.basename(m["path"]) for m in report["clusters"][0]["members"]] == ["a.txt", "z.txt"]
    assert "locked" in result.stderr
