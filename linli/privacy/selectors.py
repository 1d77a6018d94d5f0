"""Reads for the privacy register and the data-subject request queue (scoped)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from linli.core.scoping import access
from linli.privacy.models import OPEN_REQUEST_STATUSES, DataCategory, SubjectRequest


def categories() -> QuerySet[DataCategory]:
    return DataCategory.objects.all()


def request_queue(user: Any, *, status: str = "") -> QuerySet[SubjectRequest]:
    """Requests of residents in the user's ``manage`` scope (plus their own), open ones first by deadline."""
    qs = SubjectRequest.objects.visible_to(user).select_related("person", "submitted_by")
    if status == "open":
        qs = qs.filter(status__in=OPEN_REQUEST_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    return qs


def own_requests(user: Any) -> QuerySet[SubjectRequest]:
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return SubjectRequest.objects.none()
    return SubjectRequest.objects.filter(person_id=person_id).order_by("-id")


def access_request(user: Any, pk: Any) -> SubjectRequest:
    return access(SubjectRequest.objects.select_related("person", "correction"), user, pk)
