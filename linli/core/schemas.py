from __future__ import annotations

from ninja import Schema
from pydantic import BaseModel, Field


class OutSchema(BaseModel):
    """Base of response shapes the code builds itself (dicts and instances of these classes).

    ninja's ``Schema`` wraps every object it validates in a ``DjangoGetter`` so that it can read ORM
    objects' attributes; a response built as plain dicts pays that wrapper on every field of every
    nested object — a sixth of a 50-row request page's CPU (docs/scaling.md). These shapes take dicts
    and their own instances only, and pydantic validates them directly. The OpenAPI schema is the same.
    """


class ErrorOut(Schema):
    error: str
    detail: str
    field: str | None = None


class PageQuery(Schema):
    """Keyset page parameters shared by every list endpoint."""

    cursor: str | None = Field(None, description="opaque; pass back the previous page's `next`")
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")
