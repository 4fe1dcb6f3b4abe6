"""``download --archive FILE``: a SQLite record of what was downloaded, by ``(site, id)``.

An image listed in the archive is skipped before anything is sent for it (no API request for
an id, no CDN request for a search hit), even when its file was moved away or renamed: the
archive, not the folder, says what is done. A row is added only after the file is complete
(hash checked and renamed into place), so an interrupted run never records a partial file.
Each row is committed on its own, so a killed run keeps every row written before the kill.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

__all__ = ["Archive"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS downloads (
    site TEXT NOT NULL,
    id INTEGER NOT NULL,
    path TEXT NOT NULL,
    downloaded_at TEXT NOT NULL,
    PRIMARY KEY (site, id)
)
"""


class Archive:
    """The archive file; ``(site, id) in archive`` asks, :meth:`add` records."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(downloads)")}
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{path} is not a booru-async archive: {exc}") from None
        if not {"site", "id", "path", "downloaded_at"} <= columns:
            raise ValueError(f"{path} is not a booru-async archive (table downloads differs)")

    def __contains__(self, item: object) -> bool:
        if not isinstance(item, tuple) or len(item) != 2:
            return False
        site, image_id = item
        row = self._db.execute(
            "SELECT 1 FROM downloads WHERE site = ? AND id = ?", (str(site), int(image_id))
        ).fetchone()
        return row is not None

    def add(self, site: str, image_id: int, path: Path) -> None:
        """Record a complete download (idempotent)."""
        self._db.execute(
            "INSERT OR REPLACE INTO downloads (site, id, path, downloaded_at) VALUES (?, ?, ?, ?)",
            (site, image_id, str(path), datetime.now(UTC).isoformat(timespec="seconds")),
        )

    def count(self, site: str | None = None) -> int:
        """Rows in the archive (for one site when given)."""
        if site is None:
            return int(self._db.execute("SELECT count(*) FROM downloads").fetchone()[0])
        query = "SELECT count(*) FROM downloads WHERE site = ?"
        return int(self._db.execute(query, (site,)).fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
