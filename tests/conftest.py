from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = SHARED / "seeds"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not present")


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """Write a fixture file, creating folders; str is written as UTF-8 without newline translation."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def deny_listing(monkeypatch: pytest.MonkeyPatch, folder_name: str) -> None:
    """Make listing any folder named `folder_name` fail as it would without permission
    (chmod alone does not stop root, which CI may run as)."""
    real_scandir = os.scandir

    def scandir_denied(path):
        if str(path).endswith(folder_name):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir_denied)


QUOTE = (
    "“We have agreed to return to work because the authority has finally listened "
    "to our concerns about night shifts and safety,” union leader Ilse Varga said."
)
QUOTE_STRAIGHT = (
    '"We have agreed to return to work because the authority has finally listened '
    'to our concerns about night shifts and safety," union leader Ilse Varga said.'
)
