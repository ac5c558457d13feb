"""The curator's decisions, kept in an embedded SQLite database.

Accept a candidate pair as an edge, reject it, merge duplicates, defer, undo: each decision
is one row of an append-only log (nothing is deleted or rewritten; an undo is a decision
too), so the history is auditable. :func:`~explorer.curation.apply_decisions` turns the
decisions in effect (:meth:`DecisionStore.active`) into an overlay on the loaded tables.

Durability: WAL mode with ``synchronous=FULL`` fsyncs the write-ahead log before
:meth:`DecisionStore.record` returns, so a decision acknowledged to the curator is on disk
and survives a crash, a killed kernel or a power cut. Two processes may write at once: a
``busy_timeout`` makes the second wait for the first; each decision is one transaction.

Reading: :meth:`DecisionStore.decisions` gives every row; loading reads only the decisions
in effect, by columns (:meth:`DecisionStore.in_effect`, :mod:`~explorer.curation.reading`),
while a second connection checks every page of the file (:meth:`DecisionStore.open_in_effect`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..errors import ParameterError
from .errors import NO_OVERLAY, CurationError, CurationStoreError
from .reading import COLUMNS, SELECT, decisions_frame, read_columns, read_in_effect
from .sqlite_file import check_header, check_pages, connect, connect_read_only, use_wal

__all__ = ["FORMAT_VERSION", "KINDS", "CurationError", "CurationStoreError", "Decision",
           "DecisionStore"]

FORMAT_VERSION = 1
KINDS = ("accept", "reject", "merge", "defer", "undo")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value NOT NULL)",
    "CREATE TABLE IF NOT EXISTS decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT"
    " NULL CHECK (kind IN ('accept', 'reject', 'merge', 'defer', 'undo')), a TEXT NOT NULL, b"
    ' TEXT, relation TEXT, note TEXT, "by" TEXT, at TEXT NOT NULL, score REAL, model TEXT,'
    " label TEXT, target INTEGER REFERENCES decisions (id),"
    " CHECK ((kind = 'undo') = (target IS NOT NULL)))",
    "CREATE INDEX IF NOT EXISTS decisions_undo ON decisions (target) WHERE kind = 'undo'",
    f"INSERT OR IGNORE INTO meta VALUES ('format_version', {FORMAT_VERSION})",
)
LAST_NOT_UNDONE = SELECT + " WHERE d.kind != 'undo' AND NOT EXISTS (SELECT 1 FROM decisions u" \
    " WHERE u.kind = 'undo' AND u.target = d.id) ORDER BY d.id DESC LIMIT 1"


@dataclass(frozen=True)
class Decision:
    """One recorded decision (a row of the log).

    ``a``/``b`` are the pair (for ``merge``, ``a`` is kept and ``b`` merged into it; for
    ``undo``, the undone decision's pair, whose id is ``target``). ``at`` is in UTC.
    """

    id: int
    kind: str
    a: str
    b: str | None
    relation: str | None
    note: str | None
    by: str | None
    at: datetime
    score: float | None
    model: str | None
    label: str | None
    target: int | None


class DecisionStore:
    """An append-only log of curation decisions in one SQLite file.

    Use :meth:`open`. A missing file is created at the first decision (loading never
    writes); a file in a read-only folder can be read, and recording there raises
    :class:`CurationStoreError` saying to pass a writable path instead.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = tempfile.TemporaryDirectory()
    >>> with DecisionStore.open(Path(folder.name) / "decisions.sqlite") as store:
    ...     first = store.record("accept", "claim:1", "claim:2", relation="supports", by="ada")
    ...     second = store.record("reject", "claim:1", "claim:3", by="ada")
    ...     store.undo().target        # the last decision not yet undone
    ...     store.active()[["id", "kind", "a", "b", "relation"]].to_dict("records")
    2
    [{'id': 1, 'kind': 'accept', 'a': 'claim:1', 'b': 'claim:2', 'relation': 'supports'}]
    >>> with DecisionStore.open(Path(folder.name) / "decisions.sqlite") as store:
    ...     print(store.decisions()[["id", "kind", "a", "target", "undone"]].to_string())
       id    kind        a  target  undone
    0   1  accept  claim:1    <NA>   False
    1   2  reject  claim:1    <NA>    True
    2   3    undo  claim:1       2   False
    >>> folder.cleanup()
    """

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path, self.timeout, self._lock = path, timeout, threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._read_only: str | None = None  # why writing is impossible, if it is
        self._ready = self._closed = False  # _ready: the tables exist in the file

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, timeout: float = 30.0
             ) -> DecisionStore:
        """Open the decisions file at ``path`` (conventionally ``decisions.sqlite``).

        A missing file is an empty log, written at the first decision (``create=False``
        raises instead). ``timeout``: seconds to wait for another process writing at the
        same moment. Raises :class:`CurationStoreError` if the file is a folder, not a
        SQLite database, truncated or damaged, or written by a newer version.
        """
        path = Path(path)
        if path.is_dir():
            raise CurationStoreError(path, "is a folder.", "Pass a file: …/decisions.sqlite.")
        store = cls(path, timeout=timeout)
        if path.exists():
            store._open_existing()
        elif not create:
            raise CurationStoreError(path, "does not exist.",
                                     "Check the path, or pass create=True to start a log there.")
        return store

    @staticmethod
    def exists(path: str | Path) -> bool:
        """Whether a decisions file exists at ``path`` (it may still be unreadable)."""
        return Path(path).is_file()

    @classmethod
    def open_in_effect(cls, path: str | Path, *, timeout: float = 30.0
                       ) -> tuple[DecisionStore, pa.Table]:
        """Open an existing decisions file and read the decisions in effect, both at once.

        What ``open(path, create=False)`` then :meth:`in_effect` give, raising what they
        raise (an error of the check :meth:`open` makes first). That check reads every page
        on a second connection while the log is read: SQLite lets go of the GIL, so this
        takes the longer of the two times, not their sum (loading does this).
        """
        path = Path(path)
        if not path.is_file():
            store = cls.open(path, create=False, timeout=timeout)  # raises: folder, missing
            return store, store.in_effect()
        store = cls(path, timeout=timeout)
        return store, store._open_existing(read=True)

    def _open_existing(self, *, read: bool = False) -> pa.Table | None:
        """Check the file and connect; with ``read``, read the decisions in effect as well."""
        problem = check_header(self.path)
        if problem:
            raise CurationStoreError(self.path, problem, "Restore it from a backup, start a "
                                     "new file with curation=PATH, " + NO_OVERLAY)
        writable = os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)
        with self._errors("open it"):
            self._conn = self._connect(writable)
            self._ready = self._check_version(self._conn)
            if writable:
                self._conn.execute("PRAGMA synchronous = FULL")
            if not self._ready:
                return read_in_effect(None) if read else None
            if not read:
                check_pages(self._conn)
                return None
            checker = self._connect(writable)
            with ThreadPoolExecutor(max_workers=1) as pool:
                checked = pool.submit(check_pages, checker, close=True)
                try:
                    with self._errors("read the decisions"):
                        return read_in_effect(self._conn)
                finally:  # the check's error first, as open() would raise it before reading
                    checked.result()
        return None

    def _connect(self, writable: bool) -> sqlite3.Connection:
        if writable:
            return connect(self.path, "rw", self.timeout)
        self._read_only = "the file or its folder is not writable"
        return connect_read_only(self.path, self.timeout)

    def _check_version(self, conn: sqlite3.Connection) -> bool:
        """True if the log's tables exist; raises if the file is not a log we can read."""
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return False
        if not {"meta", "decisions"} <= tables:
            raise CurationStoreError(self.path, f"is not a decisions log: {sorted(tables)}.",
                                     "Pass curation=PATH to a decisions file, " + NO_OVERLAY)
        row = conn.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()
        version = row[0] if row else None
        version = int(version) if str(version).isdigit() else None
        if version is None:
            raise CurationStoreError(self.path, f"has no valid format_version ({version!r}).",
                                     "Restore it from a backup, " + NO_OVERLAY)
        if version > FORMAT_VERSION:
            raise CurationStoreError(
                self.path, f"was written by a newer version of claim-graph-explorer (decisions "
                f"format {version}; this version reads format {FORMAT_VERSION} and older).",
                "Upgrade the package (pip install -U claim-graph-explorer), " + NO_OVERLAY)
        return True

    def _writer(self) -> sqlite3.Connection:
        """The connection to write with, creating the file and its tables if needed."""
        self._check_open()
        if self._conn is None and not self._read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                self._read_only = f"its folder cannot be created ({error.strerror})"
            if not self._read_only and not os.access(self.path.parent, os.W_OK):
                self._read_only = f"its folder {self.path.parent} is not writable"
        if self._read_only:
            raise CurationStoreError(
                self.path, f"cannot record a decision: {self._read_only}.",
                "Pass curation=PATH to a writable file (copy this one there to keep its "
                "history), or make the folder writable.")
        with self._errors("create it"):
            if self._conn is None:
                self._conn = connect(self.path, "rwc", self.timeout)
            if not self._ready:
                use_wal(self._conn, self.timeout)  # retried: SQLite does not wait there
                self._conn.execute("PRAGMA synchronous = FULL")
                with self._transaction(self._conn):  # idempotent: two creators are fine
                    for statement in SCHEMA:
                        self._conn.execute(statement)
                    self._ready = self._check_version(self._conn)
        return self._conn

    def record(self, kind: str, a: str, b: str | None = None, *, relation: str | None = None,
               note: str | None = None, by: str | None = None, score: float | None = None,
               model: str | None = None, label: str | None = None) -> Decision:
        """Record one decision; it is committed and on disk when this returns.

        ``kind`` is ``"accept"`` (an edge ``a -relation-> b``; ``relation`` required),
        ``"reject"`` (never suggest the pair again), ``"merge"`` (``b`` duplicates ``a``:
        keep ``a``) or ``"defer"``; every kind names a pair, so ``b`` is required. ``note``,
        ``by`` (the curator), ``score``, ``model`` and ``label`` (from the suggester) are kept.
        """
        if kind == "undo":
            raise ParameterError("Record an undo with store.undo(decision_id), not record().")
        if kind not in KINDS:
            raise ParameterError(f"kind must be one of {list(KINDS[:-1])}, not {kind!r}.")
        for name, value in (("a", a), ("b", b)):
            if not isinstance(value, str) or not value:
                raise ParameterError(f"A {kind!r} decision names two ids; {name} is {value!r}.")
        if a == b:
            raise CurationError(f"Cannot {kind} {a!r} with itself." if kind != "merge" else
                                f"Cannot merge {a!r} into itself.")
        if kind == "accept" and not relation:
            raise ParameterError("An 'accept' decision needs the new edge's relation, "
                                 "e.g. relation='supports'.")
        score = None if score is None or pd.isna(score) else float(score)
        with self._lock:
            conn = self._writer()
            with self._errors("record the decision"):  # one statement: its own transaction
                return _insert(conn, kind, a, b, relation, note, by, score, model, label, None)

    def undo(self, decision_id: int | None = None, *, by: str | None = None,
             note: str | None = None) -> Decision:
        """Undo a decision by recording an ``undo`` that targets it; returns the undo.

        ``decision_id=None`` undoes the last decision that is not an undo and not undone.
        Undoing an undo (redo) or an already undone decision raises :class:`CurationError`:
        to redo, record the decision again.
        """
        with self._lock:
            conn = self._writer()
            with self._errors("undo the decision"), self._transaction(conn):
                if decision_id is None:
                    row = conn.execute(LAST_NOT_UNDONE).fetchone()
                    if row is None:
                        raise CurationError(f"Nothing to undo in {self.path}.")
                else:
                    row = conn.execute(SELECT + " WHERE d.id = ?", (int(decision_id),)).fetchone()
                    if row is None:
                        raise CurationError(f"There is no decision {decision_id} in {self.path}.")
                    if row[1] == "undo":
                        raise CurationError(
                            f"Decision {decision_id} is itself an undo (of decision {row[11]}); "
                            "an undo cannot be undone: record that decision again instead.")
                    done = conn.execute("SELECT id FROM decisions WHERE kind = 'undo' AND "
                                        "target = ?", (row[0],)).fetchone()
                    if done:
                        raise CurationError(f"Decision {decision_id} was already undone by "
                                            f"decision {done[0]}.")
                return _insert(conn, "undo", *row[2:5], note, by, None, None, None, row[0])

    def decisions(self) -> pd.DataFrame:
        """Every decision, in id order, with ``undone`` (a later undo targets it).

        Columns ``id, kind, a, b, relation, note, by, at`` (UTC), ``score, model, label``,
        ``target`` (an undo's, nullable int) and ``undone``.
        """
        self._check_open()
        columns: dict[str, list] = {}
        if self._conn is not None and self._ready:
            with self._lock, self._errors("read the decisions"):
                columns = read_columns(self._conn)
        return decisions_frame(columns)

    def active(self) -> pd.DataFrame:
        """The decisions in effect: not undo records, not undone, in id order."""
        frame = self.decisions()
        keep = (frame["kind"] != "undo").to_numpy() & ~frame["undone"].to_numpy()
        return frame[keep].reset_index(drop=True)

    def in_effect(self) -> pa.Table:
        """The decisions in effect, read for the overlay: what it uses of them, by columns.

        What :func:`~explorer.curation.apply_decisions` gives for it is what it gives for
        :meth:`active`, read in a fraction of the time (see
        :func:`~explorer.curation.reading.read_in_effect`).
        """
        self._check_open()
        if self._conn is None or not self._ready:
            return read_in_effect(None)
        with self._lock, self._errors("read the decisions"):
            return read_in_effect(self._conn)

    @property
    def read_only(self) -> bool:
        """Whether decisions can be read but not recorded here."""
        return self._read_only is not None

    def close(self) -> None:
        """Close the database (every decision is already on disk)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
            self._conn, self._closed = None, True

    def __enter__(self) -> DecisionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "read-only" if self._read_only else "open"
        return f"DecisionStore({str(self.path)!r}, {state})"

    def _check_open(self) -> None:
        if self._closed:
            raise CurationStoreError(self.path, "this store is closed.",
                                     "Open it again with DecisionStore.open(path).")

    @staticmethod
    @contextmanager
    def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")  # take the write lock now: read-then-write is atomic
        try:
            yield
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn SQLite's errors into a :class:`CurationStoreError` naming the file."""
        try:
            yield
        except sqlite3.Error as error:
            text = str(error).lower()
            if any(word in text for word in ("not a database", "malformed", "corrupt")):
                problem, hint = f"is damaged or is not a decisions database ({error}).", \
                    "Restore it from a backup, pass curation=PATH to start a new file, "
            elif "readonly" in text or "read-only" in text:
                problem, hint = f"cannot {action}: the file is read-only ({error}).", \
                    "Pass curation=PATH to a writable file, "
            elif "locked" in text or "busy" in text:
                problem = f"cannot {action}: another process held it over {self.timeout:g} s."
                hint = "Close the other notebook or process writing decisions and retry, "
            else:
                problem, hint = f"cannot {action}: {error}.", "Check the disk and the path, "
            raise CurationStoreError(self.path, problem, hint + NO_OVERLAY) from error


def _insert(conn: sqlite3.Connection, *values: object) -> Decision:
    """Append a row (``COLUMNS`` but ``id``, ``at``: now, to the microsecond, in UTC)."""
    at = datetime.now(timezone.utc)
    row = values[:6] + (at.isoformat(timespec="microseconds"),) + values[6:]
    cursor = conn.execute(f"INSERT INTO decisions ({', '.join(f'[{c}]' for c in COLUMNS[1:])}) "
                          f"VALUES ({', '.join('?' * len(row))})", row)
    return Decision(cursor.lastrowid, *values[:6], at, *values[6:])
