"""The frontier's storage: every URL seen, its state, and per-host FIFO queues
of requests, in SQLite, so memory stays flat however long the crawl and a
crawl killed at any moment resumes from its JOBDIR with nothing lost.

A URL moves QUEUED -> FLYING (handed to the downloader) -> DONE, either
when the spider is through with it without storing a document, or when the
shard holding its document is published. After a crash, `recover` turns
every FLYING URL that no published shard holds back into QUEUED: a document
fetched but not yet published is fetched again, and none is stored twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from crawler.urls import Recent

QUEUED, FLYING, DONE = 0, 1, 3
_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    fp INTEGER PRIMARY KEY,
    host TEXT NOT NULL,
    seq INTEGER NOT NULL,
    state INTEGER NOT NULL,
    page INTEGER NOT NULL,
    request BLOB
);
CREATE INDEX IF NOT EXISTS queue ON urls (host, seq) WHERE state = 0;
CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_SIGNED = 1 << 63


def _key(fp: int) -> int:
    """SQLite integers are signed 64-bit."""
    return fp - (1 << 64) if fp >= _SIGNED else fp


def _fp(key: int) -> int:
    """The fingerprint a stored key stands for (`_key` undone)."""
    return key % (1 << 64)


class Frontier:
    def __init__(self, path: Path, durable: bool, recent: int = 100_000) -> None:
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        if durable:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        else:
            self.db.execute("PRAGMA journal_mode=OFF")
            self.db.execute("PRAGMA synchronous=OFF")
        self.db.executescript(_SCHEMA)
        self.db.execute("BEGIN")
        self._recent = Recent(recent)
        row = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM urls").fetchone()
        self._seq = row[0]

    def fact(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM facts WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_fact(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO facts VALUES (?, ?)", (key, value))

    def seen(self, fp: int) -> bool:
        if fp in self._recent:
            return True
        found = self.db.execute("SELECT 1 FROM urls WHERE fp = ?", (_key(fp),)).fetchone() is not None
        if found:
            self._recent.add(fp)
        return found

    def add(self, fp: int, host: str, request: bytes, page: bool) -> bool:
        """Queue a URL not seen before; False if it was."""
        if fp in self._recent:
            return False
        self._seq += 1
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO urls VALUES (?, ?, ?, ?, ?, ?)",
            (_key(fp), host, self._seq, QUEUED, int(page), request),
        )
        self._recent.add(fp)
        return cursor.rowcount == 1

    def requeue(self, fp: int, host: str, request: bytes) -> None:
        """Queue a URL again (a retry), whatever its state."""
        self._seq += 1
        self.db.execute(
            "INSERT INTO urls VALUES (?, ?, ?, ?, 0, ?) ON CONFLICT (fp) DO UPDATE SET "
            "host = excluded.host, seq = excluded.seq, state = excluded.state, request = excluded.request",
            (_key(fp), host, self._seq, QUEUED, request),
        )
        self._recent.add(fp)

    def head(self, host: str) -> tuple[int, bytes] | None:
        """The oldest queued request of a host."""
        row = self.db.execute(
            "SELECT fp, request FROM urls WHERE host = ? AND state = 0 ORDER BY seq LIMIT 1", (host,)
        ).fetchone()
        return (_fp(row[0]), row[1]) if row else None

    def flying(self, fp: int) -> None:
        self.db.execute("UPDATE urls SET state = 1 WHERE fp = ?", (_key(fp),))

    def queued(self, host: str) -> list[tuple[int, bytes]]:
        """Every queued request of a host, oldest first."""
        rows = self.db.execute(
            "SELECT fp, request FROM urls WHERE host = ? AND state = 0 ORDER BY seq", (host,)
        ).fetchall()
        return [(_fp(key), request) for key, request in rows]

    def all_queued(self) -> Iterator[tuple[int, bytes]]:
        """Every queued request, read as the caller goes (a resumed frontier
        may hold millions)."""
        for key, request in self.db.execute("SELECT fp, request FROM urls WHERE state = 0"):
            yield _fp(key), request

    def done(self, fps: Iterable[int]) -> None:
        self.db.executemany(
            "UPDATE urls SET state = 3, request = NULL WHERE fp = ?", [(_key(fp),) for fp in fps]
        )

    def queued_hosts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT host, COUNT(*) FROM urls WHERE state = 0 GROUP BY host"))

    def pages(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT host, COUNT(*) FROM urls WHERE page = 1 GROUP BY host"))

    def recover(self, published: Iterable[int]) -> int:
        """After a crash: URLs in published shards are DONE; every other URL
        handed out but not settled is queued again. Returns how many."""
        self.done(published)
        return self.db.execute("UPDATE urls SET state = 0 WHERE state = 1").rowcount

    def commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def close(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()
