"""The import's shortcuts give exactly what the plain computations give (see benchmarks/import_bench.py)."""

from __future__ import annotations

import random
import unicodedata

from models.intake.dupscore import Probe, Settings, Target, eligible, rank, score, terms_of
from models.store.events import canonical
from models.text.search import _RUNS, tokens

WORDS = ["路灯", "不亮", "噪音", "扰民", "漏水", "停电", "小区", "门口", "垃圾", "堆放", "施工", "夜间", "油烟",
         "占道", "经营", "井盖", "破损", "3号楼", "ABC1234", "，", "。", "：", "！", "（", "）", "Ａ１２", "\u3000"]
SETTINGS = Settings(window=30 * 86400, threshold=0.55, max_candidates=10,
                    weights={"phone": 0.35, "address": 0.25, "text": 0.3, "township": 0.05, "category": 0.05},
                    repeat_window=30 * 86400)


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(1, 14)))


def test_rank_skipping_hopeless_text_scores_keeps_the_exact_ranking() -> None:
    """rank() skips the cosine when it cannot matter; the ranking equals scoring every target in full."""
    rng = random.Random(5)
    phones, addresses, towns = ["1381", "1390", "1502"], ["a路1号", "a路2号", "b街9号"], ["t1", "t2", None]
    for _ in range(200):
        targets = []
        for cid in range(1, 40):
            body = tokens(_text(rng))
            targets.append(Target(cid, rng.choice(["new", "closed", "merged"]), rng.choice(towns),
                                  rng.choice(["城建/路灯", "城建", None]), rng.randint(0, 90) * 86400,
                                  1, tuple(rng.sample(phones, rng.randint(0, 1))),
                                  tuple(rng.sample(addresses, rng.randint(0, 1)))).with_body(body))
        probe = Probe(frozenset(rng.sample(phones, rng.randint(0, 1))),
                      frozenset(rng.sample(addresses, rng.randint(0, 1))), rng.choice(towns),
                      rng.choice(["城建/路灯", None]), terms_of(tokens(_text(rng))), 60 * 86400)
        full = [score(SETTINGS, probe, t) for t in targets if eligible(SETTINGS, probe, t)]
        full = sorted((c for c in full if c.score >= SETTINGS.threshold), key=lambda c: (-c.score, -c.case_id))
        assert rank(SETTINGS, probe, targets) == full[:SETTINGS.max_candidates]


def _reference_tokens(text: str) -> str:
    """The tokeniser as first written: NFKC of the whole text, then bigrams per run."""
    out: list[str] = []
    for run in _RUNS.findall(unicodedata.normalize("NFKC", text).lower()):
        if run.isascii() or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
            out.append(run[-1])
    return " ".join(out)


def test_tokens_equal_whole_text_nfkc_for_punctuation_and_combining_marks() -> None:
    """Full-width punctuation is folded to spaces before NFKC; marks and compatibility forms are not."""
    rng = random.Random(9)
    pool = [chr(c) for c in (*range(0x3000, 0x3100), *range(0xFF00, 0xFFF0), *range(0x300, 0x370),
                             *range(0x2460, 0x24FF), *range(0x3200, 0x3400), *range(0xF900, 0xF920),
                             *range(0x1100, 0x1200))] + list("小区噪音漏水ab Z0,.<")
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 24)))
        assert tokens(text) == _reference_tokens(text), repr(text)
    assert tokens("ｶﾞ路灯，不亮！ＡＢ１") == "路灯 灯 不亮 亮 ab1"


def test_canonical_json_is_sorted_compact_and_unescaped() -> None:
    """The hashed event text format (models/events.event_digest) is unchanged."""
    assert canonical({"b": [1, None], "a": "路灯", "c": {"z": 1.5, "y": True}}) == \
        '{"a":"路灯","b":[1,null],"c":{"y":true,"z":1.5}}'
