"""Key rotation and retention for the ledger (``manage.py rotate_keys`` / ``purge_ledger``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from linli.audit.services import audit_record
from linli.core import crypto
from linli.people.models import CorrectionRequest, Person, PersonPhone, PersonTag

ANONYMISED_NAME = "已匿名"


def retention_days() -> int:
    """Days a moved-out resident's record is kept before anonymisation (default three years)."""
    return int(settings.LEDGER_RETENTION_DAYS)


def rotate_keys(*, batch_size: int = 1000, progress: Callable[[int], None] | None = None) -> int:
    """Re-encrypt every ID and phone under the newest key, one transaction per batch (resumable)."""
    done = 0
    for model, fields in ((Person, ["id_number_enc", "phone_enc"]), (PersonPhone, ["phone_enc"])):
        last = 0
        while True:
            with transaction.atomic():
                rows = list(model.objects.filter(pk__gt=last).order_by("pk").only("pk", *fields)[:batch_size])
                if not rows:
                    break
                for row in rows:
                    for name in fields:
                        setattr(row, name, crypto.rotate(getattr(row, name)))
                model.objects.bulk_update(rows, fields)
            last = rows[-1].pk
            done += len(rows)
            if progress:
                progress(done)
    audit_record(action="resident.keys_rotated", actor_label="manage.py rotate_keys", rows=done)
    return done


@dataclass
class PurgeReport:
    cutoff: dt.date
    candidates: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    anonymised: int = 0


def purge_ledger(
    *, commit: bool, today: dt.date | None = None, actor_label: str = "manage.py purge_ledger"
) -> PurgeReport:
    """Anonymise records whose move-out is older than the retention period. Dry run unless ``commit``.

    People who still hold an account or a position are skipped and listed: their record is in use.
    Residence history stays (addresses and dates only); names, identifiers, phones, tags and notes go.
    """
    cutoff = (today or timezone.localdate()) - dt.timedelta(days=retention_days())
    report = PurgeReport(cutoff=cutoff)
    rows = Person.objects.filter(anonymised_at__isnull=True, moved_out_on__lt=cutoff).values_list(
        "pk", "user", "positions"
    )
    for pk, user_id, position_id in rows:
        if user_id or position_id:
            if not any(s[0] == pk for s in report.skipped):
                report.skipped.append((pk, "仍有账号或岗位"))
        elif pk not in report.candidates:
            report.candidates.append(pk)
    if not commit or not report.candidates:
        return report
    with transaction.atomic():
        for start in range(0, len(report.candidates), 1000):
            batch = report.candidates[start : start + 1000]
            PersonPhone.objects.filter(person_id__in=batch).delete()
            PersonTag.objects.filter(person_id__in=batch).delete()
            CorrectionRequest.objects.filter(person_id__in=batch).update(requested_value="", message="")
            report.anonymised += Person.objects.filter(pk__in=batch).update(**_blank())
        audit_record(
            action="resident.purged", actor_label=actor_label, rows=report.anonymised, cutoff=cutoff.isoformat()
        )
    return report


def _blank() -> dict[str, Any]:
    return {
        "name": ANONYMISED_NAME,
        "gender": "",
        "birth_date": None,
        "id_number_enc": "",
        "id_number_hash": "",
        "phone_enc": "",
        "phone_hash": "",
        "workplace": "",
        "notes": "",
        "relation_to_head": "",
        "political_status": "",
        "is_party_member": False,
        "anonymised_at": timezone.now(),
        "updated_at": timezone.now(),
    }
