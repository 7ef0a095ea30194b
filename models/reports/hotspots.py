"""Hot spots (热点): the same problem at the same place, again and again — and the month's one problem.

A hot spot is a group of cases received in the period with the same category × township × place,
with at least `min_count` cases, counted per week (weeks start on Monday, office time). The place
is the case's village or community (Case.village); for a case without one it is a place name found
in its title, text or address: a configured village name, else a named estate or street
(…小区/花园/家园/苑/路/街/巷…). Cases that are merged (counted in their target, whose report
count says how often it was reported), split, rejected or not yet classified are left out.

The trend compares the second half of the period's weeks with the first: rising, falling or flat,
with the least-squares slope in cases per week.

Candidates for 每月一题 (one problem a month, solved at its root): categories ranked by how many
cases fall in their hot spots, then by how many places the problem recurs at, then rising first —
a class of problems, not one case ("从解决一件事到治理一类事").

Counting is done by one GROUP BY (category, township, village, week); only cases without a village
are read one by one, to find a place in their text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from models.org.config import Config
from models.org.context import Context, on_replica
from models.org.permissions import masked, scope_filter
from models.reports.measures import in_period
from models.store.schema import Case, Report
from models.store.states import CLOSED, MERGED, REJECTED, RESOLVED, SPLIT
from models.worktime.period import WEEK, Period, week_anchor, week_count, week_labels
from models.worktime.timeutil import local_iso

LEFT_OUT = (MERGED, SPLIT, REJECTED)
NAMED_PLACE = re.compile(r"([\u4e00-\u9fff0-9]{1,8}?(?:小区|花园|家园|公寓|新村|大厦|广场|市场|苑|大道|路|街|巷))")
# Words that start a sentence or join a place to what precedes it: a place name starts after them.
_LEAD_IN = re.compile(r"反映|投诉|举报|建议|咨询|我是|我家|我们|本人|住在|位于|附近|门口|旁边|对面|[在的是于住到从和与及]")
_SPLIT = re.compile(r"[^\u4e00-\u9fff0-9]+")
GENERIC = frozenset({"马路", "道路", "公路", "大路", "小路", "大街", "街道", "小巷", "大道", "菜市场", "农贸市场"})


@dataclass
class Hotspot:
    category: str
    township: str
    place: str
    place_from: str  # village | text
    weekly: list[int]
    reports: int = 0
    open: int = 0  # not yet resolved or closed
    reopened: int = 0
    case_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(self.weekly)

    @property
    def trend(self) -> str:
        return trend_of(self.weekly)

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "township": self.township, "place": self.place,
                "place_from": self.place_from, "count": self.count, "reports": self.reports, "open": self.open,
                "reopened": self.reopened, "weekly": self.weekly, "trend": self.trend,
                "slope": slope(self.weekly), "case_ids": self.case_ids}


@dataclass
class Candidate:
    """A class of problems for 每月一题: one category with its recurring places."""

    category: str
    spots: list[Hotspot]

    @property
    def count(self) -> int:
        return sum(s.count for s in self.spots)

    @property
    def weekly(self) -> list[int]:
        return [sum(week) for week in zip(*(s.weekly for s in self.spots), strict=True)]

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "count": self.count, "places": len(self.spots),
                "townships": sorted({s.township for s in self.spots}), "weekly": self.weekly,
                "trend": trend_of(self.weekly), "slope": slope(self.weekly),
                "open": sum(s.open for s in self.spots),
                "spots": [f"{s.township}/{s.place}" for s in self.spots]}


@dataclass
class HotspotReport:
    period: Period
    weeks: list[str]
    spots: list[Hotspot]
    candidates: list[Candidate]

    def as_dict(self, ctx: Context) -> dict[str, Any]:
        return {"period": self.period.as_dict(ctx.config.tz), "weeks": self.weeks,
                "hotspots": [s.as_dict() for s in self.spots],
                "candidates": [c.as_dict() for c in self.candidates]}


def slope(weekly: list[int]) -> float:
    """Least-squares slope of the weekly counts, in cases per week."""
    n = len(weekly)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(weekly) / n
    num = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(weekly))
    den = sum((x - mean_x) ** 2 for x in range(n))
    return round(num / den, 3)


def trend_of(weekly: list[int]) -> str:
    half = len(weekly) // 2
    first, second = sum(weekly[:half]), sum(weekly[len(weekly) - half:])
    return "rising" if second > first else "falling" if second < first else "flat"


def place_from_text(config: Config, township: str | None, text: str) -> str | None:
    """A place named in a report: a village of the township (or any), else an estate or street name."""
    clean = unicodedata.normalize("NFKC", text or "")
    town = config.townships.get(township or "")
    for village in sorted(town.villages if town else (), key=len, reverse=True):
        if village in clean:
            return village
    for village in sorted(config.village_township, key=len, reverse=True):
        if village in clean:
            return village
    for t in config.townships.values():  # "东城街道" is not a street
        for name in (t.name, *t.aliases):
            clean = clean.replace(name, "|")
    county = str(config.section("office").get("county") or "")
    if county:
        clean = clean.replace(county, "|")
    for chunk in _SPLIT.split(_LEAD_IN.sub("|", clean)):
        for match in NAMED_PLACE.finditer(chunk):
            if len(match.group(1)) >= 2 and match.group(1) not in GENERIC:
                return match.group(1)
    return None


def _base(ctx: Context, period: Period) -> pw.Node:
    return in_period(Case.received_at, period) & Case.state.not_in(list(LEFT_OUT)) & Case.category.is_null(False)


@on_replica
def hotspots(ctx: Context, period: Period, *, min_count: int = 2, limit: int | None = None,
             candidates: int = 5) -> HotspotReport:
    """Recurring problems of the period (most cases first) and the month's candidate problems."""
    # Weeks after now would read as a falling trend: the current month counts up to today.
    shown = Period(period.start, max(period.start + 1, min(period.end, ctx.now())), period.label)
    anchor, weeks = week_anchor(shown, ctx.config.tz), week_count(shown, ctx.config.tz)
    week = ((Case.received_at - anchor) / WEEK).alias("week")
    is_open = pw.fn.SUM(pw.Case(None, ((Case.state.not_in([RESOLVED, CLOSED]), 1),), 0)).alias("open")
    reopened = pw.fn.SUM(pw.Case(None, ((Case.reopen_count > 0, 1),), 0)).alias("reopened")
    groups: dict[tuple[str, str, str], Hotspot] = {}

    def add(key: tuple[str, str, str], source: str, wk: int, n: int, reports: int, opened: int, again: int) -> None:
        spot = groups.get(key)
        if spot is None:
            spot = groups[key] = Hotspot(*key, place_from=source, weekly=[0] * weeks)
        spot.weekly[min(max(int(wk), 0), weeks - 1)] += n
        spot.reports += reports
        spot.open += opened
        spot.reopened += again

    query = scope_filter(ctx, Case.select(Case.category, Case.township, Case.village, week,
                                          pw.fn.COUNT(Case.id).alias("n"), pw.fn.SUM(Case.report_count).alias("r"),
                                          is_open, reopened))
    for row in query.where(_base(ctx, period) & Case.village.is_null(False) & (Case.village != "")).group_by(
            Case.category, Case.township, Case.village, pw.SQL("week")).dicts():
        add((row["category"], row["township"] or "", row["village"]), "village", row["week"], int(row["n"]),
            int(row["r"] or 0), int(row["open"] or 0), int(row["reopened"] or 0))
    texts = _placeless(ctx, period)
    for case_id, (category, township, received, reports, state, again, text) in texts.items():
        place = place_from_text(ctx.config, township, text)
        if place is not None:
            add((category, township or "", place), "text", (received - anchor) // WEEK, 1, reports,
                int(state not in (RESOLVED, CLOSED)), int(again > 0))
            groups[(category, township or "", place)].case_ids.append(case_id)
    found = [s for s in groups.values() if s.count >= min_count]
    found.sort(key=lambda s: (-s.count, -slope(s.weekly), s.category, s.township, s.place))
    # 每月一题 is chosen from every hot spot of the period; only the list shown is cut to `limit`.
    chosen = _candidates(found, candidates)
    if limit is not None:
        found = found[:limit]
    listed = {id(s): s for s in [*found, *(spot for c in chosen for spot in c.spots)]}
    _attach_cases(ctx, period, [s for s in listed.values() if s.place_from == "village"])
    for spot in listed.values():
        spot.case_ids.sort()
    return HotspotReport(period, week_labels(shown, ctx.config.tz), found, chosen)


