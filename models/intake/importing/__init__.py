"""Batch import, file side: read CSV/XLSX/JSONL/Open311 files into rows of text and write rejects back.

Nothing here touches the database; the import operation maps `SourceRow.fields` to reports.
"""
