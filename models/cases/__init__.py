"""The case lifecycle: loading and saving a case for a step (casebase), triage, dispatch, department
steps, resolution, evaluation and closure, pauses and extensions, and the queries and views every
face reads cases through.

May import: everything below it (errors, text, worktime, store, org, ledger, clocks).
"""
