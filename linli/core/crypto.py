"""Encryption at rest for ID and phone numbers, with a keyed hash for exact search.

New values are sealed with an AEAD cipher chosen by ``LINLI_FIELD_CIPHER``:

- ``aes-256-gcm`` (default): cryptography's ``AESGCM``;
- ``sm4-gcm``: the national standard block cipher SM4 (GB/T 32907) in GCM mode, offered when the
  installed OpenSSL has it (``sm4_available()``; OpenSSL 3.x/4.x built with SM4 does).

A sealed value is ``"<tag>:<key id>:<base64url(nonce ‖ ciphertext ‖ GCM tag)>"`` — tag ``a1`` for
AES-256-GCM, ``s1`` for SM4-GCM; the key id is the first 8 hex digits of SHA-256 of the key, so
decryption picks the right key directly and ``needs_rotation`` can tell what is under an old key
or an old cipher without decrypting. The prefix is bound to the ciphertext as associated data.
Values written before this scheme are Fernet tokens (they start ``gAAAA`` and hold no colon);
they keep decrypting under any key in ``FIELD_ENCRYPTION_KEYS`` until ``manage.py rotate_keys``
re-seals them.

``FIELD_ENCRYPTION_KEYS`` (env ``LINLI_FIELD_KEYS``, newest first) holds base64url 32-byte keys
(the Fernet key format, so old keys stay valid). Each cipher gets its own key derived from the
configured key with HKDF-SHA256, so one secret never serves two algorithms.

The search hash is HMAC-SHA256 under ``HASH_KEY`` over a *normalised* value, namespaced by kind so
an ID number and a phone number never share a hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

UNREADABLE = "[无法解密]"
CIPHERS = {"aes-256-gcm": "a1", "sm4-gcm": "s1"}
_TAG_CIPHER = {tag: name for name, tag in CIPHERS.items()}
_NONCE = 12
_GCM_TAG = 16


@lru_cache(maxsize=1)
def sm4_available() -> bool:
    """Whether the OpenSSL under ``cryptography`` offers SM4 in GCM mode."""
    try:
        enc = Cipher(algorithms.SM4(b"\0" * 16), modes.GCM(b"\0" * _NONCE)).encryptor()
        enc.update(b"probe")
        enc.finalize()
    except Exception:  # UnsupportedAlgorithm, or SM4 missing from the build
        return False
    return True


def cipher_name() -> str:
    name = str(getattr(settings, "FIELD_CIPHER", "aes-256-gcm"))
    if name not in CIPHERS:
        raise ImproperlyConfigured(f"LINLI_FIELD_CIPHER must be one of {sorted(CIPHERS)}, not {name!r}")
    if name == "sm4-gcm" and not sm4_available():
        raise ImproperlyConfigured("LINLI_FIELD_CIPHER=sm4-gcm but this OpenSSL does not offer SM4-GCM")
    return name


def _raw_key(key: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("LINLI_FIELD_KEYS holds a key that is not base64url") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("LINLI_FIELD_KEYS keys must be 32 bytes (base64url, like a Fernet key)")
    return raw


def key_id(key: str) -> str:
    return hashlib.sha256(_raw_key(key)).hexdigest()[:8]


def _derive(raw: bytes, cipher: str) -> bytes:
    length = 32 if cipher == "aes-256-gcm" else 16
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=f"linli field {cipher}".encode()).derive(raw)


@dataclass(frozen=True)
class _Key:
    kid: str
    aes: bytes
    sm4: bytes


@lru_cache(maxsize=8)
def _keyring(keys: tuple[str, ...]) -> tuple[dict[str, _Key], MultiFernet]:
    ring: dict[str, _Key] = {}
    for key in keys:
        raw = _raw_key(key)
        kid = hashlib.sha256(raw).hexdigest()[:8]
        ring.setdefault(kid, _Key(kid=kid, aes=_derive(raw, "aes-256-gcm"), sm4=_derive(raw, "sm4-gcm")))
    return ring, MultiFernet([Fernet(k.encode()) for k in keys])


def _keys() -> tuple[str, ...]:
    keys = tuple(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    return keys


def _open(ring: dict[str, _Key], token: str) -> bytes:
    tag, kid, payload = token.split(":", 2)
    key = ring.get(kid)
    cipher = _TAG_CIPHER.get(tag)
    if key is None or cipher is None:
        raise InvalidToken
    blob = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    nonce, body = blob[:_NONCE], blob[_NONCE:]
    aad = f"{tag}:{kid}:".encode()
    if cipher == "aes-256-gcm":
        return AESGCM(key.aes).decrypt(nonce, body, aad)
    dec = Cipher(algorithms.SM4(key.sm4), modes.GCM(nonce, body[-_GCM_TAG:])).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(body[:-_GCM_TAG]) + dec.finalize()


class Encryptor:
    """``encrypt`` for many values: the key ring, the cipher, the token's prefix and (AES) the cipher object
    are set up once, not per value (the bulk import seals two values a row)."""

    def __init__(self) -> None:
        keys = _keys()
        cipher = cipher_name()
        ring, _ = _keyring(keys)
        self._key = ring[key_id(keys[0])]
        self._prefix = f"{CIPHERS[cipher]}:{self._key.kid}:"
        self._aad = self._prefix.encode()
        # AESGCM takes the nonce per call and is reused; the SM4-GCM mode object is bound to its nonce.
        self._aes = AESGCM(self._key.aes) if cipher == "aes-256-gcm" else None

    def __call__(self, plaintext: str) -> str:
        if not plaintext:
            return ""
        data = plaintext.encode()
        nonce = os.urandom(_NONCE)
        if self._aes is not None:
            body = self._aes.encrypt(nonce, data, self._aad)
        else:
            enc = Cipher(algorithms.SM4(self._key.sm4), modes.GCM(nonce)).encryptor()
            enc.authenticate_additional_data(self._aad)
            body = enc.update(data) + enc.finalize() + enc.tag
        return self._prefix + base64.urlsafe_b64encode(nonce + body).decode().rstrip("=")


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return Encryptor()(plaintext)


def _decrypt_bytes(token: str) -> bytes:
    ring, fernet = _keyring(_keys())
    if ":" in token:
        try:
            return _open(ring, token)
        except (InvalidTag, ValueError, binascii.Error) as exc:
            raise InvalidToken from exc
    return fernet.decrypt(token.encode())


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _decrypt_bytes(token).decode()
    except InvalidToken:
        # A key was dropped before re-encryption finished: show that, never crash a page.
        return UNREADABLE


def needs_rotation(token: str) -> bool:
    """True when ``token`` is not sealed under the newest key with the configured cipher."""
    if not token:
        return False
    return not token.startswith(f"{CIPHERS[cipher_name()]}:{key_id(_keys()[0])}:")


def rotate(token: str) -> str:
    """Re-seal under the newest key and the configured cipher (used by ``manage.py rotate_keys``).

    Raises ``InvalidToken`` when no configured key opens it: rotation must never write a blank."""
    if not token or not needs_rotation(token):
        return token
    return encrypt(_decrypt_bytes(token).decode())


class KeyedHasher:
    """HMAC-SHA256 of ``"{kind}:{value}"`` under ``HASH_KEY`` (or ``key``), with the key schedule done
    once, so a 100k-row import hashes without rebuilding it per row."""

    def __init__(self, kind: str, key: str | None = None) -> None:
        secret = settings.HASH_KEY if key is None else key
        self._base = hmac.new(secret.encode(), f"{kind}:".encode(), hashlib.sha256)

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
