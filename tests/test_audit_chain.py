"""The audit log is a hash chain: verify_audit finds the first broken link; retention keeps it verifiable."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from linli.audit.models import AuditChainHead, AuditEvent, AuditSeal
from linli.audit.services import audit_purge, audit_record, audit_seal_pending, audit_verify_chain
from linli.core.errors import InvalidInput

pytestmark = pytest.mark.django_db


def _drop_update_trigger() -> None:
    """What a DBA with full rights could do before tampering."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_update ON audit_auditevent")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_update")


def test_an_untouched_log_verifies_and_the_command_says_ok(users):
    for n in range(5):
        audit_record(action="test.event", actor=users["admin"], n=n)
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "audit chain OK" in out.getvalue()
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_seq == AuditSeal.objects.count() >= 5
    assert AuditEvent.objects.filter(seal__isnull=True).count() == 0


def test_each_link_names_the_previous_one(users):
    first = audit_record(action="test.a", actor=users["admin"])
    second = audit_record(action="test.b", actor=users["admin"])
    audit_seal_pending()
    a, b = AuditSeal.objects.get(event=first), AuditSeal.objects.get(event=second)
    assert b.seq == a.seq + 1
    assert b.prev_hash == a.hash
    assert len(a.hash) == 64 and a.hash != b.hash


def test_an_edited_event_breaks_the_chain_at_that_event_and_the_command_fails(users):
    audit_record(action="test.before", actor=users["admin"])
    victim = audit_record(action="resident.reveal", actor=users["street"], reason="核实")
    audit_record(action="test.after", actor=users["admin"])
    audit_seal_pending()
    _drop_update_trigger()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_label = 'nobody' WHERE id = %s", [victim.pk])
    report = audit_verify_chain()
    assert not report.ok
    assert report.broken_event_id == victim.pk
    assert "改动" in report.reason
    with pytest.raises(CommandError, match=f"audit event id {victim.pk}"):
        call_command("verify_audit", stdout=io.StringIO())


def test_a_deleted_event_is_reported_as_a_missing_link(users):
    audit_record(action="test.before", actor=users["admin"])
    victim = audit_record(action="login.failed", actor_label="x", success=False)
    audit_record(action="test.after", actor=users["admin"])
    audit_seal_pending()
    seq = AuditSeal.objects.get(event=victim).seq
    AuditSeal.objects.filter(event=victim).delete()
    AuditEvent.objects.filter(pk=victim.pk).delete()
    report = audit_verify_chain()
    assert not report.ok
    assert report.broken_seq == seq
    assert "缺失" in report.reason


def test_deleting_the_newest_links_is_caught_by_the_head(users):
    audit_record(action="test.before", actor=users["admin"])
    last = audit_record(action="test.last", actor=users["admin"])
    audit_seal_pending()
    AuditSeal.objects.filter(event=last).delete()
    AuditEvent.objects.filter(pk=last.pk).delete()
    report = audit_verify_chain()
    assert not report.ok
    assert "链尾" in report.reason


def test_events_of_a_rolled_back_transaction_are_never_sealed(users):
    audit_seal_pending()
    before = AuditSeal.objects.count()
    try:
        with transaction.atomic():
            audit_record(action="test.rolled_back", actor=users["admin"])
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    audit_seal_pending()
    assert AuditSeal.objects.count() == before
    assert audit_verify_chain().ok


def test_seals_cannot_be_updated_either(users):
    audit_record(action="test.event", actor=users["admin"])
    audit_seal_pending()
    seal = AuditSeal.objects.order_by("-seq").first()
    # the database trigger's error type differs per vendor
    with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cursor:  # noqa: B017
        cursor.execute("UPDATE audit_auditseal SET hash = 'x' WHERE id = %s", [seal.pk])
    seal.refresh_from_db()
    assert seal.hash != "x"


def test_retention_cannot_be_shorter_than_180_days():
    with pytest.raises(InvalidInput, match="180"):
        audit_purge(older_than_days=30)
    with pytest.raises(CommandError, match="180"):
        call_command("purge_audit", "--older-than-days", "10", stdout=io.StringIO())


def test_purging_old_events_keeps_the_rest_of_the_chain_verifiable(users):
    _drop_update_trigger()
    old = [audit_record(action="test.old", actor=users["admin"]) for _ in range(3)]
    long_ago = timezone.now() - dt.timedelta(days=400)
    with connection.cursor() as cursor:  # age the very first events of the log, before sealing
        cursor.execute("UPDATE audit_auditevent SET at = %s", [long_ago])
    audit_seal_pending()
    young = audit_record(action="test.young", actor=users["admin"])
    audit_seal_pending()
    removed = audit_purge()
    audit_seal_pending()
    assert removed >= 3
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    purge = AuditEvent.objects.get(action="audit.purged")
    assert purge.detail["removed"] == removed
    assert audit_verify_chain().ok


def test_moving_the_retention_anchor_by_hand_is_detected(users):
    audit_record(action="test.event", actor=users["admin"])
    audit_seal_pending()
    AuditChainHead.objects.filter(pk=1).update(anchor_seq=1, anchor_hash="f" * 64)
    report = audit_verify_chain()
    assert not report.ok
    assert "锚点" in report.reason
