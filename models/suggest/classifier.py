"""智能分哨: rank first-level categories for a citizen message, in pure Python.

Chosen by repeated stratified cross-validation on the TIPDM 2020 sample (figures, and a plain bigram
naive Bayes for comparison: benchmarks/suggest_accuracy.py). Character 1-2-grams (no segmenter; no
gram crosses punctuation), the title counted ``title_weight`` times, sublinear tf-idf, L2-normalised,
scored by weight-normalised complement naive Bayes. The model is one weight matrix, so each score is a
sum of per-gram contributions: the ``reasons``. The category tree's leaf names can join as pseudo-
documents per class (tree_texts). Scores: softmax with a temperature fitted on out-of-fold predictions.

Measured and left out: trigrams (same accuracy, 40% more fit time) and a mixture with a multiclass
hinge model trained by SGD (same top-1, two to three times the fit time).
"""

from __future__ import annotations

import heapq
import math
import random
import re
from array import array
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import chain, compress, repeat
from operator import add, mul, ne, sub, truediv
from typing import Any, Protocol

from models.suggest.features import SEP, Columns, count_grams, getter, normalise, weigh

FORMAT = "chuishao.suggest.linear/1"
_CODE = re.compile(r"[0-9a-z]")  # after normalising: a Latin letter or a digit


def prepare_text(title: str, detail: str) -> str:
    """Combine a message's title and detail into the one string the classifier reads.

    Whitespace runs collapse to one space (the source files indent details with newlines and tabs);
    the title comes first, on its own line, because the classifier weights the first line.
    """
    title, detail = " ".join(title.split()), " ".join(detail.split())
    return f"{title}\n{detail}" if detail else title


def tree_texts(tree: Mapping[str, Mapping[str, Sequence[str]]]) -> dict[str, list[str]]:
    """Pseudo-documents per first-level class from the category tree (chuishao.toml's shape).

    One short text per leaf, "branch，leaf" ("其他" dropped: it names nothing), so a branch with
    many leaves weighs more, as it does among real messages.
    """
    out: dict[str, list[str]] = {}
    for top, branches in tree.items():
        out[top] = [t for mid, leaves in branches.items() for leaf in (leaves or [""])
                    if (t := "，".join(w for w in (mid, leaf) if w and w != "其他"))]
    return out


def _scores(ix: Sequence[int], vx: list[float], rows: list[list[float]]) -> list[float]:
    """Each row's dot product with the sparse vector (ix, vx)."""
    pick = getter(ix)
    return [sum(map(mul, pick(row), vx)) for row in rows]


@dataclass(frozen=True)
class Params:
    """Hyper-parameters. The defaults are the cross-validated choice; stored with the model."""

    title_weight: int = 5  # the title says in ten characters what the detail says in three hundred
    max_n: int = 2  # trigrams measured: same accuracy, 40% more fit time
    min_df: int = 2  # a gram seen in one message only identifies that message
    max_features: int = 60000  # bounds model size (a few MB of JSON at 7 classes)
    vocab_sample: int = 2000  # document frequencies from at most this many texts (fit time)
    alpha: float = 0.1  # NB smoothing
    temperature: float = 0.2
    prior_weight: float = 1.0  # weight of each tree pseudo-document against a real message
    seed: int = 0


@dataclass(frozen=True)
class Prediction:
    """One suggested label: ``score`` in 0..1 (softmax over all labels), ``reasons`` from the text."""

    label: str
    score: float
    reasons: tuple[str, ...]


class Classifier(Protocol):
    """What cross_validate needs from a model."""
    def fit(self, texts: list[str], labels: list[str], weights: list[float] | None = None) -> None: ...
    def predict(self, text: str, k: int = 3) -> list[Prediction]: ...


_Vec = tuple[Sequence[int], list[float]]  # gram ids, tf-idf values


