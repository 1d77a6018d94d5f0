"""Field encryption: AES-256-GCM by default, SM4-GCM when chosen, old Fernet values still readable,
and ``rotate_keys`` re-seals every encrypted column (and re-keys search hashes) so the old key can go."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from linli.core import crypto
from linli.core.keyrotation import encrypted_columns
from linli.people.models import Person, PersonPhone
from linli.people.selectors import LedgerFilter, filtered_ledger


def test_new_values_are_sealed_with_aes_256_gcm_by_default():
    token = crypto.encrypt("11010119800501001X")
    assert token.startswith("a1:") and "11010119800501001X" not in token
    assert crypto.decrypt(token) == "11010119800501001X"
    assert crypto.encrypt("same") != crypto.encrypt("same"), "a fresh nonce every time"


@pytest.mark.skipif(not crypto.sm4_available(), reason="this OpenSSL has no SM4-GCM")
def test_sm4_gcm_is_selectable_and_reads_back():
    with override_settings(FIELD_CIPHER="sm4-gcm"):
        token = crypto.encrypt("+8613812345678")
        assert token.startswith("s1:")
        assert crypto.decrypt(token) == "+8613812345678"
    assert crypto.decrypt(token) == "+8613812345678", "decryption follows the prefix, not the setting"


def test_an_unknown_cipher_name_fails_loudly():
    from django.core.exceptions import ImproperlyConfigured

    with override_settings(FIELD_CIPHER="des"), pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


def test_values_written_as_fernet_tokens_before_the_switch_still_decrypt(settings):
    legacy = Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode()).encrypt(b"+8613900001111").decode()
    assert crypto.decrypt(legacy) == "+8613900001111"
    assert crypto.needs_rotation(legacy)
    assert crypto.rotate(legacy).startswith("a1:")


def test_a_tampered_ciphertext_is_refused_not_misread():
    token = crypto.encrypt("11010119800501001X")
    tag, kid, body = token.split(":", 2)
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    assert crypto.decrypt(f"{tag}:{kid}:{flipped}") == crypto.UNREADABLE
    assert crypto.decrypt(f"s1:{kid}:{body}") == crypto.UNREADABLE, "the cipher tag is bound to the value"


def test_every_encrypted_column_is_found_for_rotation():
    found = {f"{m._meta.label}.{n}" for m, names in encrypted_columns() for n in names}
    assert {"people.Person.id_number_enc", "people.Person.phone_enc", "people.PersonPhone.phone_enc"} <= found
    assert "tickets.Ticket.phone_enc" in found
    assert any(c.startswith("notify.") for c in found) and any(c.startswith("interop.") for c in found)


def test_after_rotation_with_the_old_key_removed_everything_decrypts_and_search_still_works(settings, users):
    from linli.audit.models import AuditEvent

    old = list(settings.FIELD_ENCRYPTION_KEYS)
    person = filtered_ledger(users["admin"], LedgerFilter()).exclude(id_number_enc="").exclude(phone_enc="").first()
    # A row as it was written before AES-GCM: a Fernet token under the old key.
    legacy = Fernet(old[0].encode())
    Person.objects.filter(pk=person.pk).update(phone_enc=legacy.encrypt(person.phone.encode()).decode())
    id_number, phone = person.id_number, person.phone
    before = {p.pk: (p.id_number, p.phone) for p in Person.objects.exclude(id_number_enc="")[:200]}
    new = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, *old]):
        call_command("rotate_keys", "--batch-size", "37")
        call_command("rotate_keys", "--batch-size", "37")  # resumable: a second run has nothing to do
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):
        for column_model, names in encrypted_columns():
            for name in names:
                for token in column_model._default_manager.exclude(**{name: ""}).values_list(name, flat=True):
                    assert not crypto.needs_rotation(token)
                    assert crypto.decrypt(token) != crypto.UNREADABLE
        after = {p.pk: (p.id_number, p.phone) for p in Person.objects.filter(pk__in=before)}
        assert after == before
        fresh = Person.objects.get(pk=person.pk)
        assert (fresh.id_number, fresh.phone) == (id_number, phone)
        assert person.pk in filtered_ledger(users["admin"], LedgerFilter(q=id_number)).values_list("pk", flat=True)
    events = AuditEvent.objects.filter(action="crypto.keys_rotated")
    assert events.count() == 2 and events.order_by("pk").last().detail["resealed"] == 0


def test_rehash_moves_search_hashes_to_the_new_key_and_search_finds_people(settings, monkeypatch, users):
    old_key = settings.HASH_KEY
    person = filtered_ledger(users["admin"], LedgerFilter()).exclude(id_number_enc="").exclude(phone_enc="").first()
    extra = PersonPhone.objects.first()
    new_key = "n" * 64
    monkeypatch.setenv("LINLI_HASH_KEY_PREVIOUS", old_key)
    with override_settings(HASH_KEY=new_key):
        call_command("rotate_keys", "--rehash")
        fresh = Person.objects.get(pk=person.pk)
        assert fresh.id_number_hash == crypto.keyed_hash("id", person.id_number)
        assert fresh.phone_hash == crypto.keyed_hash("phone", person.phone)
        found = filtered_ledger(users["admin"], LedgerFilter(q=person.id_number)).values_list("pk", flat=True)
        assert person.pk in found
        if extra is not None:
            assert PersonPhone.objects.get(pk=extra.pk).phone_hash == crypto.keyed_hash("phone", extra.phone)
        resident = users["resident"]
        if resident.person and resident.person.phone:
            resident.refresh_from_db()
            assert resident.phone_hash in ("", crypto.keyed_hash("phone", resident.person.phone))


def test_rehash_without_the_previous_key_refuses(monkeypatch):
    monkeypatch.delenv("LINLI_HASH_KEY_PREVIOUS", raising=False)
    with pytest.raises(CommandError):
        call_command("rotate_keys", "--rehash")


def test_rotation_stops_rather_than_blank_a_value_no_key_opens(settings, db):
    person = Person.objects.exclude(phone_enc="").first()
    stranger = Fernet(Fernet.generate_key()).encrypt(b"+8613700000000").decode()
    Person.objects.filter(pk=person.pk).update(phone_enc=stranger)
    with pytest.raises(CommandError, match=f"#{person.pk}"):
        call_command("rotate_keys")
    assert Person.objects.get(pk=person.pk).phone_enc == stranger


def test_the_people_rotate_keys_service_still_works_through_the_new_scheme(settings, db):
    from linli.people.maintenance import rotate_keys

    assert rotate_keys(batch_size=100) >= 1
