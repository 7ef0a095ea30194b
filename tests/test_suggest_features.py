"""智能分哨's fast featurisation and fitting equal plain per-gram reference code, float for float."""

from __future__ import annotations

import csv
import math
import random
from collections import Counter
from pathlib import Path

from models.suggest import features
from models.suggest.classifier import TextClassifier, prepare_text
from models.suggest.features import count_grams, normalise
from tests.test_classifier import TINY

SAMPLE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "tipdm2020" / "messages_sample.csv"
EDGE = [
    "", "\n", "标题", "\n只有正文", "ABC def GHI\nhello world 123", "12345 67890", "!!!，。？、“”（）",
    "a", "ab", "a b", "😀投诉😀噪音", "\t\n\r ", "Ｘ市ＡＢ１２３号楼，ｶﾞ ① ½ ﬁ", "第3号楼A3区 12345热线",
    "噪音扰民\n" + "楼下工地施工噪音很大，晚上十点还在施工！" * 80,  # body longer than MAX_BODY
    "拖欠工资" * 80 + "\n工资",  # title longer than MAX_TITLE
]


def labelled() -> list[tuple[str, str]]:
    """Real messages when the TIPDM sample is here (it is in CI), else a few of our own."""
    rows = [(prepare_text(t, d), lab) for t, d, lab in TINY]
    if SAMPLE.exists():
        with SAMPLE.open(encoding="utf-8-sig", newline="") as fh:
            rows += [(prepare_text(r["留言主题"], r["留言详情"]), r["一级分类"]) for r in csv.DictReader(fh)]
    return rows


def ref_counts(text: str, max_n: int, title_weight: int) -> dict[str, int]:
    """Every gram by slicing, in the order the classifier has always used: body then title."""
    title, _, body = text.partition("\n")
    counts: dict[str, int] = {}
    for part, weight in ((normalise(body[:1000]), 1), (normalise(title[:200]), title_weight)):
        for n in range(1, max_n + 1):
            for i in range(len(part) - n + 1):
                if " " not in (gram := part[i:i + n]):
                    counts[gram] = counts.get(gram, 0) + weight
    return counts


def ref_vector(counts: dict[str, int], vocab: list[str], idf: list[float]) -> tuple[list[int], list[float]]:
    ids = {g: i for i, g in enumerate(vocab)}
    pairs = [(ids[g], (1.0 + math.log(c)) * idf[ids[g]]) for g, c in counts.items() if g in ids]
    norm = math.sqrt(sum(x * x for _, x in pairs))
    return [j for j, _ in pairs], [x / norm if norm else x for _, x in pairs]


def ref_fit(model: TextClassifier, texts: list[str], labels: list[str], weights: list[float]) -> dict[str, object]:
    """The method of the module docstring, one gram and one float at a time."""
    p = model.params
    names = sorted(set(labels))
    picked = sorted(random.Random(p.seed).sample(range(len(texts)), p.vocab_sample)) \
        if len(texts) > p.vocab_sample else range(len(texts))
    df = Counter(g for i in picked for g in ref_counts(texts[i], p.max_n, p.title_weight))
    kept = sorted(sorted(((k, g) for g, k in df.items() if k >= p.min_df), key=lambda kg: (-kg[0], kg[1]))
                  [:p.max_features], key=lambda kg: kg[1])
    vocab = [g for _, g in kept]
    idf = [round(math.log((1 + len(picked)) / (1 + k)) + 1.0, 5) for k, _ in kept]
    rows = [(*ref_vector(ref_counts(t, p.max_n, p.title_weight), vocab, idf), names.index(lab), w)
            for t, lab, w in zip(texts, labels, weights)]
    per = [[0.0] * len(vocab) for _ in names]
    for ix, vx, y, w in rows:
        for j, x in zip(ix, vx):
            per[y][j] += x * w if w != 1.0 else x
    total = [sum(col) for col in zip(*per)]
    nb = []
    for row in per:
        comp = [t - r + p.alpha for t, r in zip(total, row)]
        log_s = math.log(sum(comp))
        wk = [log_s - math.log(c) for c in comp]
        z = sum(abs(v) for v in wk) or 1.0
        nb.append([x / z for x in wk])
    acc, sample = 0.0, rows[::max(1, len(rows) // 500)]
    for ix, vx, _, _ in sample:
        s = [sum(row[j] * x for j, x in zip(ix, vx)) for row in nb]
        acc += sum((v - sum(s) / len(s)) ** 2 for v in s)
    scale = 1.0 / (math.sqrt(acc / (len(sample) * len(nb))) or 1.0)
    means = [sum(col) / len(col) for col in zip(*nb)]
    return {"vocab": vocab, "idf": idf, "weights": [[round((x - m) * scale, 5) for x, m in zip(row, means)]
                                                    for row in nb]}


def test_cjk_ideographs_need_no_translation() -> None:
    block = "".join(map(chr, range(0x4E00, 0xA000)))
    assert block.translate(features._CHARMAP) == block  # normalise skips these characters


def test_normalise_equals_translating_every_character() -> None:
    for text in EDGE + [t for t, _ in labelled()[:200]]:
        assert normalise(text) == text.translate(features._CHARMAP)
    assert normalise("Ａ市，１２号！") == "a市 00号 "


def test_gram_counts_equal_slicing_in_order() -> None:
    for max_n, title_weight in ((2, 5), (1, 1), (3, 2)):
        for text in EDGE + [t for t, _ in labelled()[:200]]:
            got = count_grams(text, max_n, title_weight)
            assert list(got.items()) == list(ref_counts(text, max_n, title_weight).items()), text[:20]
    assert not any(" " in g for g in count_grams("噪音, 扰民！晚上", 2, 5))


def test_vectors_equal_the_reference_including_unknown_grams() -> None:
    data = labelled()[:250]
    model = TextClassifier(min_df=2)
    model.fit([t for t, _ in data], [lab for _, lab in data])
    vocab, idf = model.to_dict()["vocab"], model.to_dict()["idf"]
    for text in EDGE + [t for t, _ in data[:300]] + ["完全陌生的词汇组合嘚嘚"]:
        ix, vx = model._vector(text)
        assert (list(ix), vx) == ref_vector(ref_counts(text, 2, 5), vocab, idf), text[:20]


def test_fit_equals_the_reference_bit_for_bit() -> None:
    data = labelled()[:250] + [(t, "交通运输") for t in EDGE]
    texts, labels = [t for t, _ in data], [lab for _, lab in data]
    weights = [1.0 if i % 3 else 0.4 for i in range(len(texts))]
    for params in ({"vocab_sample": len(texts) // 2}, {"min_df": 1, "max_features": 500, "seed": 3}):
        model = TextClassifier(**params)  # type: ignore[arg-type]
        model.fit(texts, labels, weights)
        stored = model.to_dict()
        assert {k: stored[k] for k in ("vocab", "idf", "weights")} == ref_fit(model, texts, labels, weights)
