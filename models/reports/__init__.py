"""Figures that hold departments and townships to account: measures, limbo time, the scoreboard and
its per-case explanation, hot spots and the monthly briefing.

May import: supervision and everything below it.
"""
