"""Opening the decisions file: SQLite connections, read-only access, header and page checks."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from .errors import NO_OVERLAY, CurationStoreError

__all__ = ["check_header", "check_pages", "connect", "connect_read_only", "use_wal"]


def connect(path: Path, mode: str, timeout: float) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) that waits when busy."""
    conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode={mode}", uri=True, timeout=timeout,
                           isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    return conn


def use_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Switch the file to WAL, waiting up to ``timeout`` s for another process doing so.

    SQLite does not call the busy handler for the lock a journal-mode change takes: when
    two processes create the file at the same moment, one gets "database is locked" at
    once (seen in 1 run of 8 of ``test_two_processes_recording_at_once_both_succeed``),
    so the change is retried here, with a growing pause, until the timeout.
    """
    deadline, pause = time.monotonic() + timeout, 0.001
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(2 * pause, 0.05)


def connect_read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """Read a file whose folder is not writable.

    WAL needs a ``-shm`` file: ``mode=ro`` uses one if it exists; if not, and the ``-wal``
    is empty, the database was closed cleanly and nothing can change it: ``immutable``.
    """
    try:
        conn = connect(path, "ro", timeout)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise CurationStoreError(
                path, f"cannot be read in this read-only folder: its latest decisions are in "
                f"{wal.name}, which only a writable open folds in.",
                "Open it once where it is writable, or copy the folder somewhere writable "
                "and pass curation=PATH, " + NO_OVERLAY) from None
        return connect(path, "ro&immutable=1", timeout)


def check_header(path: Path) -> str | None:
    """Why the file is not a whole SQLite database, checked before SQLite reads it."""
    size = path.stat().st_size
    if size == 0:
        return None  # an empty file is an empty database: the log starts there
    with path.open("rb") as file:
        head = file.read(100)
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return "is not a SQLite database (it does not start with the SQLite header)."
    page_size = int.from_bytes(head[16:18], "big")
    expected = int.from_bytes(head[28:32], "big") * (65536 if page_size == 1 else page_size)
    wal = path.with_name(path.name + "-wal")
    trusted = head[24:28] == head[92:96]  # SQLite trusts the header's page count only then
    if trusted and size < expected and not (wal.exists() and wal.stat().st_size):
        return f"is truncated: it has {size} bytes where its header says {expected}."
    return None


def check_pages(conn: sqlite3.Connection, *, close: bool = False) -> None:
    """Read every page: a damaged file fails here, not half-read."""
    try:
        row = conn.execute("PRAGMA quick_check(1)").fetchone()
        if row is None or row[0] != "ok":
            found = " ".join(str(row[0] if row else "no answer").split())
            raise sqlite3.DatabaseError(f"database disk image is malformed: {found}")
    finally:
        if close:
            conn.close()
