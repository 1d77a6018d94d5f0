"""Helpers for the 小区规章制度 tests: a charter recorded through the service, the compounds of the story, and
documents to attach."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linli.cobuilding.models import CompoundCharter
from linli.cobuilding.services_charters import charter_record
from linli.places.models import Place

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def record(actor: Any, compound: Place, **extra: Any) -> CompoundCharter:
    """A 管理规约 written with the party's leadership, adopted 100 days ago by the owners' assembly (``extra``
    changes any of it); the charter, whether it was created or found."""
    values: dict[str, Any] = {
        "kind": "management_covenant",
        "title": f"{compound.name}管理规约",
        "adopted_on": days(-100),
        "adopted_how": "owners_assembly",
        "party_leadership": True,
        "summary": "小区党支部领导下的协商议事机制",
    }
    values.update(extra)
    charter, _created = charter_record(actor=actor, compound_id=compound.pk, **values)
    return charter


def pdf_upload(name: str = "规约.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def compounds_of(community: Place) -> list[Place]:
    return list(Place.objects.filter(kind="compound", path__startswith=community.path).order_by("path"))
