"""智能分哨: suggestions for incoming messages (the category text classifier is suggest.classifier).

May import: reports and everything below it (suggestions read decided cases and the import readers).
"""
