"""The compact scorer gives the calibrated pipeline's own probabilities, a few hundred times cheaper."""

from __future__ import annotations

import numpy as np

from linli.routing import classifier
from linli.routing.data.make_requests import build


def _model_and_texts() -> tuple[object, list[str]]:
    rows = build(seed=3)
    texts = [classifier.text_of(r["标题"], r["内容"]) for r in rows]
    return classifier.fit(texts, [r["分类"] for r in rows]), texts


def test_the_compact_scorer_equals_scikit_learns_predict_proba() -> None:
    model, texts = _model_and_texts()
    samples = [*texts[:40], "楼上漏水把我家天花板泡坏了", "", "zzz 完全无关的一句话 123"]
    expected = model.predict_proba(samples)  # type: ignore[attr-defined]
    got = np.vstack([classifier.probabilities(model, t) for t in samples])  # type: ignore[arg-type]
    assert classifier._scorer(model) is not None  # type: ignore[arg-type]  # the fast path was taken
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)


def test_top_k_is_best_first_and_sums_no_more_than_one() -> None:
    model, texts = _model_and_texts()
    top = classifier.top_k(model, texts[0])  # type: ignore[arg-type]
    scores = [score for _, score in top]
    assert len(top) == 3 and scores == sorted(scores, reverse=True)
    assert 0 < sum(scores) <= 1 + 1e-9


def test_the_compact_scorer_weighs_a_text_as_the_vectoriser_does() -> None:
    model, texts = _model_and_texts()
    scorer = classifier._scorer(model)  # type: ignore[arg-type]
    assert scorer is not None
    for text in [*texts[:40], "", "zzz", "楼上漏水漏水漏水,天花板泡坏了!!"]:
        expected = scorer.tfidf.transform([text])
        indices, data = scorer.features(text)
        order = np.argsort(indices)
        assert list(indices[order]) == sorted(expected.indices.tolist())
        np.testing.assert_allclose(data[order], expected.toarray()[0][indices[order]], rtol=1e-6)
        assert data.dtype == expected.dtype
