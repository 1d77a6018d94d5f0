"""A rendered page of the request list, kept for exactly as long as it reads the same.

Staff reload their queue all day, and rendering a page (50 rows: decrypting and masking phone
numbers, deadline texts, the calendar warning, the category path, JSON) costs ~10 ms of Python
against ~1 ms of database. What a page says is decided by three things only:

* **its rows**, named by ``(id, version, submitted_at)``. ``Ticket.version`` is raised by a database
  trigger on every UPDATE (tickets migration 0009), so any change to a row — by a transition, a
  place move, ``QuerySet.update``, the admin — names a different page;
* **the names shown beside them** (places, organisations, categories, the calendar's published
  years), named by ``ListGeneration`` ``names``, which triggers on those tables raise;
* **the clock**: deadline texts and the overdue flag change on the hour marks of each deadline
  (``deadlines.text_stable_until``), so an entry expires at the first mark of any of its rows.

Which rows a viewer gets is decided before the cache, by the scoped key query
(``selectors.ticket_page_keys``, which reads the rows' stamps and the generation with their ids); a
list row shows nothing that depends on who looks (no actions, the phone masked for everyone). So an
entry may serve any viewer whose page holds the same rows, and never shows anyone a row outside
their scope. The language and time zone are in the key.

Order matters for correctness: the generation is read *before* the rows are rendered, and an entry
is stored under the versions of the rows it was rendered from, so a write that lands in between
can only make an entry newer than its key, never older. Entries live in the ``pages`` cache
(process memory by default; ``settings.CACHES``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import caches
from django.db.models import Subquery
from django.utils import timezone, translation

from linli.core.pagination import Page
from linli.tickets.deadlines import text_stable_until
from linli.tickets.models import ListGeneration, Ticket
from linli.tickets.selectors import page_rows

CACHE_ALIAS = "pages"
FORMAT = "1"  # raise when what a page renders changes shape, so no older entry is served
LONGEST = dt.timedelta(hours=1)  # an upper bound, not a freshness rule: versions decide that

Stamp = tuple[int, int, dt.datetime]
Stamped = tuple[int, int, dt.datetime, int | None]  # a Stamp and the names generation


def list_page_body(*, page: Page[Stamped], render: Callable[[list[Ticket], str | None], bytes]) -> bytes:
    """The page with these rows and cursor, from the cache when its rows, names and clock marks are
    unchanged, else rendered (``render(rows, next)``) and kept. ``page`` is what the scoped key query
    read with ``columns=STAMPS``: each row's id, version and submission time and the names generation,
    in one statement (one snapshot), before anything is rendered."""
    if not page.items:
        return render([], page.next)
    names = page.items[0][3] or 0
    stamps: list[Stamp] = [(pk, version, submitted_at) for pk, version, submitted_at, _names in page.items]
    cache = caches[CACHE_ALIAS]
    now = timezone.now()
    hit = cache.get(_key(names, stamps, page.next))
    if hit is not None and now.timestamp() < hit[0]:
        return hit[1]
    rows = page_rows([pk for pk, _version, _submitted_at in stamps])
    body = render(rows, page.next)
    until = min([now + LONGEST, *(t for t in (text_stable_until(r, now=now) for r in rows) if t is not None)])
    if until > now:
        key = _key(names, [(r.pk, r.version, r.submitted_at) for r in rows], page.next)
        cache.set(key, (until.timestamp(), body), timeout=(until - now).total_seconds())
    return body


_NAMES = ListGeneration.objects.filter(name="names")
# What the key query reads with each id for this cache: ``Stamped`` rows.
STAMPS = ("version", "submitted_at", Subquery(_NAMES.values("value")[:1]))


def names_generation() -> int:
    """The ``names`` generation (0 before anything was ever renamed)."""
    return _NAMES.values_list("value", flat=True).first() or 0


def _key(names: int, stamps: Iterable[Stamp], next_cursor: str | None) -> str:
    parts: list[Any] = [FORMAT, translation.get_language(), timezone.get_current_timezone_name(), names, next_cursor]
    parts.extend(f"{pk}.{version}.{submitted_at.timestamp()!r}" for pk, version, submitted_at in stamps)
    return "tickets.list:" + hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()
