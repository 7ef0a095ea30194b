"""What one import reports: every row's fate, counted so the counts add up to the rows read, and
the cases it registered (models/intake/importer.py fills it in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# Told (rows read so far, rows in the file if known) as an import goes.
Progress = Callable[[int, int | None], None]


@dataclass
class ImportResult:
    """What happened to every row of one import."""

    path: str
    format: str
    encoding: str | None
    profile: str | None
    channel: str | None
    dry_run: bool
    read: int = 0
    imported: int = 0
    duplicate: int = 0
    rejected: int = 0
    flagged: int = 0  # imported reports with possible duplicates (see the intake events)
    fingerprinted: int = 0  # rows without a source id, identified by their fingerprint instead
    first_case: int | None = None
    last_case: int | None = None
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    rejects_file: str | None = None
    transactions: list[int] = field(default_factory=list)  # rows written by each committed transaction
    window: tuple[int, float] | None = None  # the window's path: (cases it held, seconds loading them)

    def as_json(self) -> dict[str, Any]:
        return {"file": self.path, "format": self.format, "encoding": self.encoding, "profile": self.profile,
                "channel": self.channel, "dry_run": self.dry_run, "read": self.read, "imported": self.imported,
                "duplicate": self.duplicate, "rejected": self.rejected, "possible_duplicates": self.flagged, "fingerprinted": self.fingerprinted,
                "cases": [self.first_case, self.last_case] if self.first_case else [],
                "duplicates": self.duplicates, "rejects": self.rejects, "rejects_file": self.rejects_file}
