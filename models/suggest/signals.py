"""Priority, duty-list items, the decision they imply, and the departments: rules from the config,
weighed together with what the office decided for similar cases (models/suggest/history.py).

Independent pieces of evidence are combined by noisy-or (1 − Π(1 − wᵢ)): two weak signs make a
stronger one, and no pile of weak signs reaches certainty.
"""

from __future__ import annotations

from collections.abc import Iterable

from models.org.config import Config
from models.org.dutymatch import decision_for
from models.suggest.history import Precedents
from models.suggest.result import DutyMatch, Option, quoted, say
from models.text.labels import label

# A signal word right after one of these is being denied ("无人被困", "没有燃气泄漏"), not reported.
NEGATIONS = ("没有", "并无", "不是", "无", "没", "未")
NEGATION_WINDOW = 2
PRIORITY_SCORE = {"urgent": 0.9, "utility": 0.8}
GENERAL_SCORE = 0.6
MAX_DUTY = 3


def noisy_or(weights: Iterable[float]) -> float:
    miss = 1.0
    for w in weights:
        miss *= 1.0 - max(0.0, min(1.0, w))
    return 1.0 - miss


def confidence(n: int) -> float:
    """How much n similar cases are worth: 1 → 0.33, 3 → 0.6, 10 → 0.83, 37 → 0.95."""
    return n / (n + 2.0)


class Scan:
    """Which of the config's signal words (priorities' and the duty list's) a text contains.

    Built once per suggestion: every later question ("which urgent words?", "which keywords of
    this duty item?") is a dictionary lookup, not another search of the text.
    """

    def __init__(self, config: Config, text: str) -> None:
        self.plain: dict[str, bool] = {}  # word → True if present un-negated somewhere, False if only negated
        for word in _all_words(config):
            start = text.find(word)
            if start < 0:
                continue
            plain = False
            while start >= 0 and not plain:
                before = text[max(0, start - NEGATION_WINDOW):start]
                plain = not any(n in before for n in NEGATIONS)
                start = text.find(word, start + 1)
            self.plain[word] = plain

    def words(self, wanted: Iterable[str]) -> tuple[list[str], list[str]]:
        """(words present, words present only negated), longest first; 被困 inside 有人被困 is not repeated."""
        found: list[str] = []
        negated: list[str] = []
        for word in sorted({w for w in wanted if w in self.plain}, key=lambda w: (-len(w), w)):
            if any(word in f for f in found):
                continue
            (found if self.plain[word] else negated).append(word)
        return found, negated

    def all_found(self) -> list[str]:
        """Every signal word present un-negated, longest first."""
        return self.words(self.plain)[0]


_WORDS: dict[int, tuple[Config, list[str]]] = {}


def _all_words(config: Config) -> list[str]:
    cached = _WORDS.get(id(config))
    if cached is None or cached[0] is not config:
        words = {w for p in ("urgent", "utility") for w in config.priorities[p].urgent_keywords}
        words.update(w for item in config.duty_items.values() for w in item.keywords)
        cached = _WORDS[id(config)] = (config, sorted(w for w in words if w))
    return cached[1]


