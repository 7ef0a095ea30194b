"""Bars and sparklines drawn with block characters, for tables in a terminal (no plotting library)."""

from __future__ import annotations

EIGHTHS = " ▏▎▍▌▋▊▉█"
SPARKS = "▁▂▃▄▅▆▇█"


def bar(fraction: float | None, width: int = 10) -> str:
    """A horizontal bar `width` cells wide, filled to `fraction` (0..1) in eighths of a cell."""
    if fraction is None:
        return " " * width
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[part] if part else "")
    return text + " " * (width - len(text))


def sparkline(values: list[int]) -> str:
    """One character per value, scaled to the largest; zero stays the lowest block."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[round(v / top * (len(SPARKS) - 1))] for v in values)
