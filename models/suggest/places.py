"""Where a report happened: the township (and village) from the place names in its text.

The names are the config's: every village or community (each belongs to one township), every
township's full name and its aliases. The scan is a plain longest-match: `str.find` for each name
over the text, then the longest hits win where hits overlap (十里铺村 over 十里铺, 东城街道办 over
东城). A county has a hundred or two names and a report a few hundred characters, so this costs
about 0.1 ms; an Aho-Corasick automaton only pays off with tens of thousands of patterns and would
be one more structure to keep in step with the config file.

How sure each kind of hit is, and why:
* a village or community name is specific and unique in the county (the config refuses duplicates);
* a township's full name (桥头镇) is nearly as good, but a report about the county seat often names
  a township it merely passes through;
* a two-character alias (桥头, 柳树, 白石) is also an ordinary word, so it counts for little unless a
  place suffix follows it (桥头村口, 柳树乡 …).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.org.config import Config
from models.suggest.result import Option, say

VILLAGE, TOWNSHIP, ALIAS = "village", "township", "alias"
WEIGHT = {VILLAGE: 0.95, TOWNSHIP: 0.9, ALIAS: 0.75}
SHORT_ALIAS_WEIGHT = 0.4
PLACE_SUFFIXES = ("镇", "乡", "街", "办", "村", "社区", "一带", "附近", "辖区", "地区", "片区")
KNOWN, HINT = 1.0, 0.97


@dataclass(frozen=True)
class PlaceHit:
    """One place name found in a text."""

    township: str
    village: str | None
    name: str
    kind: str
    start: int

    def weight(self, text: str) -> float:
        if self.kind == ALIAS and len(self.name) <= 2:
            after = text[self.start + len(self.name): self.start + len(self.name) + 2]
            return WEIGHT[ALIAS] if after.startswith(PLACE_SUFFIXES) else SHORT_ALIAS_WEIGHT
        return WEIGHT[self.kind]


_NAMES: dict[int, tuple[Config, list[tuple[str, str, str | None, str]]]] = {}


def place_names(config: Config) -> list[tuple[str, str, str | None, str]]:
    """(name, township id, village or None, kind) for every name the config knows, longest first."""
    cached = _NAMES.get(id(config))
    if cached is not None and cached[0] is config:
        return cached[1]
    names: list[tuple[str, str, str | None, str]] = []
    for town in config.townships.values():
        names.append((town.name, town.id, None, TOWNSHIP))
        names.extend((alias, town.id, None, ALIAS) for alias in town.aliases if alias)
        names.extend((village, town.id, village, VILLAGE) for village in town.villages if village)
    names.sort(key=lambda n: -len(n[0]))
    _NAMES[id(config)] = (config, names)
    return names


def find_places(config: Config, text: str) -> list[PlaceHit]:
    """Every place name in `text`, longest match first where names overlap, in text order."""
    taken: list[tuple[int, int]] = []
    hits: list[PlaceHit] = []
    for name, town, village, kind in place_names(config):
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if not any(start < b and end > a for a, b in taken):  # a longer name already covers it
                taken.append((start, end))
                hits.append(PlaceHit(town, village, name, kind, start))
            start = text.find(name, end)
    hits.sort(key=lambda h: h.start)
    return hits


def without_places(config: Config, text: str) -> str:
    """The text with its (confident) place names blanked out: what is left says what happened.

    Two reports from one village share its name but not their subject; similar-case lookups and
    the similarity itself must not count the name.
    """
    out = list(text)
    for hit in find_places(config, text):
        if hit.weight(text) > SHORT_ALIAS_WEIGHT:  # 柳树 may be the willow the report is about
            out[hit.start:hit.start + len(hit.name)] = "，" * len(hit.name)
    return "".join(out)


def _reason(config: Config, hit: PlaceHit, language: str, in_address: bool) -> str:
    if in_address:
        return say(language, "place_address", name=hit.name)
    township = config.townships[hit.township].name
    if hit.kind == VILLAGE:
        return say(language, "place_village", name=hit.name, township=township)
    if hit.kind == ALIAS:
        return say(language, "place_alias", name=hit.name, township=township)
    return say(language, "place_township", name=hit.name)


def rank_places(config: Config, text: str, language: str, *, address: str | None = None,
                known: str | None = None, hint: tuple[str | None, str | None] = (None, None),
                known_village: str | None = None) -> tuple[list[Option], list[Option]]:
    """Ranked townships and villages for a text (and the case's address, hint or known township).

    A township already set on the case wins outright; a township the report itself gave comes next.
    Several hits for one township add up (noisy-or), so a village plus its township beats either alone.
    """
    evidence: dict[str, list[tuple[float, str]]] = {}
    villages: dict[str, tuple[float, str]] = {}
    if known and known in config.townships:
        evidence.setdefault(known, []).append((KNOWN, say(language, "place_known")))
        if known_village:
            villages[known_village] = (KNOWN, say(language, "place_known"))
    hint_town, hint_village = hint
    if hint_town and hint_town in config.townships:
        evidence.setdefault(hint_town, []).append(
            (HINT, say(language, "place_hint", name=hint_village or config.townships[hint_town].name)))
        if hint_village:
            villages.setdefault(hint_village, (HINT, say(language, "place_hint", name=hint_village)))
    for source, in_address in ((address or "", True), (text, False)):
        for hit in find_places(config, source):
            weight = hit.weight(source)
            reason = _reason(config, hit, language, in_address)
            evidence.setdefault(hit.township, []).append((weight, reason))
            if hit.village and weight > villages.get(hit.village, (0.0, ""))[0]:
                villages[hit.village] = (weight, reason)
    towns: list[Option] = []
    for town, items in evidence.items():
        best: dict[str, float] = {}  # one name said twice (title and text) is still one piece of evidence
        for weight, reason in items:
            best[reason] = max(weight, best.get(reason, 0.0))
        miss = 1.0
        for weight in best.values():
            miss *= 1.0 - weight
        reasons = tuple(sorted(best, key=lambda r: -best[r]))[:3]
        towns.append(Option(town, config.townships[town].name, 1.0 - miss, reasons))
    towns.sort(key=lambda o: (-o.score, o.value))
    best = towns[0].value if towns else None
    village_options = [Option(name, name, weight, (reason,)) for name, (weight, reason) in villages.items()
                       if config.village_township.get(name) == best]
    village_options.sort(key=lambda o: -o.score)
    return towns[:3], village_options[:1]