def suggest_priority(config: Config, scan: Scan, language: str, known: str | None = None) -> list[Option]:
    """urgent / utility when their configured signal words occur (not negated), else general."""
    out: list[Option] = []
    negated_all: list[str] = []
    for name in ("urgent", "utility"):
        found, negated = scan.words(config.priorities[name].urgent_keywords)
        negated_all.extend(negated)
        if found:
            score = noisy_or([PRIORITY_SCORE[name]] + [0.3] * (len(found) - 1))
            out.append(Option(name, label("priority", name, language), score,
                              (say(language, f"prio_{name}", words=quoted(found, language)),)))
    if not out:
        reasons = [say(language, "prio_general")] + [say(language, "prio_negated", word=w) for w in negated_all[:2]]
        out.append(Option("general", label("priority", "general", language), GENERAL_SCORE, tuple(reasons)))
    if known and known in config.priorities and known != out[0].value:
        out.insert(0, Option(known, label("priority", known, language), 1.0, (say(language, "prio_known"),)))
    return out


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def match_duty(config: Config, scan: Scan, categories: list[Option], precedents: Precedents, language: str,
               known: str | None = None) -> list[DutyMatch]:
    """Duty items by keyword hits, agreement with the suggested categories and citations by similar cases."""
    out: list[DutyMatch] = []
    citations = precedents.counts.get("duty_item", {})
    for item in config.duty_items.values():
        cited = citations.get(item.code, 0)
        present = any(w in scan.plain for w in item.keywords)
        if not present and not cited and item.code != known:
            continue
        hits = scan.words(item.keywords)[0] if present else []
        if not hits and not cited and item.code != known:
            continue  # its words occur only negated ("没有漏水")
        agree = max((c.score for c in categories if _related(item.category, c.value)), default=0.0)
        weights = [1.0 - 0.5 ** len(hits) if hits else 0.0, 0.3 * agree if hits else 0.0,
                   0.8 * confidence(cited) if cited else 0.0, 1.0 if item.code == known else 0.0]
        reasons = []
        if item.code == known:
            reasons.append(say(language, "duty_known"))
        if hits:
            reasons.append(say(language, "duty_keywords", words=quoted(hits, language)))
        if hits and agree:
            reasons.append(say(language, "duty_category", category=item.category.replace("/", " › ")))
        if cited:
            reasons.append(say(language, "duty_history", n=cited))
        out.append(DutyMatch(item.code, item.text, noisy_or(weights), tuple(reasons), item.scope,
                             decision_for(item) or "local", item.category, item.lead, item.cooperating))
    out.sort(key=lambda m: (-m.score, m.value))
    return out[:MAX_DUTY]


def suggest_decisions(items: list[DutyMatch], precedents: Precedents, language: str) -> list[Option]:
    """local / whistle: the scope of the best duty item first, backed (or doubted) by similar cases."""
    evidence: dict[str, list[tuple[float, str]]] = {}
    if items:
        best = items[0]
        scope = say(language, f"scope_{best.scope}")
        evidence.setdefault(best.decision, []).append((best.score, say(language, "decision_duty", code=best.value,
                                                                       scope=scope)))
    total = sum(precedents.counts.get("decision", {}).values())
    for decision, n in precedents.counts.get("decision", {}).items():
        share = n / total
        evidence.setdefault(decision, []).append(
            (0.8 * share * confidence(total), say(language, "decision_history", n=n, total=total,
                                                  decision=label("decision", decision, language))))
    out = [Option(d, label("decision", d, language), noisy_or(w for w, _ in ev), tuple(r for _, r in ev))
           for d, ev in evidence.items()]
    out.sort(key=lambda o: (-o.score, o.value))
    return out


def _department(config: Config, dept: str, score: float, reasons: list[str]) -> Option:
    found = config.departments.get(dept)
    return Option(dept, found.short if found else dept, score, tuple(reasons))


def suggest_departments(config: Config, items: list[DutyMatch], precedents: Precedents,
                        language: str) -> tuple[list[Option], list[Option]]:
    """(leads, cooperating): from the matched duty items and from whom operators chose for similar cases."""
    lead_ev: dict[str, list[tuple[float, str]]] = {}
    coop_ev: dict[str, list[tuple[float, str]]] = {}
    for item in items:
        # A township item's lead is only its counterpart should the township whistle after all.
        factor = 0.8 if item.scope == "whistle" else 0.5
        if item.lead:
            lead_ev.setdefault(item.lead, []).append((factor * item.score,
                                                      say(language, "dept_duty_lead", code=item.value)))
        for dept in item.cooperating:
            coop_ev.setdefault(dept, []).append((0.7 * factor * item.score,
                                                 say(language, "dept_duty_coop", code=item.value)))
    for kind, evidence, key in (("lead", lead_ev, "dept_history_lead"), ("cooperating", coop_ev, "dept_history_coop")):
        tally = precedents.counts.get(kind, {})
        total = sum(precedents.counts.get("lead", {}).values()) or 1
        for dept, n in tally.items():
            evidence.setdefault(dept, []).append((0.9 * (n / total) * confidence(n), say(language, key, n=n)))
    leads = sorted((_department(config, d, noisy_or(w for w, _ in ev), [r for _, r in ev])
                    for d, ev in lead_ev.items()), key=lambda o: (-o.score, o.value))
    best = leads[0].value if leads else None
    coops = sorted((_department(config, d, noisy_or(w for w, _ in ev), [r for _, r in ev])
                    for d, ev in coop_ev.items() if d != best), key=lambda o: (-o.score, o.value))
    return leads[:3], coops[:4]
