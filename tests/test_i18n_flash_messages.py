"""Flash messages written in views follow the reader's language, one page of each app that writes them.

The message is translated when the view adds it, in the language of the request that did the action (here the
``Accept-Language`` header, as a browser sends it), and shown as it is on the next page. The static side —
no Chinese literal in a flash message or anywhere else in a view module without ``gettext`` — is in
tests/test_i18n_errors.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from linli.tickets.services import ticket_submit
from linli.visits.models import Visit
from tests import test_partylife
from tests.test_visits import household_in, six_checks

pytestmark = pytest.mark.django_db
party = test_partylife.party  # the shared fixture
CJK = re.compile(r"[\u3400-\u9fff]")
EN = {"HTTP_ACCEPT_LANGUAGE": "en", "follow": True}
ZH = {"follow": True}


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in English leaves English active in this thread; later tests expect Chinese."""
    yield
    translation.deactivate()


def flashed(response: Any) -> list[str]:
    """The messages shown on the page the action redirected to (post with ``follow=True``)."""
    assert response.redirect_chain, "the action should redirect to a page that shows its messages"
    return [str(m) for m in response.context["messages"]]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_tickets_the_bulk_count_and_its_refusals_are_english_and_plural(client_as, users):
    ids = [ticket_submit(actor=users["resident"], description=f"批量诉求{i}")[0].pk for i in range(3)]
    client = client_as("grid")
    client.post("/requests/bulk/", {"bulk_action": "accept", "ids": ids[:1]}, **ZH)

    english = flashed(client.post("/requests/bulk/", {"bulk_action": "accept", "ids": ids}, **EN))

    assert english[0] == "2 requests processed"
    assert english[1].startswith(f"#{ids[0]}: ") and not CJK.search(english[1])
    chinese = flashed(client.post("/requests/bulk/", {"bulk_action": "accept", "ids": ids[:1]}, **ZH))
    assert len(chinese) == 1 and chinese[0].startswith(f"#{ids[0]}:") and CJK.search(chinese[0])


def test_tickets_an_action_on_the_detail_page_and_the_timeline_read_in_english(client_as, users):
    ticket = ticket_submit(actor=users["resident"], description="楼道灯不亮")[0]
    client = client_as("grid")

    response = client.post(reverse("tickets:act", args=[ticket.pk]), {"action": "accept"}, **EN)

    assert flashed(response) == ["Done: Accepted"]
    page = client.get(reverse("tickets:detail", args=[ticket.pk]), **EN).content.decode()
    assert "Request submitted" in page and "提交诉求" not in page
    assert "提交诉求" in client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()


def test_visits_recording_a_visit_and_turning_a_finding_into_a_request(client_as, places):
    household = household_in(places.first_grid)
    client = client_as("grid")
    form = {
        "household_id": household.pk,
        "kind": "key_household",
        "template_id": six_checks().pk,
        "answer_people": "在家",
        "findings": "下水道堵塞",
        "idempotency_key": "english-1",
    }

    recorded = client.post(reverse("visits:new"), form, **EN)
    again = client.post(reverse("visits:new"), form, **ZH)  # the same key: already recorded, said in Chinese

    assert flashed(recorded) == ["Visit recorded."]
    assert flashed(again) == ["这次走访已经记录过了。"]
    visit = Visit.objects.get()
    finding = visit.findings.get()
    to_request = client.post(
        reverse("visits:act", args=[visit.pk]), {"action": "to_request", "finding_id": finding.pk}, **EN
    )
    finding.refresh_from_db()
    assert flashed(to_request) == [f"Turned into request {finding.ticket.number}"]


def test_deliberation_signing_in_to_a_meeting(client_as, users, places):
    from linli.deliberation.services_meetings import meeting_plan

    meeting = meeting_plan(
        actor=users["community"],
        place=places.compounds[0],
        kind="council",
        title="议事会",
        location="党群服务站",
        starts_at=timezone.now(),
    )

    response = client_as("resident").post(
        reverse("deliberation:meeting_sign_in", args=[meeting.pk]), {"t": meeting.checkin_token}, **EN
    )

    assert flashed(response) == ["Checked in"]


def test_partylife_planning_a_meeting_and_signing_in(party):
    secretary = _client(party.secretary)
    today = timezone.localdate().isoformat()

    planned = secretary.post(
        f"/party-life/branches/{party.branch.pk}/meeting/",
        {"kind": "theme_day", "title": "主题党日", "date": today},
        **EN,
    )
    signed = _client(party.member_user).post(planned.redirect_chain[-1][0] + "sign-in/", **EN)

    assert flashed(planned) == ["Meeting planned"]
    assert flashed(signed) == ["Checked in"]


def test_volunteering_a_wish_reviewed_and_claimed_and_a_form_refused(client_as, users):
    from linli.volunteering import wishes as w

    wish = w.wish_submit(actor=users["resident"], title="想要一副老花镜")
    url = reverse("volunteering:wish_act", args=[wish.pk])

    approved = client_as("community").post(url, {"action": "approve"}, **EN)
    claimed = client_as("volunteer").post(url, {"action": "claim"}, **ZH)
    refused = client_as("community").post(reverse("volunteering:team_member_add"), {"team_id": ""}, **EN)

    assert flashed(approved) == ["Published"]
    assert flashed(claimed) == ["认领成功"]
    assert flashed(refused) == ["Choose a team and a volunteer"]


def test_cobuilding_a_grant_to_a_fund(client_as, users, places):
    from linli.cobuilding import services_funds as sf
    from linli.orgs.models import PartyOrg

    branch = PartyOrg.objects.get(kind="branch", place=places.compounds[0])
    fund = sf.fund_open(actor=users["street"], holder="branch", name="测试经费", party_org=branch)

    response = client_as("street").post(
        reverse("cobuilding:fund_action", args=[fund.pk, "grant"]),
        {"kind": "startup", "amount": "3000", "note": "启动经费"},
        **EN,
    )

    assert flashed(response) == ["Grant recorded"]
