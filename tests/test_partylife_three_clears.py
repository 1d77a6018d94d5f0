"""一会三清 (seed 001): a branch's work meeting (工作碰头会) is held only once its three 弄清 are written down —
the directives and key points from above, the situation and its causes, the tasks and the way to do them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from linli.core.errors import InvalidInput
from linli.partylife import services as s
from linli.partylife.models import Meeting, MeetingStatus
from linli.partylife.selectors import branch_figures, window_of
from tests import test_partylife

party = test_partylife.party  # the shared fixture

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
CLEARS = {
    "directives": "学习区委文件,本月重点是汛期安全",
    "causes": "3号楼地下室积水,排水泵老化",
    "tasks": "物业换泵,党员分楼栋巡查",
}


def _work_meeting(party: Any) -> Meeting:
    return s.meeting_plan(actor=party.secretary, branch_id=party.branch.pk, kind="work", title="六月碰头会", date=TODAY)


def test_a_work_meeting_is_held_with_its_three_clears_and_counts_in_the_figures(party: Any) -> None:
    start, end = window_of("month", TODAY)
    meeting = _work_meeting(party)
    s.meeting_record_minutes(actor=party.secretary, meeting_id=meeting.pk, minutes="定措施:周五前换泵", **CLEARS)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert (meeting.clear_directives, meeting.clear_causes, meeting.clear_tasks) == tuple(CLEARS.values())
    assert branch_figures([party.branch], start, end)[0].held.get("work") == 1


@pytest.mark.parametrize("missing", ["directives", "causes", "tasks"])
def test_a_work_meeting_missing_one_clear_is_refused_naming_it_and_stays_planned(party: Any, missing: str) -> None:
    meeting = _work_meeting(party)
    answers = {**CLEARS, missing: "   "}
    with pytest.raises(InvalidInput) as err:
        s.meeting_record_minutes(actor=party.secretary, meeting_id=meeting.pk, minutes="定措施", **answers)
    assert err.value.field == missing
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and meeting.minutes == "" and not meeting.attendance.exists()


def test_other_meetings_take_no_clears(party: Any) -> None:
    meeting = s.meeting_plan(actor=party.secretary, branch_id=party.branch.pk, kind="committee", title="支", date=TODAY)
    with pytest.raises(InvalidInput) as err:
        s.meeting_record_minutes(actor=party.secretary, meeting_id=meeting.pk, minutes="研究", causes="积水")
    assert err.value.field == "causes"
    s.meeting_record_minutes(actor=party.secretary, meeting_id=meeting.pk, minutes="研究")
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD


def test_the_page_asks_for_the_three_clears_keeps_the_meeting_planned_without_them_and_shows_them(
    party: Any,
) -> None:
    c = Client()
    c.force_login(party.secretary)
    meeting = _work_meeting(party)
    form = c.get(f"/party-life/meetings/{meeting.pk}/").content.decode()
    assert 'name="directives"' in form and 'name="causes"' in form and 'name="tasks"' in form
    c.post(f"/party-life/meetings/{meeting.pk}/minutes/", {"minutes": "定措施", **CLEARS, "tasks": ""})
    page = c.get(f"/party-life/meetings/{meeting.pk}/").content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED
    assert "请写明弄清的当前任务和方法路径" in page
    c.post(f"/party-life/meetings/{meeting.pk}/minutes/", {"minutes": "定措施:周五前换泵", **CLEARS})
    page = c.get(f"/party-life/meetings/{meeting.pk}/").content.decode()
    assert 'id="three-clears"' in page and CLEARS["causes"] in page
    other = s.meeting_plan(actor=party.secretary, branch_id=party.branch.pk, kind="lecture", title="党课", date=TODAY)
    assert 'name="directives"' not in c.get(f"/party-life/meetings/{other.pk}/").content.decode()


def test_the_api_records_a_work_meeting_with_its_clears_and_names_the_missing_one(party: Any) -> None:
    from linli.accounts.services import token_issue

    _, key = token_issue(user=party.secretary, name="t")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    r = api.post(
        f"/api/v1/party-life/branches/{party.branch.pk}/meetings",
        {"kind": "work", "title": "碰头会", "date": TODAY.isoformat()},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["three_clears"] is None
    mid = r.json()["id"]
    url = f"/api/v1/party-life/meetings/{mid}/minutes"
    bad = api.post(url, {"minutes": "定措施", "directives": "文件"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "causes"
    held = api.post(url, {"minutes": "定措施", **CLEARS}, content_type="application/json")
    assert held.status_code == 200
    assert held.json()["status"] == "held" and held.json()["three_clears"] == CLEARS
