"""The text classifier: character 1–3-gram TF-IDF → linear SVM (SGD, hinge) with sigmoid calibration.

Pure scikit-learn, CPU only, nothing downloaded. Character n-grams need no word segmentation, so
typos, colloquial wording and addresses cost little; jieba word features were measured and did not
help on our set (docs/routing.md). Calibration (``CalibratedClassifierCV``, 3 folds) turns SVM margins
into scores between 0 and 1 that are compared with the automatic-assignment threshold.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import Pipeline

MIN_PER_CLASS = 3  # calibration folds need this many examples of each category
MAX_FEATURES = 200_000


def text_of(title: str, description: str) -> str:
    return f"{(title or '').strip()}。{(description or '').strip()}"


def build_pipeline(n_samples: int) -> Pipeline:
    # Small sets need more passes to converge; big ones converge in a few (and must train in minutes).
    epochs = max(5, min(50, math.ceil(200_000 / max(n_samples, 1))))
    svm = SGDClassifier(loss="hinge", alpha=1e-4, max_iter=epochs, tol=None, random_state=0)
    return Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char",
                    ngram_range=(1, 3),
                    sublinear_tf=True,
                    min_df=1 if n_samples < 5000 else 2,
                    max_features=MAX_FEATURES,
                    dtype=np.float32,
                ),
            ),
            ("clf", CalibratedClassifierCV(svm, cv=3, method="sigmoid")),
        ]
    )


def usable(labels: Sequence[Any]) -> list[bool]:
    """Which rows belong to a category with enough examples to learn (and calibrate) from."""
    counts = Counter(labels)
    return [counts[label] >= MIN_PER_CLASS for label in labels]


def fit(texts: Sequence[str], labels: Sequence[Any]) -> Pipeline:
    pipeline = build_pipeline(len(texts))
    pipeline.fit(list(texts), list(labels))
    return pipeline


@dataclass(frozen=True)
class Evaluation:
    macro_f1: float
    accuracy: float
    folds: int
    n: int


def cross_validate(
    texts: Sequence[str], labels: Sequence[Any], *, groups: Sequence[Any] | None = None, folds: int = 5
) -> Evaluation:
    """Out-of-fold predictions for every row; with ``groups`` whole groups are held out together."""
    smallest = min(Counter(labels).values())
    folds = max(2, min(folds, smallest))
    splitter: Any = GroupKFold(folds) if groups is not None else StratifiedKFold(folds, shuffle=True, random_state=0)
    predicted = cross_val_predict(build_pipeline(len(texts)), list(texts), list(labels), groups=groups, cv=splitter)
    return Evaluation(
        macro_f1=float(f1_score(labels, predicted, average="macro")),
        accuracy=float(accuracy_score(labels, predicted)),
        folds=folds,
        n=len(texts),
    )


def holdout(
    train: tuple[Sequence[str], Sequence[Any]], test: tuple[Sequence[str], Sequence[Any]]
) -> tuple[Evaluation, Pipeline]:
    model = fit(*train)
    predicted = model.predict(list(test[0]))
    return (
        Evaluation(
            macro_f1=float(f1_score(test[1], predicted, average="macro")),
            accuracy=float(accuracy_score(test[1], predicted)),
            folds=1,
            n=len(test[0]),
        ),
        model,
    )


class Scorer:
    """``predict_proba`` of the calibrated pipeline for one text, as a few numpy operations.

    scikit-learn validates its input at every step: for one text through 3 calibration folds × N
    categories that was ~60 ``check_array`` calls and 30–45 ms a suggestion. The arithmetic is
    small: per fold, ``d = x·Wᵀ + b`` (the SVM margins), ``p = expit(-(a·d + c))`` per category
    (sigmoid calibration), normalised to sum 1; then the mean over folds — exactly what
    ``CalibratedClassifierCV.predict_proba`` computes (a test compares the two)."""

    def __init__(self, model: Pipeline) -> None:
        calibrated: CalibratedClassifierCV = model.named_steps["clf"]
        self.tfidf: TfidfVectorizer = model.named_steps["tfidf"]
        self.classes = model.classes_
        n = len(self.classes)
        folds = calibrated.calibrated_classifiers_
        if n < 3 or any(list(f.estimator.classes_) != list(self.classes) for f in folds):
            raise ValueError("the compact scorer covers the multi-class case with every category in each fold")
        # One matrix for all folds: columns are (fold, category) pairs.
        self.weights = np.hstack([f.estimator.coef_.T for f in folds]).astype(np.float64)
        self.bias = np.concatenate([f.estimator.intercept_ for f in folds])
        self.a = np.concatenate([[c.a_ for c in f.calibrators] for f in folds])
        self.c = np.concatenate([[c.b_ for c in f.calibrators] for f in folds])
        self.folds, self.n = len(folds), n
        # The vectoriser's arithmetic for one text, without scikit-learn's per-call input validation
        # (three quarters of ``transform`` for one short text): count the known n-grams, 1 + log of the
        # count, times idf, divided by the L2 norm — in the vectoriser's dtype, as ``transform`` does.
        t = self.tfidf
        if t.binary or t.norm not in ("l2", None) or not t.use_idf:
            raise ValueError("the compact scorer covers the vectoriser's defaults (idf, L2 norm, counts)")
        self.analyze = t.build_analyzer()
        self.vocabulary: dict[str, int] = t.vocabulary_
        self.idf = np.asarray(t.idf_, dtype=t.dtype)
        self.dtype, self.sublinear, self.l2 = t.dtype, t.sublinear_tf, t.norm == "l2"

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The text's TF-IDF row as (column indices, weights): what ``tfidf.transform([text])`` holds."""
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for gram in self.analyze(text):
            j = vocabulary.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        data = np.fromiter(counts.values(), dtype=self.dtype, count=len(counts))
        if self.sublinear:
            np.log(data, out=data)
            data += 1
        data *= self.idf[indices]
        if self.l2:
            norm = math.sqrt(float(np.dot(data.astype(np.float64), data.astype(np.float64))))
            if norm > 0:
                data /= norm
        return indices, data

    def proba(self, text: str) -> np.ndarray:
        indices, data = self.features(text)  # one sparse row: only its few hundred n-grams' weights matter
        margins = data @ self.weights[indices] + self.bias
        p = (1.0 / (1.0 + np.exp(self.a * margins + self.c))).reshape(self.folds, self.n)
        sums = p.sum(axis=1, keepdims=True)
        p = np.divide(p, sums, out=np.full_like(p, 1.0 / self.n), where=sums != 0)
        return p.mean(axis=0)


