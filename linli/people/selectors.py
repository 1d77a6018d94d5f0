"""Reads of the resident ledger: scoped search, one person, one household. No N+1.

Every read starts from ``Person.objects.visible_to(user)``. Sensitive care tags are dropped
here, before anything reaches a page, an export or the API, unless the viewer holds the
``sensitive`` capability over the person's address.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from linli.core import crypto
from linli.core.errors import InvalidInput, NotFound
from linli.core.identifiers import normalise_id_number, normalise_phone
from linli.core.pagination import Page, keyset_page
from linli.core.scoping import Scope, access, get_or_not_found, scope_for
from linli.people.models import (
    CareTag,
    CorrectionRequest,
    CorrectionStatus,
    Ownership,
    Person,
    PersonPhone,
    PersonTag,
    Residence,
    ResidenceType,
)
from linli.places.models import Household, Place


@dataclass(frozen=True)
class LedgerFilter:
    q: str = ""
    tag: int | None = None
    building: int | None = None
    residence_type: str = ""
    include_moved_out: bool = False


def _tags_prefetch() -> Prefetch:
    return Prefetch("person_tags", queryset=PersonTag.objects.select_related("tag").order_by("tag__sort"))


def ledger_queryset(user: Any) -> QuerySet[Person]:
    return (
        Person.objects.visible_to(user)
        .filter(anonymised_at__isnull=True)
        .select_related("place", "household")
        .prefetch_related(_tags_prefetch())
    )


def access_person(user: Any, pk: Any) -> Person:
    qs = Person.objects.select_related("place", "household").prefetch_related(_tags_prefetch(), "extra_phones")
    person = access(qs, user, pk)  # type: ignore[arg-type]
    attach_visible_tags([person], user)
    return person


def access_person_by_id_number(user: Any, raw: str, *, field: str) -> Person:
    """The resident in the user's ledger with this ID number (typed from a document, e.g. a proxy's 委托书)."""
    digest = crypto.keyed_hash("id", normalise_id_number(raw or "", field=field))
    person = Person.objects.visible_to(user).filter(anonymised_at__isnull=True, id_number_hash=digest).first()
    if person is None:
        raise NotFound(_("您可查看的台账中没有此身份证号的居民"), field=field)
    return person


def sensitive_scope(user: Any) -> Scope:
    return scope_for(user, "sensitive")


def attach_visible_tags(people: list[Person], user: Any, *, own: bool = False) -> None:
    """Set ``person.visible_tags``: sensitive ones only where the viewer may see them (or it is their own)."""
    scope = sensitive_scope(user)
    for person in people:
        allowed = own or scope.covers(person.place_path)
        person.visible_tags = [pt.tag for pt in person.person_tags.all() if allowed or not pt.tag.sensitive]  # type: ignore[attr-defined]


def visible_care_tags(user: Any) -> list[CareTag]:
    """Tags a user may filter by: sensitive ones only if they see them somewhere."""
    tags = list(CareTag.objects.filter(active=True))
    if sensitive_scope(user).empty:
        tags = [t for t in tags if not t.sensitive]
    return tags


def _text_condition(q: str) -> Q:
    """An ID number or a phone is matched exactly through its keyed hash; anything else by name."""
    text = q.strip()
    compact = text.replace(" ", "").replace("-", "")
    if len(compact) in (15, 18) and compact[:15].isdigit():
        try:
            return Q(id_number_hash=crypto.keyed_hash("id", normalise_id_number(compact, field="q")))
        except InvalidInput:
            return Q(pk__in=[])
    if compact.lstrip("+").isdigit() and len(compact) >= 11:
        try:
            digest = crypto.keyed_hash("phone", normalise_phone(compact, field="q"))
        except InvalidInput:
            return Q(pk__in=[])
        return Q(phone_hash=digest) | Q(pk__in=PersonPhone.objects.filter(phone_hash=digest).values("person_id"))
    return Q(name__contains=text)


def filtered_ledger(user: Any, filters: LedgerFilter) -> QuerySet[Person]:
    qs = ledger_queryset(user)
    if not filters.include_moved_out:
        qs = qs.filter(moved_out_on__isnull=True)
    if filters.q.strip():
        qs = qs.filter(_text_condition(filters.q))
    if filters.residence_type:
        if filters.residence_type not in ResidenceType.values:
            raise InvalidInput(_("人员类型无效"), field="residence_type")
        qs = qs.filter(residence_type=filters.residence_type)
    if filters.building is not None:
        building = Place.objects.filter(pk=filters.building).values_list("path", flat=True).first()
        qs = qs.filter(place_path__under=building) if building else qs.none()
    if filters.tag is not None:
        tag = CareTag.objects.filter(pk=filters.tag).first()
        if tag is None:
            return qs.none()
        qs = qs.filter(pk__in=PersonTag.objects.filter(tag=tag).values("person_id"))
        if tag.sensitive:  # never let a filter tell someone who carries a tag they may not see
            qs = qs.filter(sensitive_scope(user).q("place_path"))
    return qs


def search_ledger(user: Any, filters: LedgerFilter, *, cursor: str | None = None, limit: int = 50) -> Page[Person]:
    page = keyset_page(filtered_ledger(user, filters), key="id", cursor=cursor, limit=limit)
    attach_visible_tags(page.items, user)
    return page


def buildings_for_filter(user: Any) -> QuerySet[Place]:
    return Place.objects.visible_to(user).filter(kind="building").order_by("path")


@dataclass
class PersonDetail:
    person: Person
    residences: list[Residence]
    ownerships: list[Ownership]
    corrections: list[CorrectionRequest]
    capabilities: set[str]


def person_detail(user: Any, person: Person) -> PersonDetail:
    from linli.core.scoping import capabilities_at

    return PersonDetail(
        person=person,
        residences=list(Residence.objects.filter(person=person).select_related("place", "household")),
        ownerships=list(Ownership.objects.filter(person=person).select_related("household__place")),
        corrections=list(CorrectionRequest.objects.filter(person=person).order_by("-id")[:20]),
        capabilities=capabilities_at(user, person.place_path),
    )


@dataclass
class HouseholdDetail:
    household: Household
    members: list[Person]
    ownerships: list[Ownership]
    tags: list[CareTag]
    requests: list[Any]  # linli.tickets.models.Ticket, each with ``member`` (the submitting Person)


HOUSEHOLD_REQUEST_DAYS = 90
HOUSEHOLD_REQUESTS_SHOWN = 50


def access_household(user: Any, pk: Any) -> Household:
    return access(Household.objects.select_related("place"), user, pk)  # type: ignore[arg-type]


def household_detail(user: Any, household: Household) -> HouseholdDetail:
    members = list(ledger_queryset(user).filter(household=household).order_by("relation_to_head", "id"))
    attach_visible_tags(members, user)
    tags: dict[int, CareTag] = {}
    for member in members:
        for tag in member.visible_tags:  # type: ignore[attr-defined]
            tags.setdefault(tag.pk, tag)
    ownerships = list(
        Ownership.objects.filter(household=household, person__in=[m.pk for m in members]).select_related("person")
    )
    return HouseholdDetail(
        household=household,
        members=members,
        ownerships=ownerships,
        tags=list(tags.values()),
        requests=household_requests(user, household, members),
    )


def household_requests(user: Any, household: Household, members: list[Person]) -> list[Any]:
    """Requests (诉求) of the last 90 days submitted by a member about the household's unit or its
    building, among those the viewer may see. Anonymous requests are left out: listing them under a
    household would name who sent them. One query."""
    from django.utils import timezone

    from linli.tickets.models import Ticket

    by_person = {m.pk: m for m in members}
    if not by_person:
        return []
    paths = [household.place_path]
    if household.place.kind == "unit":  # the unit's building is its parent in the place tree
        paths.append(household.place_path[: -Place.steplen])
    since = timezone.now() - dt.timedelta(days=HOUSEHOLD_REQUEST_DAYS)
    rows = list(
        Ticket.objects.visible_to(user)
        .filter(
            place_path__in=paths,
            submitted_by__person_id__in=list(by_person),
            submitted_at__gte=since,
            anonymous=False,
        )
        .select_related("category", "submitted_by")
        .order_by("-submitted_at", "-id")[:HOUSEHOLD_REQUESTS_SHOWN]
    )
    for ticket in rows:
        submitter = ticket.submitted_by  # never None: the filter above names the submitter's person
        ticket.member = by_person.get(submitter.person_id) if submitter and submitter.person_id else None  # type: ignore[attr-defined]
    return rows


def correction_queue(user: Any, *, status: str = CorrectionStatus.OPEN) -> QuerySet[CorrectionRequest]:
    """Correction requests staff may resolve: scoped by ``manage`` (own requests are not a queue)."""
    scope = scope_for(user, "manage")
    return (
        CorrectionRequest.objects.filter(scope.q("place_path"), status=status)
        .select_related("person", "requested_by")
        .order_by("id")
    )


def access_correction(user: Any, pk: Any) -> CorrectionRequest:
    return access(CorrectionRequest.objects.select_related("person"), user, pk)  # type: ignore[arg-type]


def own_record(user: Any) -> Person | None:
    if not getattr(user, "person_id", None):
        return None
    person = (
        Person.objects.filter(pk=user.person_id)
        .select_related("place", "household")
        .prefetch_related(_tags_prefetch(), "extra_phones")
        .first()
    )
    if person is not None:
        attach_visible_tags([person], user, own=True)
    return person


def own_corrections(user: Any) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.filter(requested_by=user).order_by("-id")


def edit_scope(user: Any) -> Scope:
    """Where the user may keep the ledger: ``manage`` or ``handle`` (``admin`` is everything)."""
    manage, handle = scope_for(user, "manage"), scope_for(user, "handle")
    if manage.everything or handle.everything:
        return manage if manage.everything else handle
    return Scope.from_paths([*manage.paths, *handle.paths])


MOVE_IN_CHOICES = 1000  # buildings and units offered on the move-in form


@dataclass
class PersonEdit:
    person: Person
    capabilities: set[str]
    settable_tags: list[CareTag]
    current_tag_ids: set[int]
    phones: list[PersonPhone]
    ownerships: list[Ownership]
    move_in_places: list[Place]
    owner_households: list[Household]


def person_edit_context(user: Any, person: Person) -> PersonEdit:
    """Everything the staff edit page offers, for someone already allowed to edit ``person``.
    Sensitive tags appear (set or not) only for viewers with the ``sensitive`` capability there."""
    from linli.core.scoping import capabilities_at

    caps = capabilities_at(user, person.place_path)
    sees_sensitive = bool(caps & {"sensitive", "admin"})
    tags = [t for t in CareTag.objects.filter(active=True) if sees_sensitive or not t.sensitive]
    current = {pt.tag_id for pt in person.person_tags.all() if sees_sensitive or not pt.tag.sensitive}
    places = list(
        Place.objects.filter(edit_scope(user).q("path"), kind__in=["building", "unit"]).order_by("path")[
            :MOVE_IN_CHOICES
        ]
    )
    # Dwellings an owner may be registered for: those of the person's building (the usual case).
    building_path = person.place_path
    if person.place.kind == "unit":
        building_path = person.place_path[: -Place.steplen]
    households = list(
        Household.objects.filter(place_path__under=building_path).select_related("place").order_by("place_path", "room")
    )
    return PersonEdit(
        person=person,
        capabilities=caps,
        settable_tags=tags,
        current_tag_ids=current,
        phones=list(person.extra_phones.all()),
        ownerships=list(Ownership.objects.filter(person=person).select_related("household__place").order_by("-id")),
        move_in_places=places,
        owner_households=households,
    )


def access_person_phone(user: Any, person: Person, pk: Any) -> PersonPhone:
    return get_or_not_found(person.extra_phones, pk)


def access_ownership(user: Any, person: Person, pk: Any) -> Ownership:
    try:
        return Ownership.objects.visible_to(user).select_related("person").get(pk=pk, person=person)
    except (Ownership.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("未找到,或您无权查看")) from None


def access_place_for_move(user: Any, pk: Any) -> Place:
    """A building or unit where the user keeps the ledger (the same 404 for absent and outside)."""
    return get_or_not_found(
        Place.objects.filter(edit_scope(user).q("path"), kind__in=["building", "unit"]),
        pk,
        message=_("未找到该住址,或不在您的管辖范围内"),
    )


def access_household_for_owner(user: Any, pk: Any) -> Household:
    return get_or_not_found(
        Household.objects.filter(edit_scope(user).q("place_path")).select_related("place"),
        pk,
        message=_("未找到该房屋,或不在您的管辖范围内"),
    )
