"""Encryption at rest for ID and phone numbers, with a keyed hash for exact search.

Ciphertexts are Fernet tokens under a MultiFernet built from ``FIELD_ENCRYPTION_KEYS``
(newest first), so keys rotate by prepending a new key and re-encrypting. The search hash
is HMAC-SHA256 under ``HASH_KEY`` over a *normalised* value, namespaced by kind so an ID
number and a phone number never share a hash.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        # A key was dropped before re-encryption finished: show that, never crash a page.
        return "[无法解密]"


def rotate(token: str) -> str:
    """Re-encrypt under the newest key (used by ``manage.py rotate_keys``)."""
    if not token:
        return ""
    return _current().rotate(token.encode()).decode()


class KeyedHasher:
    """HMAC-SHA256 of ``"{kind}:{value}"`` under ``HASH_KEY``, with the key schedule done once,
    so a 100k-row import hashes without rebuilding it per row."""

    def __init__(self, kind: str) -> None:
        self._base = hmac.new(settings.HASH_KEY.encode(), f"{kind}:".encode(), hashlib.sha256)

    def __call__(self, normalised: str) -> str:
        if not normalised:
            return ""
        mac = self._base.copy()
        mac.update(normalised.encode())
        return mac.hexdigest()


def keyed_hash(kind: str, normalised: str) -> str:
    return KeyedHasher(kind)(normalised)


def token_digest(raw: str) -> str:
    """Digest for API tokens and one-time codes (never stored in clear)."""
    return hashlib.sha256(raw.encode()).hexdigest()
