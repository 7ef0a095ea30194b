"""The department score (总分) from its figures: the formula in words and every step of its arithmetic.

Shared by the scoreboard (models/reports/scoreboard.py), `--explain` (models/reports/explain.py), the
console's scoreboard screen and the briefing, so the number and its explanation cannot disagree.
The definitions in words are in models/reports/scoreboard.py's docstring.
"""

from __future__ import annotations

from typing import Any

from models.org.context import Context
from models.reports.measures import Rate
from models.worktime.period import Period

SCORE_RATES = {"response": "response", "arrival": "arrival", "resolution": "resolution",
               "on_time": "on_time", "satisfaction": "satisfaction"}
# Deductions, each a share: the figure whose num / den it charges (points = deduction × 100 × num / den).
DEDUCTED = {"return": "upheld_returns", "reopen": "reopen", "supervision": "supervision_ordered",
            "accountability": "accountability"}
# Orders written by the supervision ladder for a late clock, already counted in that clock's rate.
LADDER_KINDS = ("reminder", "notice")


def as_of(ctx: Context, period: Period) -> int:
    """The moment a period's figures are taken at: now while it runs, its last second once over."""
    return min(ctx.now(), period.end - 1)


def score_parts(ctx: Context, figures: dict[str, Rate]) -> dict[str, Any]:
    """The score's arithmetic for one department, every step shown: the weighted rates, each
    deduction (points per 100 = deduction × 100 × num / den) and the score held within 0..100."""
    scoring = ctx.config.section("scoring")
    weights = {k: float(v) for k, v in scoring["weights"].items() if k in SCORE_RATES}
    rated = {k: figures[SCORE_RATES[k]].rate for k in weights}
    present = {k: w for k, w in weights.items() if rated[k] is not None}
    deductions = {}
    for key, per in scoring["deductions"].items():
        if key not in DEDUCTED:
            continue
        charged = figures[DEDUCTED[key]]
        points = float(per) * 100 * charged.num / charged.den if charged.den else 0.0
        deductions[key] = {"figure": DEDUCTED[key], "num": charged.num, "den": charged.den,
                           "per_100": float(per), "points": round(points, 2)}
    parts: dict[str, Any] = {"weights": present, "rates": {k: rated[k] for k in present},
                             "weighted": None, "deductions": deductions, "score": None}
    if present and sum(present.values()) > 0:
        weighted = sum(w * (rated[k] or 0.0) for k, w in present.items()) / sum(present.values()) * 100
        parts["weighted"] = round(weighted, 2)
        raw = weighted - sum(d["points"] for d in deductions.values())
        parts["score"] = round(min(100.0, max(0.0, raw)), 1)
    return parts


def formula(ctx: Context, language: str = "zh") -> str:
    """The score's formula in words, with the configured weights and deductions."""
    scoring = ctx.config.section("scoring")
    weights = {k: float(v) for k, v in scoring["weights"].items() if k in SCORE_RATES}
    per = {k: float(v) for k, v in scoring["deductions"].items() if k in DEDUCTED}
    if language == "zh":
        names = {"response": "响应率", "arrival": "按时到场率", "resolution": "解决率", "on_time": "按时办结率",
                 "satisfaction": "满意率"}
        charged = {"return": "未获认可的退单/百件派单", "reopen": "重办/百件办结", "supervision": "督办令/百件派单",
                   "accountability": "追责/百件派单"}
        rates = "、".join(f"{names[k]}×{w:g}" for k, w in weights.items())
        minus = "、".join(f"{charged[k]}×{v:g}" for k, v in per.items())
        return (f"总分 = 100 × 加权比率（{rates}，无分母的不计，权重归一）− 扣分（{minus}），"
                "结果限定在 0–100。超期、催办、通报已计入各按时率，不重复扣分；吹哨办认可的退单不扣分；"
                "按期末时点计算，期后事实计入以后各期。")
    rates = ", ".join(f"{k}×{w:g}" for k, w in weights.items())
    minus = ", ".join(f"{DEDUCTED[k]}×{v:g} per 100" for k, v in per.items())
    return (f"score = 100 × weighted rates ({rates}; rates without a denominator left out, weights renormalised)"
            f" − deductions ({minus}), held within 0–100. Late clocks count in their on-time rates only; "
            "accepted returns are not charged; figures are as of the period's end.")
