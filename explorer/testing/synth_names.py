"""Names in synthetic graphs: entity ids (slug of the title plus a base-36 counter) and authors.

Ids are ``kind:<slug of the first six title words>-<base-36 row counter>``: unique, and at most
about 60 characters. Authors are synthetic names such as ``"M. K. Renvalo"``, drawn with a
heavy-tailed popularity, so a few are prolific.

Examples
--------
>>> base36(np.array([0, 35, 36, 1295])).to_pylist()
['0', 'z', '10', 'zz']
>>> titles = pa.array(["Aspirin lowers the risk of stroke in adults", "¿¡", "Ça va, TNF-α?"])
>>> slugs(titles).to_pylist()
['aspirin-lowers-the-risk-of-stroke', 'item', 'a-va-tnf']
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .synth_sampling import draw, sampler, zipf_weights

__all__ = ["author_lists", "base36", "slugs"]

_SLUG_WORDS = 6
_SLUG_CHARS = 48
_SLUG_SOURCE_CHARS = 64  # slugs are made from this many first characters
_SYLLABLES = tuple(
    "ka lo mi ren sa to vel an de ri mor ta ni shi ber gu lin ha zu pe cor da el fen ga ko "
    "lu ma no ra sel tu va wen ya zo bo chi dru es far gil".split()
)
_NAME_ENDINGS = ("", "", "", "", "son", "ez", "ova", "i", "sen", "berg", "ski", "ani", "o")
_INITIALS = "ABCDEFGHIJKLMNOPRSTVWYZ"


def base36(values: np.ndarray) -> pa.Array:
    """Base-36 digits of non-negative integers, as a string array."""
    width = max(1, math.ceil(math.log(int(values.max()) + 1, 36) + 1e-9)) if len(values) else 1
    powers = 36 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (values[:, None] // powers) % 36
    alphabet = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    fixed = np.ascontiguousarray(alphabet[digits]).view(f"S{width}").ravel()
    text = pa.array(fixed, type=pa.binary()).cast(pa.string())
    trimmed = pc.utf8_ltrim(text, characters="0")
    return pc.if_else(pc.equal(trimmed, ""), "0", trimmed)


def slugs(titles: pa.Array) -> pa.Array:
    """Slugs of the first words of each title: ``a-z0-9`` runs joined by ``-`` (or ``item``).

    Other characters, accented letters included, separate runs; a slug has at most
    ``_SLUG_CHARS`` characters. Done on the bytes of the titles, in blocks, rather than with a
    regex, which takes several times longer on a million titles.
    """
    head = pc.utf8_slice_codeunits(titles, 0, _SLUG_SOURCE_CHARS)
    if isinstance(head, pa.ChunkedArray):
        head = head.combine_chunks()
    n = len(head)
    offsets = np.frombuffer(head.buffers()[1], dtype=np.int32, count=n + 1, offset=4 * head.offset)
    data = np.frombuffer(head.buffers()[2], dtype=np.uint8) if n else np.zeros(0, np.uint8)
    pieces, lengths = [], []
    for lo in range(0, n, 1 << 17):
        hi = min(n, lo + (1 << 17))
        piece, length = _slug_block(data[offsets[lo] : offsets[hi]], np.diff(offsets[lo : hi + 1]))
        pieces.append(piece)
        lengths.append(length)
    length = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
    ends = np.r_[0, np.cumsum(length)].astype(np.int32)
    body = np.concatenate(pieces) if pieces else np.zeros(0, np.uint8)
    slug = pa.StringArray.from_buffers(n, pa.py_buffer(ends), pa.py_buffer(body))
    return pc.if_else(pc.equal(slug, ""), "item", slug)


_SLUG_BYTES = np.full(256, ord("-"), dtype=np.uint8)  # byte -> slug byte
_SLUG_BYTES[48:58] = np.arange(48, 58)  # digits
_SLUG_BYTES[97:123] = np.arange(97, 123)  # a-z
_SLUG_BYTES[65:91] = np.arange(97, 123)  # A-Z, lower-cased


def _slug_block(data: np.ndarray, length: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slug bytes of consecutive strings (``data``, cut by ``length``) and their lengths."""
    if len(data) == 0:
        return data, np.zeros(len(length), dtype=np.int64)
    chars = _SLUG_BYTES[data]
    alnum = chars != ord("-")
    space = (data == 32).astype(np.int32)
    before = np.cumsum(space) - space  # spaces before each byte, then before its string
    start = np.cumsum(length) - length
    word = before - np.repeat(before[np.minimum(start, len(data) - 1)], length)
    first = np.zeros(len(data), dtype=bool)
    first[start[length > 0]] = True
    after_separator = first | np.r_[True, ~alnum[:-1]]
    keep = (word < _SLUG_WORDS) & (alnum | ~after_separator)  # one dash per run, none first
    packed = chars[keep]
    kept = np.r_[0, np.cumsum(keep, dtype=np.int32)]
    size = kept[start + length] - kept[start]
    begin = np.cumsum(size) - size
    # no dash at the end, at most _SLUG_CHARS characters (then again no dash at the end)
    cut = size.copy()
    for limit in (None, _SLUG_CHARS):
        if limit is not None:
            cut = np.minimum(cut, limit)
        cut -= (cut > 0) & (packed[np.maximum(begin + cut - 1, 0)] == ord("-"))
    position = np.arange(len(packed)) - np.repeat(begin, size)
    return packed[position < np.repeat(cut, size)], cut


def _author_names(size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` synthetic names such as ``"M. K. Renvalo"`` (some repeat, as real ones do)."""
    syl = np.array(_SYLLABLES, dtype=object)
    parts = rng.integers(0, len(_SYLLABLES), (size, 3))
    three = rng.random(size) < 0.35
    ending = np.array(_NAME_ENDINGS, dtype=object)[rng.integers(0, len(_NAME_ENDINGS), size)]
    first = np.array(list(_INITIALS), dtype=object)[rng.integers(0, len(_INITIALS), size)]
    middle = np.array(list(_INITIALS), dtype=object)[rng.integers(0, len(_INITIALS), size)]
    has_middle = rng.random(size) < 0.3
    names = []
    for a, b, c, three_, end, f, mi, hm in zip(
        syl[parts[:, 0]].tolist(),
        syl[parts[:, 1]].tolist(),
        syl[parts[:, 2]].tolist(),
        three.tolist(),
        ending.tolist(),
        first.tolist(),
        middle.tolist(),
        has_middle.tolist(),
        strict=True,
    ):
        surname = (a + b + (c if three_ else "") + end).capitalize()
        names.append(f"{f}. {mi}. {surname}" if hm else f"{f}. {surname}")
    return np.array(names, dtype=object)


def author_lists(n: int, papers: np.ndarray, rng: np.random.Generator) -> list[list[str]]:
    """Draw 1 to 12 author names for each paper; other rows get empty lists."""
    per_paper = np.clip(1 + rng.negative_binomial(3, 0.45, len(papers)), 1, 12)
    pool_size = int(np.clip(2 * len(papers), 200, 300_000))
    names = _author_names(pool_size, rng)
    picks = draw(sampler(zipf_weights(pool_size, 0.75, rng)), int(per_paper.sum()), rng)
    flat = names[picks].tolist()
    ends = np.cumsum(per_paper).tolist()
    starts = [0] + ends[:-1]
    authors: list[list[str]] = [[] for _ in range(n)]
    for row, a, b in zip(papers.tolist(), starts, ends, strict=True):
        authors[row] = list(dict.fromkeys(flat[a:b]))  # a name once per paper
    return authors