def _placeless(ctx: Context, period: Period) -> dict[int, tuple[str, str | None, int, int, str, int, str]]:
    """Cases without a village, with their title, report texts and addresses joined for place finding."""
    out: dict[int, tuple[str, str | None, int, int, str, int, str]] = {}
    query = scope_filter(ctx, Case.select(Case.id, Case.category, Case.township, Case.received_at, Case.report_count,
                                          Case.state, Case.reopen_count, Case.title, Report.text, Report.address)
                         .join(Report, on=(Report.case == Case.id)))
    for row in query.where(_base(ctx, period) & (Case.village.is_null() | (Case.village == ""))).order_by(
            Case.id, Report.id).tuples():
        cid, cat, town, received, reports, state, again, title, text, address = row
        if cid in out:
            previous = out[cid]
            out[cid] = (*previous[:6], f"{previous[6]}\n{text}\n{address or ''}")
        else:
            out[cid] = (cat, town, received, reports, state, again, f"{title}\n{address or ''}\n{text}")
    return out


def _attach_cases(ctx: Context, period: Period, spots: list[Hotspot]) -> None:
    """The ids of the cases behind village hot spots, in one query per 200 villages."""
    wanted = {(s.category, s.township, s.place): s for s in spots}
    villages = sorted({s.place for s in spots})
    for chunk in range(0, len(villages), 200):
        query = scope_filter(ctx, Case.select(Case.id, Case.category, Case.township, Case.village))
        for cid, cat, town, village in query.where(_base(ctx, period) & Case.village.in_(
                villages[chunk:chunk + 200])).order_by(Case.id).tuples():
            spot = wanted.get((cat, town or "", village))
            if spot is not None:
                spot.case_ids.append(cid)


def _candidates(spots: list[Hotspot], limit: int) -> list[Candidate]:
    by_category: dict[str, list[Hotspot]] = {}
    for spot in spots:
        by_category.setdefault(spot.category, []).append(spot)
    ranked = [Candidate(cat, items) for cat, items in by_category.items()]
    ranked.sort(key=lambda c: (-c.count, -len(c.spots), trend_of(c.weekly) != "rising", c.category))
    return ranked[:limit]


def case_summaries(ctx: Context, case_ids: list[int]) -> list[dict[str, Any]]:
    """The cases behind a hot spot as list rows (id, title, state, township, village, received), in scope."""
    rows: list[dict[str, Any]] = []
    for chunk in range(0, len(case_ids), 500):
        query = scope_filter(ctx, Case.select(Case.id, Case.title, Case.state, Case.township, Case.village,
                                              Case.received_at))
        for c in query.where(Case.id.in_(case_ids[chunk:chunk + 500])).order_by(Case.id):
            rows.append(masked(ctx, "case", {
                "case_id": c.id, "title": c.title, "state": c.state, "township": c.township,
                "village": c.village, "received_at": local_iso(c.received_at, ctx.config.tz)}))
    return rows
