from __future__ import annotations

import unicodedata

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.shingles import shingle_hash, shingle_sets, words

from .conftest import QUOTE, QUOTE_STRAIGHT


def test_quotes_dashes_case_and_spacing_do_not_matter():
    a = "“Hopefully Russia will do the right thing,” he said — to reporters."
    b = '"hopefully  Russia will do the RIGHT thing," he said - to reporters.'
    assert words(a) == words(b)
    sets = shingle_sets([QUOTE, QUOTE_STRAIGHT], 3)
    assert np.array_equal(sets[0], sets[1])


def test_cyrillic_words():
    assert words("Министр транспорта Томас Бреннер приветствовал решение.") == [
        "министр",
        "транспорта",
        "томас",
        "бреннер",
        "приветствовал",
        "решение",
    ]


def test_ukrainian_apostrophes_are_unified():
    assert words("м’ясо") == words("м'ясо") == words("мʼясо")


def test_scripts_without_spaces_give_one_token_per_character():
    assert words("東京の天気は晴れです") == list("東京の天気は晴れです")
    assert words("สวัสดีครับ")[:2] == ["ส", "ว"]


def test_nfkc_folds_compatibility_characters():
    assert words("ﬁnal ＡＢＣ") == ["final", "abc"]


def test_short_passage_is_one_shingle_and_empty_has_none():
    sets = shingle_sets(["two words", "", "one two three four"], 3)
    assert list(sets.sizes()) == [1, 0, 2]
    assert list(sets.word_counts) == [2, 0, 4]
    assert sets[0][0] == shingle_hash(["two", "words"])


@given(st.lists(st.text(alphabet="abc dé€Жж東,.\n", max_size=60), max_size=6), st.integers(1, 5))
def test_batch_shingles_equal_the_scalar_hash_of_every_shingle(texts, k):
    sets = shingle_sets(texts, k)
    for i, text in enumerate(texts):
        tokens = words(text)
        grams = [tokens[j : j + k] for j in range(len(tokens) - k + 1)] or ([tokens] if tokens else [])
        assert sorted({shingle_hash(g) for g in grams}) == sets[i].tolist()


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=80))
def test_fast_tokenizer_gives_the_same_words_as_the_regular_expression(text):
    from dedup.shingles import _TOKEN, _word_bytes, normalize

    text = normalize(text)
    assert [w for w in _word_bytes(text).split(b"\x00") if w] == [t.encode("utf-8") for t in _TOKEN.findall(text)]


@given(
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=120),
    st.integers(0, 3000),
    st.sampled_from([1, 7, 64, 1 << 20]),
)
def test_word_hashes_of_a_whole_text_equal_each_word_hashed_alone(text, long_word, block):
    from dedup.shingles import _word_bytes, _word_hash, _word_hashes, normalize

    data = _word_bytes(normalize(f"{text} {'x' * long_word} \x00 {text}"))
    hashes, separator = _word_hashes(data, block)
    expected = [0 if w == b"\x01" else _word_hash(w) for w in data.split(b"\x00") if w]
    assert hashes.tolist() == expected
    assert separator.tolist() == [h == 0 for h in expected]  # only separators hash to 0


def test_a_nul_inside_a_passage_does_not_split_it():
    sets = shingle_sets(["one\x00two three four", "five six"], 1)
    assert list(sets.word_counts) == [4, 2]
    assert words("one\x00two") == ["one", "two"]


@given(st.lists(st.sets(st.integers(0, 50), max_size=12), min_size=1, max_size=10), st.data())
def test_span_unions_are_the_unions_of_their_rows_whatever_the_chunk(groups, data):
    import dedup.shingles as shingles
    from dedup.shingles import ShingleSets

    values = [np.array(sorted(g), dtype=np.uint32) for g in groups]
    indptr = np.concatenate(([0], np.cumsum([len(v) for v in values]))).astype(np.int64)
    sets = ShingleSets(np.concatenate(values), indptr, np.array([len(g) + 1 for g in groups]))
    n = len(groups)
    spans = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=8))
    first = np.array([min(a, b) for a, b in spans])
    last = np.array([max(a, b) for a, b in spans])
    expected = [sorted(set().union(*groups[a : b + 1])) for a, b in zip(first, last)]
    for chunk in (shingles._UNION_CHUNK, 3):
        original, shingles._UNION_CHUNK = shingles._UNION_CHUNK, chunk
        try:
            unions = sets.span_unions(first, last)
        finally:
            shingles._UNION_CHUNK = original
        assert [unions[i].tolist() for i in range(len(first))] == expected
        assert unions.word_counts.tolist() == [sum(len(g) + 1 for g in groups[a : b + 1]) for a, b in zip(first, last)]


# ASCII, characters the fast path takes (curly quotes, dashes, Latin-1 letters and
# signs), and ones it must not: a soft hyphen, an apostrophe letter, a combining
# accent, sharp s, a ligature, a no-break space, one half, micro, Kelvin, dotted
# capital I, final sigma, an ellipsis, Hangul jamo that compose.
_NORMALIZE_ALPHABET = (
    list("aZe 9.'-\n") + list("“”‘’–—£€éÉÀçÿ×·«»") + list("\u00ad\u02bc\u0301ßﬁ\u00a0½µ\u212aİςΣ…\u1100\u1161")
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_NORMALIZE_ALPHABET), max_size=40))
def test_the_fast_paths_of_normalize_give_nfkc_and_casefold(text):
    from dedup.shingles import _UNIFY, normalize

    expected = text
    for char, replacement in _UNIFY:
        expected = expected.replace(char, replacement)
    assert normalize(text) == unicodedata.normalize("NFKC", expected).casefold()
