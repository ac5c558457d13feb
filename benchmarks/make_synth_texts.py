"""Build the texts the synthetic-graph generator draws from, from the bundled SciFact graph.

Usage (from the repository root)::

    .venv/bin/python benchmarks/make_synth_texts.py            # writes the package file
    .venv/bin/python benchmarks/make_synth_texts.py --check    # fails if it is out of date

Reads ``data/scifact/entities.parquet`` and ``edges.parquet`` and writes
``explorer/testing/texts/scifact.jsonl.xz``: xz'd JSON lines (the same input gives the same
text, and with the same liblzma the same bytes), one line per source text, in the order of
the SciFact files:

- ``{"kind": "paper", "title": "...", "sentences": [...]}`` for a paper: its title (``null``
  when shorter than three words) and the whole sentences of its abstract opening;
- ``{"kind": "claim", "sentences": [...]}`` for a claim, and ``{"kind": "note", ...}`` for the
  evidence note of an edge (the rationale sentences it quotes).

A sentence is kept when it has three words or more, once abstract headings (``BACKGROUND:``
...) are cut off; the last fragment of a text cut short with "…" is left out. Sources without
a sentence or title are left out. See ``explorer/testing/texts/SOURCE.md`` for attribution.
"""

from __future__ import annotations

import argparse
import json
import lzma
import re
import sys
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "scifact"
TARGET = ROOT / "explorer" / "testing" / "texts" / "scifact.jsonl.xz"

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")
_HEADING = re.compile(
    r"^(?:(?:BACKGROUND|OBJECTIVES?|CONTEXT|INTRODUCTION|AIMS?|PURPOSE|METHODS?|RESULTS?|"
    r"CONCLUSIONS?|DESIGN|SETTING|IMPORTANCE|RATIONALE|PARTICIPANTS|FINDINGS|INTERPRETATION|"
    r"SUMMARY|UNLABELLED|ABSTRACT|AND|&|/|,)\s*:?\s*)+(?=\S)"
)


def split_sentences(text: str) -> list[str]:
    """Whole sentences of ``text`` of three words or more, without abstract headings.

    Examples
    --------
    >>> split_sentences("BACKGROUND: Mice sleep a lot. They dream too. And then the …")
    ['Mice sleep a lot.', 'They dream too.']
    """
    text = " ".join(text.split())
    parts = [p for p in _SENTENCE_SPLIT.split(text) if p]
    if len(parts) > 1 and parts[-1].endswith("…"):
        parts = parts[:-1]
    parts = [_HEADING.sub("", p.rstrip("…").rstrip()) for p in parts]
    return [p for p in parts if len(p.split()) >= 3]


def records(source: Path) -> list[dict[str, object]]:
    """One record per SciFact text (see the module docstring)."""
    frame = pq.read_table(source / "entities.parquet", columns=["kind", "title", "summary"])
    out: list[dict[str, object]] = []
    for kind, title, summary in zip(*(frame.column(c).to_pylist() for c in frame.column_names),
                                    strict=True):
        title, summary = title or "", summary or ""
        if kind == "paper":
            title = " ".join(title.split())
            record = {"kind": "paper", "title": title if len(title.split()) >= 3 else None,
                      "sentences": split_sentences(summary)}
            if record["title"] or record["sentences"]:
                out.append(record)
        else:
            sentences = split_sentences(title) + split_sentences(summary)
            if sentences:
                out.append({"kind": kind, "sentences": sentences})
    notes = pq.read_table(source / "edges.parquet", columns=["note"]).column("note").to_pylist()
    for note in notes:
        sentences = split_sentences(note or "")
        if sentences:
            out.append({"kind": "note", "sentences": sentences})
    return out


def jsonl(rows: list[dict[str, object]]) -> str:
    """The rows as JSON lines (compact, UTF-8 characters kept)."""
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)


def encode(rows: list[dict[str, object]]) -> bytes:
    """xz'd JSON lines: the same rows give the same bytes (with the same liblzma)."""
    return lzma.compress(jsonl(rows).encode("utf-8"), preset=9 | lzma.PRESET_EXTREME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="SciFact graph directory")
    parser.add_argument("--out", type=Path, default=TARGET, help="file to write")
    parser.add_argument("--check", action="store_true", help="only check the file is current")
    args = parser.parse_args(argv)
    rows = records(args.source)
    if args.check:  # compare the text: another liblzma may compress it to other bytes
        current = lzma.decompress(args.out.read_bytes()).decode() if args.out.is_file() else ""
        fresh = current == jsonl(rows)
        print(f"{args.out}: {'up to date' if fresh else 'OUT OF DATE'}")
        return 0 if fresh else 1
    data = encode(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
