"""Errors that services raise and every page and API endpoint maps the same way.

Services never return ``None`` for "not found" or raise ``ValueError`` for a rule broken
by the user: they raise one of these, and the HTTP layer turns it into 404/403/409/422.
"""

from __future__ import annotations


class LinliError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"error": self.code, "detail": self.message, "field": self.field}


class NotFound(LinliError):
    """The object does not exist, or exists outside the caller's scope (deliberately the same)."""

    status = 404
    code = "not_found"


class Forbidden(LinliError):
    """The caller can see the object but may not do this to it."""

    status = 403
    code = "forbidden"


class Conflict(LinliError):
    """The action is not allowed in the object's current state."""

    status = 409
    code = "conflict"


class InvalidInput(LinliError):
    """The input breaks a rule; ``field`` names the offending field when there is one."""

    status = 422
    code = "invalid"


class RetryLater(LinliError):
    """Not now: the same call succeeds later. ``retry_after`` (seconds) becomes the ``Retry-After`` header."""

    default_retry_after = 1

    def __init__(self, message: str, *, retry_after: int | None = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = max(1, int(self.default_retry_after if retry_after is None else retry_after))


class Busy(RetryLater):
    """The database gave way for a moment (a deadlock, a serialization failure, a lost connection):
    the transaction was rolled back whole, and the same call a moment later will succeed. HTTP 503."""

    status = 503
    code = "busy"
