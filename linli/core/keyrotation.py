"""Key rotation for every encrypted column and, on request, the keyed search hash.

Encrypted columns are found, not listed: every concrete model field whose name ends in ``_enc``
(ID numbers, phones, Open311 e-mails, webhook URLs and secrets …). A column ``X_enc`` with a
``X_hash`` beside it is a searchable pair; ``HASH_KINDS`` says which namespace its hash uses.

Both passes walk each table by primary key in batches, one transaction per batch, and skip rows
already done (a value sealed under the newest key and cipher; a hash that already matches the new
key), so an interrupted run is resumed by running it again. Nothing is ever blanked: a value no
configured key opens stops the run with the table and row named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import models, transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Conflict

# ``<name>_hash`` beside ``<name>_enc`` is HMAC("<kind>:<value>"): the kinds the services use.
HASH_KINDS = {"id_number": "id", "phone": "phone"}


@dataclass
class RotationReport:
    rows_checked: int = 0
    values_resealed: int = 0
    hashes_rekeyed: int = 0
    hashes_unmatched: int = 0
    columns: list[str] = field(default_factory=list)


def encrypted_columns() -> Iterator[tuple[type[models.Model], list[str]]]:
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [
            f.name
            for f in model._meta.concrete_fields
            if f.name.endswith("_enc") and isinstance(f, models.TextField | models.CharField)
        ]
        if names:
            yield model, names


def _batches(model: type[models.Model], names: list[str], batch_size: int) -> Iterator[list[models.Model]]:
    last = None
    while True:
        with transaction.atomic():
            qs = model._default_manager.select_for_update().order_by("pk").only("pk", *names)
            if last is not None:
                qs = qs.filter(pk__gt=last)
            rows = list(qs[:batch_size])
            if not rows:
                return
            yield rows
        last = rows[-1].pk


def rotate_all(
    *,
    batch_size: int = 1000,
    old_hash_key: str = "",
    actor_label: str = "manage.py rotate_keys",
    progress: Callable[[str, int], None] | None = None,
) -> RotationReport:
    """Re-seal every encrypted value under the newest key; with ``old_hash_key`` also re-key the
    search hashes from the old ``LINLI_HASH_KEY`` to the current one."""
    report = RotationReport()
    for model, names in encrypted_columns():
        pairs = [n for n in names if n.removesuffix("_enc") in HASH_KINDS and _has(model, n)] if old_hash_key else []
        hash_fields = [n.removesuffix("_enc") + "_hash" for n in pairs]
        report.columns.extend(f"{model._meta.label}.{n}" for n in names)
        for rows in _batches(model, names + hash_fields, batch_size):
            changed: set[str] = set()
            for row in rows:
                for name in names:
                    token = getattr(row, name)
                    if crypto.needs_rotation(token):
                        try:
                            setattr(row, name, crypto.rotate(token))
                        except InvalidToken as exc:
                            raise Conflict(
                                _("%(model)s #%(pk)s 的 %(field)s 无法用任何已配置的密钥解密，轮换中止（未改动该行）")
                                % {"model": model._meta.label, "pk": row.pk, "field": name}
                            ) from exc
                        changed.add(name)
                        report.values_resealed += 1
                for name in pairs:
                    kind = HASH_KINDS[name.removesuffix("_enc")]
                    hash_name = name.removesuffix("_enc") + "_hash"
                    outcome = _rekey(row, name, hash_name, kind, old_hash_key)
                    if outcome == "rekeyed":
                        changed.add(hash_name)
                        report.hashes_rekeyed += 1
                    elif outcome == "unmatched":
                        report.hashes_unmatched += 1
            if changed:
                model._default_manager.bulk_update(rows, sorted(changed))
            report.rows_checked += len(rows)
            if progress:
                progress(model._meta.label, report.rows_checked)
    if old_hash_key:
        report.hashes_rekeyed += _rekey_login_phones(old_hash_key)
    audit_record(
        action="crypto.keys_rotated",
        actor_label=actor_label,
        rows=report.rows_checked,
        resealed=report.values_resealed,
        hashes_rekeyed=report.hashes_rekeyed,
        hashes_unmatched=report.hashes_unmatched,
        cipher=crypto.cipher_name(),
    )
    return report


def _has(model: type[models.Model], enc_name: str) -> bool:
    try:
        model._meta.get_field(enc_name.removesuffix("_enc") + "_hash")
    except Exception:
        return False
    return True


def _rekey(row: models.Model, enc: str, hash_name: str, kind: str, old_key: str) -> str:
    stored = getattr(row, hash_name)
    if not stored:
        return "empty"
    plain = crypto.decrypt(getattr(row, enc))
    if not plain or plain == crypto.UNREADABLE:
        return "unmatched"
    if stored == crypto.KeyedHasher(kind)(plain):
        return "done"
    if stored == crypto.KeyedHasher(kind, old_key)(plain):
        setattr(row, hash_name, crypto.KeyedHasher(kind)(plain))
        return "rekeyed"
    return "unmatched"


def _rekey_login_phones(old_key: str) -> int:
    """Accounts keep only a hash of the login phone; its clear value is the linked person's phone."""
    user_model = apps.get_model("accounts", "User")
    done = 0
    old, new = crypto.KeyedHasher("phone", old_key), crypto.KeyedHasher("phone")
    with transaction.atomic():
        users = (
            user_model._default_manager.select_for_update(of=("self",)).exclude(phone_hash="").select_related("person")
        )
        for user in users:
            person = user.person
            if person is None or not person.phone_enc:
                continue
            plain = crypto.decrypt(person.phone_enc)
            if user.phone_hash == old(plain):
                user.phone_hash = new(plain)
                user.save(update_fields=["phone_hash"])
                done += 1
    return done
