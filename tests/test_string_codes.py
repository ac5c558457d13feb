"""StringCodes and packed_strings: the labels' per-entity strings, held once each in Arrow."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.analysis.string_codes import StringCodes, packed_strings

CHARACTERS = st.characters(blacklist_characters="\x00")  # lone surrogates included
TEXTS = st.lists(st.text(alphabet=CHARACTERS, max_size=6), min_size=1, max_size=30)
UTF8 = st.lists(st.text(alphabet=st.characters(blacklist_characters="\x00",
                                               blacklist_categories=("Cs",)), max_size=6),
                min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(TEXTS, st.data())
def test_codes_compare_and_read_back_as_the_strings(texts: list[str], data: st.DataObject) -> None:
    n = len(texts)
    codes = StringCodes(n + 1)  # the last position is never set
    order = data.draw(st.permutations(range(n)))
    cut = data.draw(st.integers(0, n))
    for part in (order[:cut], order[cut:]):  # set in two reads, as texts are read lazily
        if part:
            codes.set(np.array(part), [texts[p] for p in part])
    i = np.array(data.draw(st.lists(st.integers(0, n), min_size=1, max_size=40)))
    j = np.array(data.draw(st.lists(st.integers(0, n), min_size=len(i), max_size=len(i))))
    expected = [a < n and b < n and texts[a] == texts[b] for a, b in zip(i, j, strict=True)]
    assert codes.equal(i, j).tolist() == expected
    if not any(0xD800 <= ord(c) <= 0xDFFF for t in texts for c in t):  # else escaped
        assert codes.take(np.arange(n)) == texts
    assert len(codes.values) == len(set(texts))  # each distinct string stored once


@settings(max_examples=150, deadline=None)
@given(UTF8)  # what the text cache packs: encoded as UTF-8
def test_packed_strings_read_what_was_packed(texts: list[str]) -> None:
    packed = np.frombuffer("\x00".join(texts).encode("utf-8"), dtype=np.uint8)
    assert packed_strings(packed, len(texts)).to_pylist() == texts


def test_packed_strings_refuse_a_wrong_count_and_bytes_that_are_not_utf8() -> None:
    packed = np.frombuffer(b"tau\x00sleep", dtype=np.uint8)
    with pytest.raises(ValueError, match="2 strings packed, 3 expected"):
        packed_strings(packed, 3)
    with pytest.raises(ValueError):
        packed_strings(np.frombuffer(b"ta\xff\x00sleep", dtype=np.uint8), 2)
    assert packed_strings(np.zeros(0, np.uint8), 0).to_pylist() == []
    assert packed_strings(np.zeros(0, np.uint8), 1).to_pylist() == [""]


def test_setting_a_position_again_replaces_its_string() -> None:
    codes = StringCodes(2)
    codes.set(np.array([0, 1]), ["a", "b"])
    codes.set(np.array([1]), ["a"])
    assert codes.equal(np.array([0]), np.array([1])).tolist() == [True]
    with pytest.raises(ValueError, match="2 positions but 1 strings"):
        codes.set(np.array([0, 1]), ["a"])
