"""Per-row fast paths for the 100,000-row import, each checked by a test against the slow original.

A profile of the import (``BENCH_PROFILE=1 bench/import_residents.py``) showed that after the
sheet parser the costs were the library checks run once per row: phonenumbers' full parse,
stdnum's region lookup and ``compact``, Python's ``hmac`` set-up for the keyed hash, and
cryptography's Fernet (about 30 µs a token, two tokens a row). These helpers do the same work with
the per-row set-up hoisted where that is safe:

- ``valid_id_fast`` / ``phone_fast`` accept only what ``normalise_id_number`` /
  ``normalise_phone`` accept and return "" otherwise, so the caller asks the original, which
  then words the error;
- ``linli.core.crypto.KeyedHasher`` (used here) is ``keyed_hash`` with the key schedule computed once;
- ``BulkEncryptor`` is ``crypto.Encryptor`` (library AEAD under the newest key), built once per batch.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from django.utils import timezone
from phonenumbers import PhoneMetadata
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from linli.core.crypto import Encryptor
from linli.core.identifiers import half_width

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
    text = half_width(raw).strip().upper()
    if len(text) != 18 or not text.isascii() or not text[:17].isdigit() or ric.calc_check_digit(text) != text[17]:
        return "", None
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "", None
    if born > (today or timezone.localdate()) or born.year < 1890:  # the same bounds as normalise_id_number
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


class BulkEncryptor(Encryptor):
    """``crypto.encrypt`` for many values: ``linli.core.crypto.Encryptor`` (the configured AEAD
    cipher under the newest key), with the key ring looked up once per batch."""
