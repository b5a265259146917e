"""The project's own promises: lint, the README's commands, CI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")


@pytest.mark.skipif(RUFF is None, reason="ruff missing")
def test_ruff_finds_nothing():
    ruff = RUFF
    result = subprocess.run([ruff, "check", "dedup", "tests", "bench"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```sh\n")[1:3]]
    install_and_run, install_and_test = blocks
    assert "examples/articles/" in install_and_run
    assert "'.[test]'" in install_and_test and "pytest" in install_and_test
    assert install_and_test in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
