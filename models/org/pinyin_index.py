"""Find a department, township or category by Chinese, pinyin or initials: 住建 / zhujian / zj.

Pure functions over the configuration, shared by the console's pickers and any command that wants
the same lookup. pypinyin is imported only when an index is built (its import and first call cost
about 0.3 s, see DEPENDENCIES.md); build once, search many times.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from models.org.config import Config

# Score of a hit by where the query matched; ties keep the configuration's order.
EXACT, PREFIX, PINYIN_PREFIX, INITIALS_PREFIX, CONTAINS, PINYIN_CONTAINS, INITIALS_CONTAINS = (
    100, 80, 70, 65, 60, 50, 45)


@dataclass(frozen=True)
class Entry:
    """One choosable thing: its id, the text shown, and the forms a query is matched against."""

    id: str
    label: str
    terms: tuple[str, ...]  # normalised Chinese (and ASCII) names
    pinyin: tuple[str, ...]  # each term's full pinyin, syllables joined: zhujianju
    initials: tuple[str, ...]  # each term's initials: zjj


def normalise(text: str) -> str:
    """NFKC, lower case, no spaces: what both queries and terms are compared as."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def build_index(items: Iterable[tuple[str, str, Iterable[str]]]) -> list[Entry]:
    """Entries from (id, label, search terms); the id and label are searchable too.

    Pinyin is computed once per distinct name (category names repeat across the tree) and not for
    ids or whole paths, which no one types in pinyin.
    """
    from pypinyin import lazy_pinyin

    cache: dict[str, tuple[str, str]] = {}

    def spell(term: str) -> tuple[str, str]:
        found = cache.get(term)
        if found is None:
            syllables = lazy_pinyin(term)
            found = cache[term] = ("".join(syllables), "".join(s[:1] for s in syllables))
        return found

    out: list[Entry] = []
    for ident, label, extra in items:
        terms = tuple(dict.fromkeys(t for t in (normalise(x) for x in (ident, label, *extra)) if t))
        spelled = [spell(t) for t in terms if not t.isascii() and "/" not in t and "·" not in t]
        out.append(Entry(ident, label, terms, tuple(p for p, _ in spelled), tuple(i for _, i in spelled)))
    return out


def _score(entry: Entry, q: str) -> int:
    best = 0
    for term in entry.terms:
        if term == q:
            return EXACT
        if term.startswith(q):
            best = max(best, PREFIX)
        elif q in term:
            best = max(best, CONTAINS)
    if q.isascii():
        for form, prefix, contains in ((entry.pinyin, PINYIN_PREFIX, PINYIN_CONTAINS),
                                       (entry.initials, INITIALS_PREFIX, INITIALS_CONTAINS)):
            for value in form:
                if value == q or value.startswith(q):
                    best = max(best, prefix)
                elif q in value:
                    best = max(best, contains)
    return best


def search(index: list[Entry], query: str, limit: int | None = None) -> list[Entry]:
    """Entries matching the query, best first (all entries, in order, for an empty query)."""
    q = normalise(query)
    if not q:
        return index[:limit] if limit else list(index)
    scored = [(score, i, e) for i, e in enumerate(index) if (score := _score(e, q)) > 0]
    scored.sort(key=lambda t: (-t[0], t[1]))
    hits = [e for _, _, e in scored]
    return hits[:limit] if limit else hits


# --- what the configuration offers ---------------------------------------------------------------

def department_items(config: Config) -> list[tuple[str, str, list[str]]]:
    return [(d.id, d.short or d.name, [d.name, *d.aliases]) for d in config.departments.values()]


def township_items(config: Config) -> list[tuple[str, str, list[str]]]:
    # Villages are searchable: a clerk often knows the village before the township.
    return [(t.id, t.name, [*t.aliases, *t.villages]) for t in config.townships.values()]


def category_items(config: Config) -> list[tuple[str, str, list[str]]]:
    """Every category path, shown as "leaf · parent path", searchable by each level's name."""
    out = []
    for path in config.categories:
        parts = path.split("/")
        label = parts[-1] if len(parts) == 1 else f"{parts[-1]} · {'›'.join(parts[:-1])}"
        out.append((path, label, parts[::-1]))
    return out


def config_indexes(config: Config) -> dict[str, list[Entry]]:
    """The three indexes the pickers use: departments, townships, categories."""
    return {"department": build_index(department_items(config)),
            "township": build_index(township_items(config)),
            "category": build_index(category_items(config))}
