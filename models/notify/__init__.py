"""Notifications (issue 21): who is told about a step, through which channels, and the sender.

The outbox rows themselves are written by the steps, inside their transactions, through
models/store/outbox.py (below every step). This package reads them: channel configuration and the
secrets file (settings), the Chinese texts with the recipient's masking (render), the transports —
JSON webhook, 企业微信 and 钉钉 robots, SMTP with STARTTLS, an SMS gateway template (channels), the
sender with retries, backoff, dead letters and quiet-hour digests (sender), the deadline-near sweep
(near), and what the CLI and console list (queries).

May import: errors, text, worktime, store, org, ledger, clocks, cases, intake, supervision.
"""
