"""Pluggable SMS backends. The product talks to ``send_sms``; which gateway answers is configuration.

- ``ConsoleSmsBackend`` (development): writes the message to the log, so a developer can read
  the login code in the ``make run`` console.
- ``HttpSmsBackend``: POSTs JSON ``{"phone", "text"}`` to ``LINLI_SMS_HTTP_URL`` — the shape a
  small adapter in front of a carrier's gateway (阿里云, 腾讯云 …) accepts — with the outbox row's
  ``Idempotency-Key`` header, which the adapter must honour (a repeated key is acknowledged and not
  sent again; 阿里云 ``OutId`` / 腾讯云 ``SessionContext`` carry it to the carrier). Tests run it
  against a local fake server that does.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("linli.sms")


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str, key: str = "") -> None: ...


class ConsoleSmsBackend:
    def send(self, *, phone: str, text: str, key: str = "") -> None:
        log.warning("SMS to %s: %s", phone, text)


class HttpSmsBackend:
    def __init__(self, url: str | None = None, timeout: float = 5.0) -> None:
        self.url = url or settings.SMS_HTTP_URL
        self.timeout = timeout

    def send(self, *, phone: str, text: str, key: str = "") -> None:
        if not self.url.startswith(("http://", "https://")):
            raise RuntimeError("LINLI_SMS_HTTP_URL must be an http or https URL")
        body = json.dumps({"phone": phone, "text": text}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url, data=body, headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


class OutboxSmsBackend:
    """Keeps messages in memory; for tests that read the code a resident would receive."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str, key: str = "") -> None:
        self.outbox.append((phone, text))


@lru_cache(maxsize=4)
def _backend(path: str) -> SmsBackend:
    return import_string(path)()  # type: ignore[no-any-return]


def send_sms(*, phone: str, text: str, key: str = "") -> None:
    """Send one SMS; ``key`` (the outbox row's) lets the gateway drop a resend of the same message."""
    backend = _backend(settings.SMS_BACKEND)
    if key:
        backend.send(phone=phone, text=text, key=key)
    else:
        backend.send(phone=phone, text=text)
