"""Per-row fast paths for the 100,000-row import, each checked by a test against the slow original.

A profile of the import (``BENCH_PROFILE=1 bench/import_residents.py``) showed that after the
sheet parser the costs were the library checks run once per row: phonenumbers' full parse,
stdnum's region lookup and ``compact``, Python's ``hmac`` set-up for the keyed hash, and above all
cryptography's Fernet, which builds a new cipher, padder and HMAC object for every token (about
30 µs each, two tokens a row). These helpers do the same work with the per-row set-up hoisted:

- ``valid_id_fast`` / ``phone_fast`` accept only what ``normalise_id_number`` /
  ``normalise_phone`` accept and return "" otherwise, so the caller asks the original, which
  then words the error;
- ``KeyedHasher`` is ``crypto.keyed_hash`` with the key schedule computed once;
- ``BulkEncryptor`` writes standard Fernet tokens (spec: github.com/fernet/spec) under the
  newest key: AES-128-CBC with a fresh random IV per token and PKCS7 padding, HMAC-SHA256 over
  version, timestamp, IV and ciphertext. CBC is computed block by block over one AES context
  (``E(P ⊕ previous)``), which is what CBC is; only the object set-up is shared, never an IV.
  ``crypto.decrypt`` and ``rotate_keys`` read the tokens like any other.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
import struct
import time
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from phonenumbers import PhoneMetadata
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

_CN = PhoneMetadata.metadata_for_region("CN")
_MOBILE = _CN.mobile if _CN is not None else None
assert _MOBILE is not None and _MOBILE.national_number_pattern is not None
CN_MOBILE = re.compile(_MOBILE.national_number_pattern)


@lru_cache(maxsize=65536)
def birth_place_known(area: str, year: str) -> bool:
    """``cn.ric``'s own region check (was the county assigned in that year?), once per area and year."""
    try:
        ric.get_birth_place(f"{area}{year}01010000")
    except StdnumError:
        return False
    return True


def valid_id_fast(raw: str, today: dt.date | None = None) -> tuple[str, dt.date | None]:
    """The checks of ``normalise_id_number`` (length, digits, check digit, date, region) with the
    region lookup cached; returns the number and its birth date, or ("", None) for "ask
    ``normalise_id_number``", which then names the exact problem."""
    text = raw.strip().upper()
    if len(text) != 18 or not text[:17].isdigit() or ric.calc_check_digit(text) != text[17]:
        return "", None
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "", None
    if born > (today or dt.date.today()) or born.year < 1890:  # the same bounds as normalise_id_number
        return "", None
    return (text, born) if birth_place_known(text[:6], text[6:10]) else ("", None)


def phone_fast(raw: str) -> str:
    """``normalise_phone`` for the common case, a mainland mobile number (``138 1234 5678``,
    ``+86-138-1234-5678``), matched against the same phonenumbers metadata pattern without a full
    parse. "" means "ask ``normalise_phone``"."""
    text = raw.strip().replace(" ", "").replace("-", "")
    if text.startswith("+86"):
        text = text[3:]
    if len(text) == 11 and text.isascii() and text.isdigit() and CN_MOBILE.fullmatch(text):
        return "+86" + text
    return ""


class KeyedHasher:
    """``crypto.keyed_hash(kind, value)`` with the HMAC key schedule and the kind prefix done once."""

    def __init__(self, kind: str) -> None:
        self._base = hmac.new(settings.HASH_KEY.encode(), f"{kind}:".encode(), hashlib.sha256)

    def __call__(self, normalised: str) -> str:
        if not normalised:
            return ""
        mac = self._base.copy()
        mac.update(normalised.encode())
        return mac.hexdigest()


class BulkEncryptor:
    """``crypto.encrypt`` for many values: Fernet tokens under the newest key, set-up done once."""

    VERSION = b"\x80"

    def __init__(self) -> None:
        key = base64.urlsafe_b64decode(settings.FIELD_ENCRYPTION_KEYS[0])
        if len(key) != 32:
            raise ValueError("Fernet key must be 32 url-safe base64-encoded bytes")
        self._mac = hmac.new(key[:16], digestmod=hashlib.sha256)
        self._aes = Cipher(algorithms.AES(key[16:]), modes.ECB()).encryptor()  # noqa: S305 - one block at a time, chained below

    def __call__(self, plaintext: str) -> str:
        if not plaintext:
            return ""
        data = plaintext.encode()
        pad = 16 - len(data) % 16
        data += bytes([pad]) * pad
        iv = os.urandom(16)
        previous = int.from_bytes(iv, "big")
        blocks = []
        for start in range(0, len(data), 16):
            mixed = (int.from_bytes(data[start : start + 16], "big") ^ previous).to_bytes(16, "big")
            block = self._aes.update(mixed)
            blocks.append(block)
            previous = int.from_bytes(block, "big")
        signed = self.VERSION + struct.pack(">Q", int(time.time())) + iv + b"".join(blocks)
        mac = self._mac.copy()
        mac.update(signed)
        return base64.urlsafe_b64encode(signed + mac.digest()).decode()
