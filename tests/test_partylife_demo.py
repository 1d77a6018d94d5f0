"""The party-life demo data: branches get members, held meetings, study and secretaries."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.utils import timezone

from linli.orgs.models import PartyOrg
from linli.partylife.demo import build_demo_partylife
from linli.partylife.models import BranchProfile, Meeting, Membership, SecretaryRecord, StudyCompletion
from linli.partylife.selectors import branch_figures, window_of

pytestmark = pytest.mark.django_db


def test_the_demo_gives_every_branch_members_meetings_and_a_filed_secretary(users: Any) -> None:
    build_demo_partylife(random.Random(3))
    branches = list(PartyOrg.objects.filter(kind="branch"))
    assert BranchProfile.objects.count() == len(branches)
    assert SecretaryRecord.objects.count() == len(branches)
    assert Membership.objects.filter(person=users["volunteer"].person).exists()
    assert Meeting.objects.filter(status="held").count() > len(branches)
    assert (
        StudyCompletion.objects.filter(method="delivered").exists()
        or not Membership.objects.filter(is_elderly_or_infirm=True).exists()
    )
    figures = branch_figures(branches, *window_of("year", timezone.localdate()))
    assert all(f.members > 0 for f in figures)
    assert any(f.attendance_rate is not None for f in figures)
