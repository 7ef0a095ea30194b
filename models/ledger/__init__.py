"""The record as evidence: verifying and exporting the hash-chained audit trail, backups and restore.

May import: errors, text, worktime, store, org.
"""
