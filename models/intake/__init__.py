"""Getting problems in: one report (intake), batch import and its file readers, duplicate detection
(scoring, the candidate window), and merging / splitting cases.

May import: cases and everything below it.
"""
