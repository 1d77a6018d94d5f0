from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    error: str
    detail: str
    field: str | None = None
