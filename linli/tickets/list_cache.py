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
list row shows nothing that depends on who looks (no actions, no contact number). So an
entry may serve any viewer whose page holds the same rows, and never shows anyone a row outside
their scope. The language and time zone are in the key.

Which rows a page holds is cached too (``queue_page_keys``): the key query's answer is kept under
everything it was decided from — the viewer (account flags and today's position rows, from which
every scope, unit and liaison check is derived; today's date), the filters, the cursor — and the
generations of every request row the viewer may see (``ListGeneration`` ``s:<street>``, ``u:<user>``,
``o:<organisation>``, raised by triggers on each request write; tickets migration 0010) and ``names``.
Filters that read the clock or other tables (``overdue``, ``place_id``, ``care_tag``) are not cached.
With ``settings.LIST_CACHE_VERIFY`` (on in the tests) every hit is compared with a fresh read and a
difference raises, so each test that lists after a write checks that its write moved a generation.

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

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db import connections, router
from django.db.models import Q, Subquery
from django.utils import timezone, translation

from linli.accounts.selectors import remember_generation_names, signed_in_generations
from linli.core.pagination import Page
from linli.core.prepared import prepared_cursor, text_in, texts_parameter
from linli.core.scoping import current_position_rows, liaison_organisations, scope_for_any
from linli.places.models import STREET_PATH_LENGTH
from linli.tickets.deadlines import text_stable_until
from linli.tickets.models import STAFF_CAPABILITIES, ListGeneration, Ticket
from linli.tickets.selectors import TicketFilters, page_rows, ticket_page_keys

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


class StaleListCache(AssertionError):
    """A cached key-query answer differed from a fresh one (``settings.LIST_CACHE_VERIFY``): some
    write changed what a viewer may see without raising a generation in the entry's key."""


def queue_page_keys(*, user: Any, filters: TicketFilters, cursor: str | None, limit: int) -> Page[Stamped]:
    """``ticket_page_keys(user, filters, …, columns=STAMPS)``, from the cache while no request the viewer
    may see has been written since (one small statement reads the generations, or the token sign-in
    did, in its own statement, when this token's last list read the same names), else read and kept.

    The generations are read before the key query, so a write landing in between can only make an
    entry newer than its key, never older."""
    cache = caches[CACHE_ALIAS]
    names = None if isinstance(cache, DummyCache) else _generation_names(user, filters)
    if names is None:
        return ticket_page_keys(user, filters, cursor=cursor, limit=limit, columns=STAMPS)
    alias = router.db_for_read(Ticket)  # the generations and the key query from one database
    exact, prefixes = names
    generations = None if prefixes else signed_in_generations(user, alias=alias, names=exact)
    if generations is None:  # not read by this request's token sign-in (docs/scaling.md, session 28)
        generations = _read_generations(exact, prefixes, alias=alias)
        if not prefixes:
            remember_generation_names(user, exact)
    key = _keys_key(user, filters, cursor, limit, generations)
    hit = cache.get(key)
    if hit is not None:
        if settings.LIST_CACHE_VERIFY:
            fresh = ticket_page_keys(user, filters, cursor=cursor, limit=limit, columns=STAMPS, using=alias)
            if (fresh.items, fresh.next) != (hit.items, hit.next):
                raise StaleListCache(f"cached {hit!r} but the rows now read {fresh!r} (generations {generations!r})")
        return hit  # type: ignore[no-any-return]
    page = ticket_page_keys(user, filters, cursor=cursor, limit=limit, columns=STAMPS, using=alias)
    cache.set(key, page, timeout=LONGEST.total_seconds())
    return page


# The generations with these exact names, one statement text whatever their number, so it is prepared once.
_EXACT = {
    vendor: f"SELECT name, value FROM tickets_listgeneration WHERE {text_in('name', vendor)}"  # noqa: S608
    for vendor in ("postgresql", "sqlite")
}


def _read_generations(exact: list[str], prefixes: list[str], *, alias: str) -> list[tuple[str, int]]:
    """(name, value) of the generations with these names or prefixes that exist in database ``alias``,
    in name order. The key query's database: a replica behind the one the generations came from would
    store an older list under newer generations. A token's reload usually needs none of this: its sign-in
    read the same names in its own statement (``accounts.selectors.signed_in_generations``; session 11 had
    tried that for every sign-in, before the statements were prepared, and dropped it; session 28 reads them
    only for a token whose list named them; docs/scaling.md)."""
    if not prefixes:  # equality on the key: one statement text, prepared (core.prepared)
        vendor = connections[alias].vendor
        with prepared_cursor(alias) as cursor:
            cursor.execute(_EXACT[vendor], [texts_parameter(exact, vendor)])
            return sorted((name, int(value)) for name, value in cursor.fetchall())
    condition = Q(name__in=exact)
    for prefix in prefixes:
        condition |= Q(name__startswith=prefix)
    return sorted(ListGeneration.objects.using(alias).filter(condition).values_list("name", "value"))


def _generation_names(user: Any, filters: TicketFilters) -> tuple[list[str], list[str]] | None:
    """(exact names, name prefixes) of the generations that move when a request the viewer may see is
    written; ``None`` when the list also depends on the clock or on other tables than requests."""
    if not getattr(user, "is_authenticated", False):
        return None
    if filters.overdue is not None or filters.place_id is not None or filters.care_tag is not None:
        return None
    exact = ["names", f"u:{user.pk}", *(f"o:{org}" for org in sorted(liaison_organisations(user)))]
    scope = scope_for_any(user, STAFF_CAPABILITIES)
    prefixes = ["s:"] if scope.everything else []
    for root in scope.paths:
        if len(root) >= STREET_PATH_LENGTH:
            exact.append(f"s:{root[:STREET_PATH_LENGTH]}")
        else:
            prefixes.append(f"s:{root}")  # every street under a district, and the district's own requests
    return exact, prefixes


def _keys_key(
    user: Any, filters: TicketFilters, cursor: str | None, limit: int, generations: list[tuple[str, int]]
) -> str:
    viewer = (user.pk, user.is_active, user.is_superuser, timezone.localdate(), current_position_rows(user))
    # The filters by their dataclass repr, which names every field (``astuple`` deep-copied them: about half
    # of this key's cost on every reload, 0.016–0.021 → 0.010 ms).
    parts = [FORMAT, viewer, filters, cursor, limit, generations]
    return "tickets.keys:" + hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()
