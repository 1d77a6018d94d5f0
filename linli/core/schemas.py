from __future__ import annotations

from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    error: str
    detail: str
    field: str | None = None


class PageQuery(Schema):
    """Keyset page parameters shared by every list endpoint."""

    cursor: str | None = Field(None, description="opaque; pass back the previous page's `next`")
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")
