"""A case's clocks: which rule applies, when each clock started and is due, pause credit, and the
next due moment the queue sorts by.

May import: errors, text, worktime, store, org, ledger.
"""
