"""The database itself: engine-specific SQL (engine), the schema and its migrations, statements built
once (prepared), per-thread connections (session), the stored vocabulary of states, and the
append-only hash-chained event log that every step writes.

May import: errors, text, worktime.
"""
