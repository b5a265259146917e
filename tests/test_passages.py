from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.passages import split_paragraphs


def texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_paragraphs(text)]


def test_one_paragraph_per_line_with_long_lines():
    lines = [
        f"Paragraph number {i} " + "is long enough to be a paragraph of its own in news text. " * 2 for i in range(3)
    ]
    text = "\n".join(lines) + "\n"
    spans = split_paragraphs(text)
    assert [s.line_start for s in spans] == [1, 2, 3]
    assert texts(text) == [line.strip() for line in lines]


def test_blank_line_blocks():
    text = "Headline here\n\nFirst paragraph.\n\n\nSecond paragraph.\n"
    spans = split_paragraphs(text)
    assert texts(text) == ["Headline here", "First paragraph.", "Second paragraph."]
    assert [(s.line_start, s.line_end) for s in spans] == [(1, 1), (3, 3), (6, 6)]


def test_hard_wrapped_wire_copy_with_indented_paragraphs():
    text = (
        "CITY, March 3 - The first paragraph starts here and it is\n"
        "wrapped at a fixed width like wire copy.\n"
        "    The second paragraph is indented and also wraps onto a\n"
        "second line.\n"
        "    The third one is short.\n"
    )
    spans = split_paragraphs(text)
    assert [(s.line_start, s.line_end) for s in spans] == [(1, 2), (3, 4), (5, 5)]
    assert texts(text)[1] == "The second paragraph is indented and also wraps onto a\nsecond line."


def test_crlf_and_cr_newlines_keep_exact_offsets():
    for newline in ("\r\n", "\r", "\n"):
        long = "A long paragraph that goes on well past eighty columns so that it is not read as wrapped text."
        text = newline.join(["  " + long, "", long + " Two.", long + " Three.  "]) + newline
        spans = split_paragraphs(text)
        assert [text[s.start : s.end] for s in spans] == [long, long + " Two.", long + " Three."]
        assert [s.line_start for s in spans] == [1, 3, 4]


def test_empty_and_blank_text():
    assert split_paragraphs("") == []
    assert split_paragraphs(" \n\n\t\n") == []


def test_short_lines_in_a_document_of_long_lines_are_separate_paragraphs():
    long = "A paragraph of a web article runs on one line, well past the eighty columns of wire copy."
    caption = "The minister speaks to reporters. Picture: AFP"
    text = f"{long}\n\n{caption}\n{caption}\n\n{long}\n"
    assert texts(text) == [long, caption, caption, long]


def test_sentences_respect_abbreviations_initials_quotes_and_cjk():
    from dedup.passages import split_sentences

    text = (
        "He met Mr. Smith in the U.S. Senate on Monday. Then J. R. Ewing left! “Really?” she asked. "
        "東京です。天気は晴れ。"
    )
    assert [text[s.start : s.end] for s in split_sentences(text)] == [
        "He met Mr. Smith in the U.S. Senate on Monday.",
        "Then J. R. Ewing left!",
        "“Really?” she asked.",
        "東京です。",
        "天気は晴れ。",
    ]


def test_short_sentences_join_a_neighbour_in_the_same_paragraph():
    from dedup.passages import split_sentences

    text = "He added. This sentence is long enough to stand alone here. Short one!\n\nOk."
    spans = split_sentences(text, min_words=5)
    assert [text[s.start : s.end] for s in spans] == [
        "He added. This sentence is long enough to stand alone here. Short one!",
        "Ok.",
    ]


def test_sentences_keep_exact_offsets_and_lines_in_wrapped_text():
    from dedup.passages import split_sentences

    text = "CITY - The first sentence\nwraps here. The second one\nalso wraps.\n    Next paragraph.\n"
    spans = split_sentences(text)
    assert [(text[s.start : s.end], s.line_start, s.line_end) for s in spans] == [
        ("CITY - The first sentence\nwraps here.", 1, 2),
        ("The second one\nalso wraps.", 2, 3),
        ("Next paragraph.", 4, 4),
    ]


