"""A batch of an import between reading and writing: read, checked and prepared, then (on the
window's path) scored and built outside the write transaction (models/intake/importer.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from models.intake.dupscore import Candidate, Probe
from models.intake.importing.readers import SourceRow
from models.intake.intake import Built, Prepared


@dataclass
class Staged:
    """A batch read, prepared and — once the import holds its duplicate window — scored and built
    outside the write transaction, waiting to be written (see `Importer.write`)."""

    now: int
    take: list[tuple[SourceRow, Prepared]]
    probes: list[Probe] = field(default_factory=list)  # the database's path
    windowed: bool = False  # the window's path: scored ahead of the lock (submitted at staging)
    found: list[list[Candidate]] | None = None  # the window's scores once taken, own rows provisional
    own: list[int] = field(default_factory=list)  # each row's own-row number (see importer.OWN), on the window's path
    built: Built | None = None  # rows take[built_from:], numbered as the database stood when they were built
    built_from: int = 0
    written: int = 0  # rows of take written (or counted, in a dry run) so far
    read_to: int = 0  # rows of the file read up to the end of this batch (what progress reports)
