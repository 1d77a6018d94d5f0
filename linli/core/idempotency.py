"""Create something once, however often the same submission arrives.

A resident's phone on a weak signal resends; a double tap sends twice; an API client retries after a
timeout. Each such create carries a key (the form's hidden ``idempotency_key``, the API's
``Idempotency-Key`` header) stored on the row under a unique constraint per submitter. The first
submission creates; every later one with the same key — one after the other or at the same
instant — answers with the first row and creates nothing. A *different* submission under a used key is
refused (409) rather than answered with the first: answering it would silently lose what was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, InvalidInput

KEY_MAX = 64

Row = TypeVar("Row")


def clean_key(raw: str | None) -> str:
    """The key as stored: stripped; empty means "no key" (every submission creates)."""
    key = (raw or "").strip()
    if len(key) > KEY_MAX:
        raise InvalidInput(_("Idempotency-Key 最长 64 个字符"), field="Idempotency-Key")
    return key


def create_once(
    *,
    earlier: QuerySet[Any],
    key: str,
    create: Callable[[], Row],
    same: Callable[[Any], bool],
    refusal: Callable[[Any], str],
) -> tuple[Row, bool]:
    """``(row, created)``. ``earlier`` is the submitter's own rows (the constraint's scope); ``create``
    writes the new row (inside a savepoint, so a lost race rolls back only its own writes); ``same``
    says whether an earlier row is this very submission; ``refusal`` words the 409 when it is not."""

    def answer(existing: Any) -> tuple[Row, bool]:
        if not same(existing):
            raise Conflict(refusal(existing), field="Idempotency-Key")
        return existing, False

    if key:
        existing = earlier.filter(idempotency_key=key).first()
        if existing is not None:
            return answer(existing)
    try:
        with transaction.atomic():
            row = create()
    except IntegrityError:
        if not key:
            raise
        # The same key raced us: the winner's row is the answer.
        return answer(earlier.get(idempotency_key=key))
    return row, True
