"""Security review of the apps added in sessions 20–22 (workforce, grants, venues, rota, guide, compound profiles,
业委会会议 oversight and attendance, compound charters), thinking as a grid worker, a resident and the staff of
another community. Each test pins one defect the review found; the fix landed with it."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from linli.deliberation.models import Decision, MeetingSignIn
from linli.deliberation.services_meetings import meeting_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(users: Any, places: Any) -> Any:
    return meeting_plan(
        actor=users["community"],
        place=places.compounds[0],
        kind="owners_committee",
        title="业委会会议",
        location="党群服务站",
        starts_at=timezone.now(),
    )


def test_a_sign_in_code_in_full_width_or_circled_digits_is_refused_not_a_500(
    client_as: Any, api_as: Any, meeting: Any
) -> None:
    client = client_as("resident")
    client.raise_request_exception = False
    url = f"/deliberation/meetings/{meeting.pk}/sign-in/"
    page = client.post(url, {"t": "①②③"}, follow=True)
    assert page.status_code == 200 and "签到码无效" in page.content.decode()
    api = api_as("resident")
    api.raise_request_exception = False
    answer = api.post(
        f"/api/v1/deliberation/meetings/{meeting.pk}/sign-in", {"token": "签到"}, content_type="application/json"
    )
    assert answer.status_code == 422 and answer.json()["field"] == "token"
    assert not MeetingSignIn.objects.filter(meeting=meeting).exists()


def test_a_decision_with_an_impossible_deadline_is_refused_naming_the_field_not_a_500(
    client_as: Any, meeting: Any
) -> None:
    client = client_as("community")
    client.raise_request_exception = False
    url = f"/deliberation/meetings/{meeting.pk}/decision/"
    for deadline in ("2026-02-30", "0001-01-01"):
        r = client.post(url, {"text": "加装路灯", "deadline": deadline}, follow=True)
        assert r.status_code == 200, deadline
    assert not Decision.objects.filter(meeting=meeting).exists()


def test_a_second_factor_code_in_circled_digits_is_refused_and_one_in_full_width_digits_is_accepted(
    users: Any,
) -> None:
    from django.test import Client

    from tests.test_accounts_identity import _enrol, _login, _now_code

    secret, _codes = _enrol(users["street"])
    client = Client(raise_request_exception=False)
    _login(client, "street")
    wrong = client.post("/accounts/2fa/", {"code": "①②③④⑤⑥"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.content.decode()
    full_width = _now_code(secret, 1).translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)})  # what an IME types
    ok = client.post("/accounts/2fa/", {"code": full_width, "next": "/places/"})
    assert ok.status_code == 302 and ok["Location"] == "/places/"
