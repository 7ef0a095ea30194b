"""A database connection for the calling thread, opened for one unit of work and closed after.

peewee keeps one connection per thread; the console runs every query in a short-lived worker thread,
so each worker opens its own connection (WAL lets it read while another process writes) and must
close it, or the connection lingers until the thread object is collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import peewee as pw


@contextmanager
def thread_session(db: pw.Database) -> Iterator[pw.Database]:
    """Use the database from this thread for the duration of the block."""
    opened = db.connect(reuse_if_open=True)
    try:
        yield db
    finally:
        if opened and not db.is_closed() and db.transaction_depth() == 0:
            db.close()