class TextClassifier:
    """Character-n-gram linear text classifier; see the module docstring for the method."""

    def __init__(self, prior_texts: Mapping[str, Sequence[str]] | None = None, **params: Any) -> None:
        """``params`` are Params fields; ``prior_texts`` maps a label to pseudo-documents (tree_texts)."""
        self.params = Params(**params)
        self.prior_texts = {k: list(v) for k, v in (prior_texts or {}).items()}
        self._labels: list[str] = []
        self._inverse: list[str] = []
        self._columns = Columns(())
        self._idf: list[float] = []
        self._idf_spare: list[float] = [0.0]
        self._weights: list[list[float]] = []

    @property
    def labels(self) -> list[str]:
        """The labels the model can predict, sorted."""
        return list(self._labels)

    # -- features -----------------------------------------------------------------------------

    def _counts(self, text: str) -> Counter[str]:
        return count_grams(text, self.params.max_n, self.params.title_weight)

    def _vector(self, text: str) -> _Vec:
        ix, vx = weigh(self._counts(text), self._columns, self._idf_spare)
        if self._columns.spare not in ix:
            return ix, vx
        known = list(map(ne, ix, repeat(self._columns.spare)))
        return list(compress(ix, known)), list(compress(vx, known))

    def _vocabulary(self, texts: Sequence[str]) -> tuple[dict[int, Counter[str]], list[str], list[float], list[int]]:
        """Vocabulary and idf from (a seeded sample of at most ``vocab_sample``) texts.

        Sets the model's vocabulary (sorted by gram) and idf. Returns for fit: the sampled texts'
        counts (no text is cut into grams twice), the vocabulary most frequent gram first with its
        idf, and for each stored column (by gram) its position in that order. The sample bounds the
        time and memory of document frequencies; the price is that a gram rare enough to miss it
        stays out of the vocabulary.
        """
        n, limit = len(texts), self.params.vocab_sample
        picked = sorted(random.Random(self.params.seed).sample(range(n), limit)) if n > limit else range(n)
        counted = {i: self._counts(texts[i]) for i in picked}
        df: Counter[str] = Counter(chain.from_iterable(counted.values()))  # a Counter iterates its grams
        kept = sorted((-k, g) for g, k in df.items() if k >= self.params.min_df and SEP not in g)
        del kept[self.params.max_features:]  # the most frequent; ties broken by the gram: deterministic
        frequent = [g for _, g in kept]
        dfs = [-nk for nk, _ in kept]
        idf_of = {k: round(math.log((1 + len(picked)) / (1 + k)) + 1.0, 5) for k in set(dfs)}  # few distinct
        idf = list(map(idf_of.__getitem__, dfs))
        order = sorted(range(len(kept)), key=frequent.__getitem__)
        self._set_vocab(list(getter(order)(frequent)), list(getter(order)(idf)))
        return counted, frequent, idf, order

    def _set_vocab(self, grams: list[str], idf: list[float]) -> None:
        self._inverse, self._columns, self._idf, self._idf_spare = grams, Columns(grams), idf, [*idf, 0.0]

    # -- training -----------------------------------------------------------------------------

    def fit(self, texts: list[str], labels: list[str], weights: list[float] | None = None) -> None:
        """Train on ``texts`` (prepare_text output, or free text) with one label each.

        ``weights`` scale each message's influence (e.g. older cases less); default 1.
        """
        if len(texts) != len(labels) or not texts or (weights is not None and len(weights) != len(texts)):
            raise ValueError("fit needs at least one text, and as many labels (and weights) as texts")
        self._labels = sorted(set(labels))
        index = {lab: k for k, lab in enumerate(self._labels)}
        docs = list(zip(texts, (index[lab] for lab in labels), weights or [1.0] * len(texts)))
        # Pseudo-documents only for classes with real examples: a class known from names alone
        # would get scores nothing has checked.
        for lab in self._labels:
            docs += [("\n" + t, index[lab], self.params.prior_weight) for t in self.prior_texts.get(lab, ())]
        counted, frequent, idf, order = self._vocabulary([d[0] for d in docs])
        # While fitting, the columns are numbered most frequent gram first: the few thousand grams
        # most lookups hit then share a few cache lines of the lookup table, idf list and class sums
        # (numbered by gram, they were spread over megabytes, and fit time was memory-bound). Every
        # float is computed as before, in the same order, so the model is the same bit for bit
        # (tests/test_suggest_features.py fits against plain per-gram reference code).
        per, sample = self._accumulate(docs, counted, Columns(frequent), [*idf, 0.0])
        stored = getter(order)  # a row in fitting order -> by gram
        self._weights = [list(stored(row)) for row in self._scaled(sample, self._fit_nb(per, stored))]

    def _accumulate(self, docs: list[tuple[str, int, float]], counted: dict[int, Counter[str]],
                    columns: Columns, idf: list[float]) -> tuple[list[array[float]], list[_Vec]]:
        """Per class, the weighted sum of its documents' vectors (without the spare column), and
        every len/500-th document's vector (for _scaled). Streamed: each vector is added while its
        floats are in cache, and only the sample is kept."""
        per = [array("d", bytes(8 * len(idf))) for _ in self._labels]
        step, sample = max(1, len(docs) // 500), []
        for n, (text, y, w) in enumerate(docs):
            ix, vx = weigh(c if (c := counted.pop(n, None)) is not None else self._counts(text), columns, idf)
            row = per[y]
            for j, x in zip(ix, vx if w == 1.0 else list(map(mul, vx, repeat(w)))):  # the hot loop
                row[j] += x
            if n % step == 0:
                known = list(map(ne, ix, repeat(columns.spare)))  # the spare column is no gram
                sample.append((list(compress(ix, known)), list(compress(vx, known))))
        return [row[:-1] for row in per], sample

    def _fit_nb(self, per: Sequence[Sequence[float]],
                stored: Callable[[Sequence[float]], Sequence[float]]) -> list[list[float]]:
        total = list(map(sum, zip(*per)))
        out = []
        for row in per:
            comp = list(map(add, map(sub, total, row), repeat(self.params.alpha)))  # t - r + alpha
            log_s = math.log(sum(stored(comp)))  # summed by gram, as stored: the same float as ever
            # Complement NB: a class is likely when the *other* classes rarely use the gram; the
            # weights are normalised (WCNB) so that a class with a rich vocabulary does not dominate.
            wk = list(map(sub, repeat(log_s), map(math.log, comp)))
            z = sum(map(abs, stored(wk))) or 1.0
            out.append(list(map(truediv, wk, repeat(z))))
        return out

    def _scaled(self, sample: list[_Vec], weights: list[list[float]]) -> list[list[float]]:
        # Scaled by the spread of the class-centred scores on (a sample of) the training rows: the
        # raw NB scale shrinks as the vocabulary grows, and the softmax temperature must not care.
        acc = 0.0
        for ix, vx in sample:
            s = _scores(ix, vx, weights)
            m = sum(s) / len(s)
            acc += sum((v - m) ** 2 for v in s)
        scale = 1.0 / (math.sqrt(acc / (len(sample) * len(weights))) or 1.0)
        # Centre each gram's weights across classes: softmax is unchanged, and a positive weight now
        # means "this gram argues for this class more than for the average class" (for reasons).
        # Rounded (typical weights are 0.01-1) so the stored JSON is 2.5x smaller; here, not in
        # to_dict, so that a stored model predicts exactly like this one.
        means = list(map(truediv, map(sum, zip(*weights)), repeat(len(weights))))
        return [list(map(round, map(mul, map(sub, row, means), repeat(scale)), repeat(5))) for row in weights]

    # -- prediction ---------------------------------------------------------------------------

    def predict(self, text: str, k: int = 3) -> list[Prediction]:
        """The ``k`` most likely labels for ``text``, best first (k <= 0 or too large: all)."""
        if not self._labels:
            raise RuntimeError("predict before fit")
        ix, vx = self._vector(text)
        raw = _scores(ix, vx, self._weights)
        top = max(raw)
        exp = [math.exp((s - top) / self.params.temperature) for s in raw]
        z = sum(exp)
        order = sorted(range(len(raw)), key=lambda c: (-raw[c], c))[: k if k > 0 else None]
        norm = normalise(text)
        return [Prediction(self._labels[c], exp[c] / z, self._reasons(text, norm, ix, vx, c)) for c in order]

    def _reasons(self, text: str, norm: str, ix: Sequence[int], vx: list[float], cls: int,
                 limit: int = 3) -> tuple[str, ...]:
        row, inverse = self._weights[cls], self._inverse
        best = heapq.nlargest(10 * limit, zip(map(mul, getter(ix)(row), vx), ix))
        # A single character is rarely a readable reason, and codes like "A3区" or "12345" name
        # places and channels, not the problem.
        words = [inverse[j] for c, j in best if c > 0 and len(inverse[j]) > 1 and not _CODE.search(inverse[j])]
        strong = set(words)
        spans: list[tuple[int, int]] = []
        for word in words:
            start = norm.find(word)
            if start < 0:  # cannot happen (the grams come from this text); never show a non-substring
                continue
            end = start + len(word)
            # Grow the word while the gram across its edge also argues for the class, so that the
            # bigrams 解除, 劳动, 合同 come back as the phrase the citizen wrote: 解除劳动合同.
            while end - start < 8 and start > 0 and norm[start - 1:start + 1] in strong:
                start -= 1
            while end - start < 8 and norm[end - 1:end + 1] in strong:
                end += 1
            for n, (s0, e0) in enumerate(spans):  # overlapping words are one word: 拖欠 + 欠工资
                if start < e0 and end > s0:
                    spans[n] = (min(start, s0), max(end, e0))
                    break
            else:
                if len(spans) == limit:
                    break
                spans.append((start, end))
        found = list(dict.fromkeys(text[a:b] for a, b in spans))
        return tuple(w for n, w in enumerate(found) if not any(w in o for o in found[:n] + found[n + 1:]))

    # -- storage ------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot of the trained model (for the database)."""
        return {"format": FORMAT, "params": asdict(self.params), "labels": list(self._labels),
                "vocab": list(self._inverse), "idf": list(self._idf),
                "weights": [list(r) for r in self._weights]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> TextClassifier:
        """Rebuild a model stored with to_dict."""
        if d.get("format") != FORMAT:
            raise ValueError(f"not a stored suggest model: format {d.get('format')!r}, expected {FORMAT!r}")
        model = cls(**d["params"])
        model._labels = list(d["labels"])
        model._set_vocab(list(d["vocab"]), [float(x) for x in d["idf"]])
        model._weights = [[float(x) for x in r] for r in d["weights"]]
        return model


@dataclass(frozen=True)
class CVResult:
    """Top-1/top-3 accuracy over every held-out prediction of every fold and seed.

    ``confusion[true][predicted]`` counts top-1 predictions, summed over the seeds.
    """

    top1: float
    top3: float
    confusion: dict[str, dict[str, int]]
    folds: int
    seeds: tuple[int, ...]
    n: int


def stratified_folds(labels: Sequence[str], folds: int, seed: int) -> list[list[int]]:
    """Indices split into ``folds`` groups, each label spread as evenly as possible."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(i)
    out: list[list[int]] = [[] for _ in range(folds)]
    offset = 0
    for lab in sorted(by_label):
        idx = by_label[lab]
        rng.shuffle(idx)
        for j, i in enumerate(idx):
            out[(offset + j) % folds].append(i)
        offset += len(idx)  # the next class starts where this one stopped: folds stay equal-sized
    return out


def cross_validate(texts: Sequence[str], labels: Sequence[str], folds: int = 5,
                   seeds: Sequence[int] = (1, 2, 3),
                   factory: Callable[[], Classifier] = TextClassifier) -> CVResult:
    """Repeated stratified k-fold cross-validation of the models ``factory`` builds."""
    if len(texts) != len(labels):
        raise ValueError("cross_validate needs as many labels as texts")
    names = sorted(set(labels))
    confusion = {t: dict.fromkeys(names, 0) for t in names}
    hit1 = hit3 = total = 0
    for seed in seeds:
        for test in stratified_folds(labels, folds, seed):
            held = set(test)
            train = [i for i in range(len(texts)) if i not in held]
            model = factory()
            model.fit([texts[i] for i in train], [labels[i] for i in train])
            for i in test:
                ranked = [p.label for p in model.predict(texts[i], k=3)]
                total += 1
                hit1 += ranked[0] == labels[i]
                hit3 += labels[i] in ranked
                confusion[labels[i]][ranked[0]] += 1
    return CVResult(hit1 / total, hit3 / total, confusion, folds, tuple(seeds), len(texts))
