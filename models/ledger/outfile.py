"""Files chuishao writes for people (audit exports, backups): a new file, whole or not at all.

An existing file is refused (nothing is overwritten); the content goes to a hidden temporary name
beside the target and is renamed into place only once complete, so a crash, a Ctrl-C or a full disk
leaves no half-written file under the name asked for. What the system refuses — a missing or
unwritable directory, a full disk, a file size limit — becomes one line (`UsageError`, exit 2)
naming the file, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from models.errors import UsageError


def check_new(target: Path) -> None:
    """Refuse a target that exists or whose directory does not."""
    if target.exists() or target.is_symlink():
        raise UsageError("ledger.output_exists", path=target)
    if not target.parent.is_dir():
        raise UsageError("ledger.output_no_dir", path=target, directory=target.parent)


def cannot_write(target: Path, error: BaseException) -> UsageError:
    reason = getattr(error, "strerror", None) or str(error)
    return UsageError("ledger.output_failed", path=target, problem=reason)


def partial_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial-{os.getpid()}")


@contextmanager
def new_text_file(target: Path, *, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """`with new_text_file(path) as out:` — write a new text file, renamed into place on success."""
    check_new(target)
    partial = partial_name(target)
    try:
        try:
            with partial.open("x", encoding=encoding, newline=newline) as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            check_new(target)  # taken meanwhile?
            os.replace(partial, target)
        except OSError as error:
            raise cannot_write(target, error) from None
    finally:
        partial.unlink(missing_ok=True)