def test_units():
    from dedup.passages import split_units

    text = "Title\n\nFirst sentence here. Second sentence here.\n"
    assert len(split_units(text, "paragraph")) == 2
    assert len(split_units(text, "sentence")) == 3
    (whole,) = split_units(text, "document")
    assert text[whole.start : whole.end] == text.strip() and (whole.line_start, whole.line_end) == (1, 3)
    assert split_units("", "document") == []


def test_documents_split_in_groups_and_pieces_give_the_same_units(monkeypatch):
    import dedup.passages as passages

    story = (
        "The council met on Monday.  Mr. Jones said the harbour wall would be rebuilt by May.\n\n"
        "    CITY - Work starts next week, officials said. It will take a year.\r\n"
        "Residents welcomed the news! “At last,” one said.\n"
    )
    texts = [story * k for k in (1, 3, 7)] + ["", "no stop at all here"]
    whole = [passages.split_units(t, "sentence", 4) for t in texts]
    monkeypatch.setattr(passages, "GROUP_CHARS", 600)  # groups of few documents, long ones cut in pieces
    table = passages.split_documents(texts, "sentence", 4)
    per_doc = [[] for _ in texts]
    for doc, span in zip(table.doc.tolist(), table.spans()):
        per_doc[doc].append(span)
    for text, got, expected in zip(texts, per_doc, whole):
        for span in got:  # offsets slice back and line numbers count the breaks before them
            assert text[span.start : span.end].strip() == text[span.start : span.end]
            lines = text[: span.start].replace("\r\n", "\n").count("\n") + 1
            assert span.line_start == lines
        if len(text) <= 600:
            assert got == expected
        else:  # only units next to a cut may differ
            assert len(set(got) & set(expected)) >= len(expected) - 2 * (len(text) // 300 + 1)
    assert table.ordinal.tolist() == [i for spans in per_doc for i in range(len(spans))]


@given(st.text(alphabet="aAmMrRsStTzZ09_\u212a\u0130\u017fдé", min_size=1, max_size=6))
def test_a_word_is_taken_for_an_abbreviation_exactly_when_its_lowercase_is_one(word):
    import numpy as np

    from dedup.arrays import in_sorted
    from dedup.passages import _PLAIN_ABBREVIATIONS, ABBREVIATIONS, _ascii_codes

    points = np.array([ord(c) for c in word], dtype=np.uint32)
    code = _ascii_codes(points, np.array([0]), np.array([len(word)]))
    assert bool(in_sorted(code, _PLAIN_ABBREVIATIONS)[0]) == (word.lower() in ABBREVIATIONS)
    assert bool(np.isin(code, _PLAIN_ABBREVIATIONS)[0]) == (word.lower() in ABBREVIATIONS)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="uUsSkKgGeEa1_. \n\u212a\u0130д", max_size=40))
def test_every_full_stop_is_judged_as_the_regular_expression_judges_it(text):
    import numpy as np

    from dedup.passages import _abbreviation_or_initial, _Batch, _not_abbreviations

    batch = _Batch([text])
    stops = np.flatnonzero(batch.points == 46)
    expected = [not _abbreviation_or_initial(batch.joined, stop) for stop in stops.tolist()]
    assert _not_abbreviations(batch, stops).tolist() == expected


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=60))
def test_code_points_are_held_in_the_narrowest_array(text):
    from dedup.passages import _code_points

    points = _code_points(text)
    assert points.tolist() == [ord(c) for c in text]
    widest = max(map(ord, text), default=0)
    assert points.itemsize == (1 if widest < 256 else 2 if widest < 0x10000 else 4)


def test_latin1_text_gets_the_same_character_classes_as_wider_text():
    import numpy as np

    from dedup.passages import _KNOWN, _classes

    narrow = _classes(np.arange(256, dtype=np.uint8))
    wide = _classes(np.arange(256, dtype=np.uint16))
    assert narrow.tolist() == (wide & ~np.uint16(_KNOWN)).tolist()
