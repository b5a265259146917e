from __future__ import annotations

import codecs
import os

import pytest

from dedup.sources import InputNotFound, UnreadableFile, decode_bytes, find_files, read_bytes, read_document

from .conftest import write

RUSSIAN = (
    "Министр транспорта Томас Бреннер приветствовал решение докеров и пообещал опубликовать "
    "обзор правил безопасности в портах в течение девяноста дней."
)
FRENCH = "Le café de la gare a fermé ses portes après vingt ans. Les habitués regrettent déjà leur crème brûlée."


def test_folders_are_walked_recursively_in_sorted_order(tmp_path):
    for name in ["b.txt", "a.txt", "sub/c.txt", "sub/deeper/d.txt", "notes.md", ".hidden.txt", ".git/e.txt"]:
        write(tmp_path, name, "x")
    paths, failures = find_files([str(tmp_path)])
    rel = [os.path.relpath(p, tmp_path) for p in paths]
    assert rel == ["a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.txt"]
    assert failures == []


def test_paths_are_reported_as_walked(tmp_path):
    write(tmp_path, "articles/a.txt", "x")
    os.chdir(tmp_path)
    assert find_files(["articles/"])[0] == ["articles/a.txt"]
    assert find_files(["articles"])[0] == ["articles/a.txt"]


def test_include_exclude_hidden_and_explicit_files(tmp_path):
    for name in ["a.txt", "b.md", "sub/skip.txt", ".hidden.txt", "sub/keep.txt"]:
        write(tmp_path, name, "x")
    top = str(tmp_path)
    rel = lambda paths: [os.path.relpath(p, tmp_path) for p in paths[0]]  # noqa: E731
    assert rel(find_files([top], include=("*.md",))) == ["b.md"]
    assert rel(find_files([top], include=())) == ["a.txt", "b.md", "sub/keep.txt", "sub/skip.txt"]
    assert rel(find_files([top], exclude=("skip*",))) == ["a.txt", "sub/keep.txt"]
    assert rel(find_files([top], exclude=("sub/*",))) == ["a.txt"]
    assert rel(find_files([top], hidden=True)) == [".hidden.txt", "a.txt", "sub/keep.txt", "sub/skip.txt"]
    assert rel(find_files([str(tmp_path / "b.md")])) == ["b.md"]


def test_the_same_file_given_twice_is_scanned_once(tmp_path):
    path = str(write(tmp_path, "a.txt", "x"))
    os.symlink(path, tmp_path / "link.txt")
    assert find_files([path, path, str(tmp_path)])[0] == [path]


def test_missing_input_raises_before_anything_is_listed(tmp_path):
    with pytest.raises(InputNotFound):
        find_files([str(tmp_path), str(tmp_path / "nope")])


@pytest.mark.parametrize(
    "data, expected, encoding",
    [
        (b"plain text", "plain text", "utf-8"),
        (codecs.BOM_UTF8 + b"with bom", "with bom", "utf-8-sig"),
        ("utf16 le ☃".encode("utf-16"), "utf16 le ☃", "utf-16"),
        (codecs.BOM_UTF16_BE + "utf16 be".encode("utf-16-be"), "utf16 be", "utf-16"),
        (FRENCH.encode("latin-1"), FRENCH, None),
        (RUSSIAN.encode("cp1251"), RUSSIAN, None),
        (b"", "", "utf-8"),
    ],
)
def test_decoding(data, expected, encoding):
    text, used = decode_bytes(data)
    assert text == expected
    if encoding:
        assert used == encoding


def test_binary_is_refused_not_read_as_latin1():
    with pytest.raises(UnreadableFile, match="binary"):
        decode_bytes(bytes(range(256)) * 8)
    with pytest.raises(UnreadableFile, match="binary"):
        decode_bytes(b"PK\x03\x04\x00\x00 looks like a zip")


def test_explicit_encoding():
    assert decode_bytes("é".encode("latin-1"), "latin-1") == ("é", "latin-1")
    with pytest.raises(UnreadableFile, match="cannot decode"):
        decode_bytes(b"\xff\xfe\xfd", "ascii")


def test_read_document_keeps_newlines_untranslated(tmp_path):
    path = write(tmp_path, "a.txt", "one\r\ntwo\rthree\n")
    assert read_document(str(path)).text == "one\r\ntwo\rthree\n"
    with open(path, encoding="utf-8", newline="") as f:
        assert read_document(str(path)).text == f.read()


@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 3 << 20])
def test_files_of_every_size_are_read_whole(tmp_path, size):
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert read_bytes(str(path)) == data
