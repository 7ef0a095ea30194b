"""Batch commands (click groups), thin over models/. Nothing here imports textual."""
