"""The command line: each command parses, makes one library call, and formats.

Every error, the library's and argparse's alike, becomes one ``Error:`` line and exit
status 2; never a traceback. The commands are in :mod:`explorer.cli_commands`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from .analysis.thresholds import Method
from .cli_commands import DATA_VARIABLE, run
from .errors import ExplorerError

__all__ = ["build_parser", "main"]



class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one ``Error:`` line (it prints usage and two lines)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"Error: {message} (see: {self.prog} --help)\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def _add_data(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", type=Path, default=None,
        help=f"data directory (entities + edges tables); default: ${DATA_VARIABLE}",
    )
    parser.add_argument(
        "--on-error", choices=["raise", "report"], default="raise",
        help="stop at the first bad row (raise), or set bad rows aside and list them (report)",
    )
    parser.add_argument(
        "--curation", type=Path, default=None,
        help="curation database (default: <data>/curation.sqlite)",
    )


def _add_threshold(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--min-cosine", type=float, default=None,
                        help="threshold (default: the embedder's calibrated one)")


def _add_embedder(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--embedder", default=None,
                        help="embedder name: wordllama (default), tfidf, minilm")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m explorer``."""
    parser = _Parser(
        prog="python -m explorer",
        description="Explore, check and curate a knowledge graph of research claims.",
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    info = commands.add_parser(
        "info", help="counts by kind and relation, and any problems found",
        description="Load a data directory and print counts by kind and relation, curation "
        "applied, and any problems found.",
    )
    _add_data(info)

    card = commands.add_parser(
        "card", help="print an entity's page", description="Print an entity's card as text."
    )
    card.add_argument("id", help="the entity id (or text to search for)")
    _add_data(card)
    card.add_argument("--min-cosine", type=float, default=None,
                      help="threshold of 'Related by similarity' (default: the embedder's)")
    card.add_argument("--no-similar", action="store_true",
                      help="leave out the 'Related by similarity' section")
    _add_embedder(card)

    find = commands.add_parser(
        "find", help="search ids and titles (typo-tolerant)",
        description="Search entity ids and titles, case-insensitive and tolerant of typos.",
    )
    find.add_argument("text", help="what to look for")
    find.add_argument("--limit", type=_positive, default=10, help="how many hits (default 10)")
    _add_data(find)

    hood = commands.add_parser(
        "neighborhood", help="list an entity's typed neighbors, ranked",
        description="List an entity's typed neighbors ranked by edge count, grouped by kind.",
    )
    hood.add_argument("id", help="the entity id")
    _add_data(hood)

    found = commands.add_parser(
        "candidates", help="unlinked pairs above a cosine threshold, labelled and explained",
        description="Write the pairs of entities near in meaning that no typed edge joins: "
        "duplicates, possible contradictions, candidate edges, best first, with why.",
    )
    _add_data(found)
    _add_threshold(found)
    found.add_argument("--kinds", nargs="*", default=None, help="only these kinds")
    found.add_argument("--per-entity", type=int, default=10,
                       help="at most this many pairs per entity (0: no bound; default 10)")
    _add_embedder(found)
    found.add_argument("--engine", choices=["local", "spark"], default="local",
                       help="local (default) or spark (the [spark] extra; reads Parquet)")
    found.add_argument("--spark-master", default="local[2]",
                       help="Spark master URL for --engine spark (default local[2])")
    found.add_argument("--out", type=Path, default=None,
                       help="write CSV (or .parquet) here; default: print the top 20")
    found.add_argument("--overwrite", action="store_true",
                       help="replace --out if it exists (default: refuse)")

    recall = commands.add_parser(
        "recall", help="how many of the exact pairs the candidates search finds (sampled)",
        description="Compute the exact pairs of a random sample of entities and say how "
        "many the search behind `candidates` finds, with a 95%% interval; list the missed.",
    )
    _add_data(recall)
    _add_threshold(recall)
    recall.add_argument("--sample", type=_positive, default=1000,
                        help="entities sampled (default 1000)")
    recall.add_argument("--method", choices=[m.value for m in Method], default=None,
                        help="the search to judge (default: the one candidates uses)")
    recall.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _add_embedder(recall)

    decisions = commands.add_parser(
        "decisions", help="list curation decisions, or undo one",
        description="List every curation decision (accept, reject, merge, defer, undo) "
        "kept for a data directory, or undo one with --undo ID.",
    )
    _add_data(decisions)
    decisions.add_argument("--undo", type=_positive, default=None, metavar="ID",
                           help="undo the decision with this id")

    export = commands.add_parser(
        "export", help="write the curated graph in the data format",
        description="Write the graph with every curation decision applied, in the data "
        "format (the formats it was loaded from); explorer.load reads it back.",
    )
    _add_data(export)
    export.add_argument("--out", type=Path, required=True, help="folder to write (new)")

    importer = commands.add_parser(
        "import", help="convert a public dataset into the data format",
        description="Convert a public dataset into a data directory in the explorer's format.",
    )
    importer.add_argument("dataset", choices=["scifact"], help="which dataset")
    importer.add_argument("src", type=Path, help="folder of the dataset's original files")
    importer.add_argument("dest", type=Path, help="data directory to write")

    synth = commands.add_parser(
        "synth", help="write a synthetic graph for benchmarks",
        description="Write a realistic synthetic graph (Parquet) of N entities.",
    )
    synth.add_argument("--entities", type=_positive, required=True, help="number of entities")
    synth.add_argument("--out", type=Path, required=True, help="data directory to write")
    synth.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except ExplorerError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`... | head`): not an error of ours. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
