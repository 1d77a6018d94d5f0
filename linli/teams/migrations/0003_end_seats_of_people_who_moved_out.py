"""Seats held by people the ledger already shows as moved out (before the move-out ended seats itself) end on
the move-out day, their duty items back with the post: 配齐率 no longer counts people who left."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone


def end_seats(apps: Any, schema_editor: Any) -> None:
    TeamMember = apps.get_model("teams", "TeamMember")
    DutyItem = apps.get_model("teams", "DutyItem")
    stale = TeamMember.objects.filter(ended_on__isnull=True, person__moved_out_on__isnull=False).select_related(
        "person"
    )
    for member in stale:
        member.ended_on = max(member.person.moved_out_on, member.started_on)
        member.end_reason = "迁出"
        member.save(update_fields=["ended_on", "end_reason"])
        DutyItem.objects.filter(member=member).update(member=None, updated_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("teams", "0002_seed_default_standard")]

    operations = [migrations.RunPython(end_seats, migrations.RunPython.noop)]
