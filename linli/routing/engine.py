"""Suggestions: the current learned model (loaded once per process, reloaded when the version changes)
or, with too few labelled requests, the keywords configured on categories.

Reads only. ``suggest`` costs one small query for the current version and the categories' stamp, and
one prediction (the categories are kept in memory until a category changes); ``bench/routing.py``
measures it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.utils.translation import gettext, gettext_noop

from linli.core.prepared import prepared_cursor
from linli.routing import classifier
from linli.routing.models import CategoryKeywords, ModelKind, RoutingModel
from linli.tickets.models import Category

FALLBACK_REASON = gettext_noop("已办结且有分类的诉求不足 {n} 条,尚未训练模型:按分类名称和关键词匹配,仅供参考")

_lock = threading.Lock()
_loaded: dict[str, Any] = {"version": None, "model": None}


@dataclass
class Candidate:
    category: Category
    score: float

    @property
    def path(self) -> list[str]:
        names: list[str] = []
        node: Category | None = self.category
        while node is not None:
            names.append(node.name)
            node = node.parent
        return list(reversed(names))


@dataclass
class Prediction:
    candidates: list[Candidate]
    version: int  # 0: keywords
    trained_on: int
    kind: str
    fallback_reason: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def current_version() -> tuple[int, int, tuple[Any, Any]] | None:
    """(version, trained_on, categories' stamp) of the newest learned model, or None — one statement,
    prepared on PostgreSQL (``core.prepared``: its text never varies; it runs at every intake). The
    stamp is the newest ``Category.updated_at`` and the number of categories: any change to a category
    (``tickets.categories``) moves it, so the categories kept in memory are read again."""
    alias = router.db_for_read(RoutingModel)
    with prepared_cursor(alias) as cursor:
        cursor.execute(_version_sql(alias), [ModelKind.LEARNED.value])
        row = cursor.fetchone()
    return (row[0], row[1], (row[2], row[3])) if row else None


@cache
def _version_sql(alias: str) -> str:
    q = connections[alias].ops.quote_name
    model, category = q(RoutingModel._meta.db_table), q(Category._meta.db_table)
    return (
        f"SELECT {q('version')}, {q('trained_on')}, (SELECT max({q('updated_at')}) FROM {category}),"  # noqa: S608 - names from metadata
        f" (SELECT count(*) FROM {category}) FROM {model} WHERE {q('kind')} = %s ORDER BY {q('version')} DESC LIMIT 1"
    )


def _model(version: int) -> Any:
    with _lock:
        if _loaded["version"] != version:
            blob = RoutingModel.objects.filter(version=version).values_list("blob", flat=True).get()
            _loaded["model"] = classifier.load(bytes(blob))
            _loaded["version"] = version
        return _loaded["model"]


def forget_loaded_model() -> None:
    with _lock:
        _loaded.update(version=None, model=None, categories_stamp=None, categories={})


def _categories(ids: list[int], stamp: tuple[Any, Any]) -> dict[int, Category]:
    """The active categories among ``ids``, with their parents, from the ones kept in memory while the
    categories' stamp stands (read again, all at once, when it moves)."""
    with _lock:
        if _loaded.get("categories_stamp") != stamp:
            _loaded["categories"] = {
                c.pk: c for c in Category.objects.filter(active=True).select_related("parent__parent")
            }
            _loaded["categories_stamp"] = stamp
        active: dict[int, Category] = _loaded["categories"]
    return {i: active[i] for i in ids if i in active}


def suggest(*, title: str, description: str, k: int = 3) -> Prediction:
    text = classifier.text_of(title, description)
    current = current_version()
    if current is not None:
        version, trained_on, stamp = current
        ranked = classifier.top_k(_model(version), text, k=k + 2)
        cats = _categories([int(cid) for cid, _ in ranked], stamp)
        candidates = [Candidate(cats[int(cid)], round(score, 4)) for cid, score in ranked if int(cid) in cats][:k]
        return Prediction(candidates=candidates, version=version, trained_on=trained_on, kind=ModelKind.LEARNED)
    return keyword_suggest(text, k=k)


def _words(category: Category) -> list[str]:
    try:
        return category.routing_keywords.word_list()  # type: ignore[attr-defined]
    except CategoryKeywords.DoesNotExist:
        return []


def keyword_suggest(text: str, *, k: int = 3) -> Prediction:
    """Count matching words (the category's own name, its configured keywords) per active leaf category."""
    # One query: each category with its keywords and its parent's (reverse one-to-one joins).
    related = ("parent__parent", "routing_keywords", "parent__routing_keywords")
    rows = list(Category.objects.filter(active=True).select_related(*related))
    parents = {c.parent_id for c in rows if c.parent_id}
    scored: list[tuple[float, Category]] = []
    for c in rows:
        if c.pk in parents:
            continue
        terms = set(_words(c)) | {c.name}
        if c.parent is not None:
            terms |= set(_words(c.parent))
        hits = sum(len(t) for t in terms if t and t in text)
        if hits:
            scored.append((float(hits), c))
    scored.sort(key=lambda pair: (-pair[0], pair[1].pk))
    total = sum(s for s, _ in scored) or 1.0
    return Prediction(
        candidates=[Candidate(c, round(s / total, 4)) for s, c in scored[:k]],
        version=0,
        trained_on=0,
        kind=ModelKind.KEYWORDS,
        fallback_reason=gettext(FALLBACK_REASON).format(n=settings.ROUTING_MIN_LABELLED),
    )