def _scorer(model: Pipeline) -> Scorer | None:
    """The model's compact scorer, built once and kept on the model object itself."""
    if not hasattr(model, "_linli_scorer"):
        try:
            scorer: Scorer | None = Scorer(model)
        except (AttributeError, KeyError, ValueError):  # another shape of model: scikit-learn's own path
            scorer = None
        model._linli_scorer = scorer  # type: ignore[attr-defined]
    return model._linli_scorer  # type: ignore[attr-defined,no-any-return]


def probabilities(model: Pipeline, text: str) -> np.ndarray:
    scorer = _scorer(model)
    return scorer.proba(text) if scorer is not None else model.predict_proba([text])[0]


def top_k(model: Pipeline, text: str, k: int = 3) -> list[tuple[Any, float]]:
    scores = probabilities(model, text)
    order = np.argsort(scores)[::-1][:k]
    classes = model.classes_
    return [(classes[i].item() if hasattr(classes[i], "item") else classes[i], float(scores[i])) for i in order]


def dump(model: Pipeline) -> bytes:
    buf = io.BytesIO()
    joblib.dump(model, buf, compress=3)
    return buf.getvalue()


def load(blob: bytes) -> Pipeline:
    return joblib.load(io.BytesIO(bytes(blob)))  # type: ignore[no-any-return]
