"""Text, before any database: citizen text made safe to show (printable) and normalised for
matching, the bigram search tokens every engine indexes, and the office's words (labels) for every id.

Pure functions and data. May import: models.errors only.
"""
