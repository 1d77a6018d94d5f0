"""“四员一律”进小区: a session is planned, then recorded held (with who came and how many residents asked)
or cancelled; a dispute heard there becomes a mediation case linked back to it; the figures are exact."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.deliberation.models import LegalIntake, LegalSession, MediationCase
from linli.deliberation.selectors import mediation_rates
from linli.deliberation.selectors_legal import legal_figures
from linli.deliberation.services_legal import (
    Attendee,
    legal_intake_mediation,
    legal_intake_request,
    legal_session_cancel,
    legal_session_hold,
    legal_session_plan,
)
from linli.deliberation.services_mediation import mediation_close
from linli.deliberation.services_venues import venue_create
from linli.people.models import Person

pytestmark = pytest.mark.django_db

API = "/api/v1/deliberation"
TEAM = [
    Attendee(role="police", name="周警官", unit="派出所"),
    Attendee(role="judge", name="吴法官", unit="区法院"),
    Attendee(role="lawyer", name="钱律师", unit="律师事务所"),
]


def staff_person(place: Any) -> Person:
    return Person.objects.filter(positions__place__path__startswith=place.path).order_by("id").first()


def today() -> dt.date:
    return timezone.localdate()


def plan(users: Any, place: Any, *, who: str = "community", days_ago: int = 3, **kw: Any) -> LegalSession:
    return legal_session_plan(
        actor=users[who], place=place, scheduled_on=today() - dt.timedelta(days=days_ago), topics="物业纠纷咨询", **kw
    )


def held(users: Any, place: Any, *, consulted: int = 12, team: list[Attendee] = TEAM, **kw: Any) -> LegalSession:
    session = plan(users, place, **kw)
    return legal_session_hold(
        actor=users[kw.get("who", "community")],
        session=session,
        held_on=session.scheduled_on,
        residents_consulted=consulted,
        attendees=team,
    )


def test_a_planned_session_is_recorded_held_with_its_attendees_and_count_and_audited(users: Any, places: Any) -> None:
    session = plan(users, places.compounds[0], attendees=TEAM[:1])
    assert session.status == "planned" and session.attendees.count() == 1
    done = legal_session_hold(
        actor=users["community"],
        session=session,
        held_on=session.scheduled_on,
        residents_consulted=15,
        attendees=TEAM,
        summary="解答咨询",
    )
    assert done.status == "held" and done.residents_consulted == 15
    assert sorted(done.attendees.values_list("role", flat=True)) == ["judge", "lawyer", "police"]
    actions = set(AuditEvent.objects.filter(target_id=str(session.pk)).values_list("action", flat=True))
    assert {"legal_session.planned", "legal_session.held"} <= actions


def test_holding_twice_is_answered_with_the_held_session_and_audited_once(users: Any, places: Any) -> None:
    session = held(users, places.compounds[0])
    again = legal_session_hold(
        actor=users["community"], session=session, held_on=today(), residents_consulted=99, attendees=TEAM
    )
    assert again.residents_consulted == 12
    assert AuditEvent.objects.filter(action="legal_session.held", target_id=str(session.pk)).count() == 1


def test_illegal_transitions_are_refused_with_a_clear_conflict(users: Any, places: Any) -> None:
    session = held(users, places.compounds[0])
    with pytest.raises(Conflict, match="已开展"):
        legal_session_cancel(actor=users["community"], session=session, reason="下雨")
    cancelled = legal_session_cancel(actor=users["community"], session=plan(users, places.compounds[0]), reason="下雨")
    assert cancelled.status == "cancelled"
    assert legal_session_cancel(actor=users["community"], session=cancelled, reason="再点一次").cancel_reason == "下雨"
    with pytest.raises(Conflict, match="已取消"):
        legal_session_hold(
            actor=users["community"], session=cancelled, held_on=today(), residents_consulted=1, attendees=TEAM
        )
    with pytest.raises(Conflict):
        legal_intake_request(actor=users["community"], session=cancelled, description="x")


def test_holding_is_refused_in_the_future_without_attendees_or_with_a_bad_count(users: Any, places: Any) -> None:
    session = plan(users, places.compounds[0])
    cases = [
        {"held_on": today() + dt.timedelta(days=1), "residents_consulted": 1, "attendees": TEAM},
        {"held_on": today(), "residents_consulted": 1, "attendees": []},
        {"held_on": today(), "residents_consulted": -1, "attendees": TEAM},
        {"held_on": today(), "residents_consulted": 1, "attendees": [Attendee(role="mayor", name="某")]},
    ]
    for kw in cases:
        with pytest.raises(InvalidInput):
            legal_session_hold(actor=users["community"], session=session, **kw)
    session.refresh_from_db()
    assert session.status == "planned"


def test_a_session_is_planned_only_at_a_compound_or_community_by_staff_there(users: Any, places: Any) -> None:
    with pytest.raises(InvalidInput):
        plan(users, places.buildings[0])
    with pytest.raises(Forbidden):
        plan(users, places.other_community, who="grid")
    with pytest.raises(Forbidden):
        plan(users, places.compounds[0], who="resident")


def test_a_double_submitted_plan_with_one_key_makes_one_session(users: Any, places: Any) -> None:
    first = plan(users, places.compounds[0], idempotency_key="k" * 32)
    second = plan(users, places.compounds[0], idempotency_key="k" * 32)
    assert first.pk == second.pk
    with pytest.raises(Conflict):
        plan(users, places.compounds[1], idempotency_key="k" * 32)


def test_a_dispute_heard_at_a_held_session_becomes_a_mediation_case_at_its_venue(users: Any, places: Any) -> None:
    venue = venue_create(actor=users["community"], place=places.communities[0], name="平安驿站", kind="safety_post")
    session = held(users, places.compounds[0], venue=venue)
    intake = legal_intake_mediation(
        actor=users["community"],
        session=session,
        title="车位纠纷",
        dispute="车位被占",
        parties=["张先生", "李女士"],
        mediator=staff_person(places.compounds[0]),
        opened_on=today(),
    )
    case = MediationCase.objects.get(pk=intake.case_id)
    assert case.place_id == places.compounds[0].pk and case.venue_id == venue.pk
    assert case.legal_intake.session_id == session.pk
    assert AuditEvent.objects.filter(action="mediation.opened", target_id=str(case.pk)).exists()
    with pytest.raises(Conflict):  # only a held session takes cases in
        legal_intake_mediation(
            actor=users["community"],
            session=plan(users, places.compounds[0]),
            title="x",
            dispute="x",
            parties=["甲", "乙"],
            mediator=staff_person(places.compounds[0]),
            opened_on=today(),
        )


def test_a_matter_heard_at_a_held_session_becomes_a_request(users: Any, places: Any) -> None:
    session = held(users, places.compounds[0])
    intake = legal_intake_request(actor=users["community"], session=session, description="小区路灯坏了三盏")
    assert intake.ticket is not None and intake.ticket.place_path.startswith(places.compounds[0].path)
    assert intake.ticket.source == "meeting"


def test_a_double_submitted_intake_with_one_key_opens_one_case_and_files_one_request(users: Any, places: Any) -> None:
    session = held(users, places.compounds[0])
    dispute = {
        "title": "漏水纠纷",
        "dispute": "楼上漏水",
        "parties": ["甲", "乙"],
        "mediator": staff_person(places.compounds[0]),
        "opened_on": today(),
    }
    first = legal_intake_mediation(actor=users["community"], session=session, idempotency_key="m-1", **dispute)
    again = legal_intake_mediation(actor=users["community"], session=session, idempotency_key="m-1", **dispute)
    assert again.pk == first.pk and MediationCase.objects.filter(title="漏水纠纷").count() == 1
    one = legal_intake_request(actor=users["community"], session=session, description="路灯坏了", idempotency_key="r-1")
    two = legal_intake_request(actor=users["community"], session=session, description="路灯坏了", idempotency_key="r-1")
    assert one.pk == two.pk and session.intakes.count() == 2
    with pytest.raises(Conflict) as refused:  # the key of a mediation intake reused for a request
        legal_intake_request(actor=users["community"], session=session, description="另一件事", idempotency_key="m-1")
    assert refused.value.field == "Idempotency-Key"


def test_the_figures_count_held_sessions_by_role_consultations_intakes_venues_and_mediation_by_venue(
    users: Any, places: Any
) -> None:
    community = places.communities[0]
    venue = venue_create(actor=users["community"], place=community, name="平安驿站", kind="safety_post")
    venue_create(actor=users["community"], place=places.compounds[0], name="调解室", kind="mediation_room")
    a = held(users, places.compounds[0], consulted=10, venue=venue)
    held(users, places.compounds[1], consulted=5, team=TEAM[2:])
    plan(users, places.compounds[0])  # planned: not counted
    legal_session_cancel(actor=users["community"], session=plan(users, places.compounds[0]), reason="x")
    held(users, places.other_community, consulted=100, who="street")  # another community
    mediator = staff_person(places.compounds[0])
    outcomes = ["success", "success", "failure"]
    for outcome in outcomes:
        intake = legal_intake_mediation(
            actor=users["community"],
            session=a,
            title="纠纷",
            dispute="纠纷",
            parties=["甲", "乙"],
            mediator=mediator,
            opened_on=today(),
        )
        mediation_close(
            actor=users["community"], case=intake.case, outcome=outcome, closed_on=today(), agreement="协议"
        )
    legal_intake_request(actor=users["community"], session=a, description="路灯坏了")

    start, end = today() - dt.timedelta(days=30), today()
    f = legal_figures(users["community"], node=community, start=start, end=end)
    assert f.sessions_held == 2
    assert f.sessions_by_role == {"police": 1, "judge": 1, "lawyer": 2}
    assert f.residents_consulted == 15
    assert (f.cases_taken_in, f.mediation_taken_in, f.requests_taken_in) == (4, 3, 1)
    assert f.venues_active == 2
    by_venue = {r.label: (r.closed, r.success) for r in f.by_venue}
    assert by_venue["平安驿站"] == (3, 2)
    # the same success rate as the mediation rate page (one definition)
    rates = mediation_rates(users["community"], node=community, start=start, end=end)[0]
    assert f.mediation is not None
    assert (f.mediation.closed, f.mediation.success, f.mediation.rate) == (rates.closed, rates.success, rates.rate)
    assert (
        legal_figures(
            users["community"], node=community, start=end + dt.timedelta(1), end=end + dt.timedelta(2)
        ).sessions_held
        == 0
    )
    with pytest.raises(NotFound):
        legal_figures(users["community"], node=places.other_community, start=start, end=end)
    with pytest.raises(InvalidInput):
        legal_figures(users["community"], node=community, start=end, end=start)


def test_the_session_api_plans_holds_takes_a_case_in_and_refuses_a_second_transition(
    users: Any, places: Any, api_as: Any
) -> None:
    api = api_as("community")
    created = api.post(
        f"{API}/legal-sessions",
        {
            "place_id": places.compounds[0].pk,
            "scheduled_on": today().isoformat(),
            "topics": "婚姻家庭",
            "attendees": [{"role": "police", "name": "周警官", "unit": "派出所"}],
        },
        content_type="application/json",
        headers={"Idempotency-Key": "abc123"},
    )
    assert created.status_code == 201, created.content
    sid = created.json()["id"]
    retry = api.post(
        f"{API}/legal-sessions",
        {"place_id": places.compounds[0].pk, "scheduled_on": today().isoformat(), "topics": "婚姻家庭"},
        content_type="application/json",
        headers={"Idempotency-Key": "abc123"},
    )
    assert retry.status_code == 201 and retry.json()["id"] == sid
    hold = {
        "held_on": today().isoformat(),
        "residents_consulted": 9,
        "attendees": [{"role": "lawyer", "name": "钱律师"}, {"role": "judicial", "name": "孙干事"}],
    }
    answer = api.post(f"{API}/legal-sessions/{sid}/hold", hold, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "held"
    assert [a["role"] for a in answer.json()["attendees"]] == ["lawyer", "judicial"]
    assert api.post(f"{API}/legal-sessions/{sid}/hold", hold, content_type="application/json").status_code == 200
    cancel = api.post(f"{API}/legal-sessions/{sid}/cancel", {"reason": "x"}, content_type="application/json")
    assert cancel.status_code == 409 and cancel.json()["error"] == "conflict"
    intake = api.post(
        f"{API}/legal-sessions/{sid}/mediation",
        {
            "title": "漏水",
            "dispute": "楼上漏水",
            "parties": ["甲", "乙"],
            "mediator_id": staff_person(places.compounds[0]).pk,
            "opened_on": today().isoformat(),
        },
        content_type="application/json",
    )
    assert intake.status_code == 201 and intake.json()["kind"] == "mediation"
    assert LegalIntake.objects.get(pk=intake.json()["id"]).case_id == intake.json()["case_id"]
    assert api.get(f"{API}/legal-sessions/{sid}").json()["intakes"] == 1
    node = places.communities[0].pk
    figures = api.get(f"{API}/legal-figures?node={node}&start={today()}&end={today()}").json()
    assert figures["sessions_held"] == 1 and figures["residents_consulted"] == 9 and figures["cases_taken_in"] == 1
    assert {r["role"]: r["sessions"] for r in figures["sessions_by_role"]}["lawyer"] == 1


def test_another_communitys_staff_and_residents_get_404_for_a_session(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    session = plan(users, places.other_community, who="street")
    for who in ("grid", "community", "resident"):
        assert client_as(who).get(f"/deliberation/legal-sessions/{session.pk}/").status_code == 404
        assert api_as(who).get(f"{API}/legal-sessions/{session.pk}").status_code == 404
        assert (
            client_as(who).post(f"/deliberation/legal-sessions/{session.pk}/cancel/", {"reason": "x"}).status_code
            == 404
        )
    session.refresh_from_db()
    assert session.status == "planned"
    assert api_as("street").get(f"{API}/legal-sessions/{session.pk}").status_code == 200


def test_staff_plan_hold_and_take_a_case_in_through_the_pages(users: Any, places: Any, client_as: Any) -> None:
    client = client_as("community")
    form = client.get("/deliberation/legal-sessions/new/").content.decode()
    assert 'name="idempotency_key"' in form
    data = {
        "place_id": places.compounds[0].pk,
        "scheduled_on": today().isoformat(),
        "topics": "电信诈骗防范",
        "attendee_role": ["police", "lawyer"],
        "attendee_name": ["周警官", ""],
        "attendee_unit": ["派出所", ""],
        "idempotency_key": "f" * 32,
    }
    first = client.post("/deliberation/legal-sessions/new/", data)
    second = client.post("/deliberation/legal-sessions/new/", data)
    assert first["Location"] == second["Location"]
    session = LegalSession.objects.get(topics="电信诈骗防范")
    assert session.attendees.count() == 1
    client.post(
        f"/deliberation/legal-sessions/{session.pk}/hold/",
        {
            "held_on": today().isoformat(),
            "residents_consulted": "21",
            "attendee_role": ["police", "judge", "lawyer"],
            "attendee_name": ["周警官", "吴法官", "钱律师"],
            "attendee_unit": ["", "", ""],
        },
    )
    session.refresh_from_db()
    assert session.status == "held" and session.residents_consulted == 21
    detail = client.get(f"/deliberation/legal-sessions/{session.pk}/").content.decode()
    key = re.search(r'name="idempotency_key" value="(m-[0-9a-f]+)"', detail)
    assert key is not None
    case = {"title": "噪音纠纷", "parties": "甲,乙", "dispute": "装修", "opened_on": today().isoformat()}
    for _ in range(2):  # a double-clicked 转调解
        client.post(f"/deliberation/legal-sessions/{session.pk}/mediation/", {**case, "idempotency_key": key[1]})
    assert MediationCase.objects.filter(title="噪音纠纷", legal_intake__session=session).count() == 1
    detail = client.get(f"/deliberation/legal-sessions/{session.pk}/").content.decode()
    assert "噪音纠纷" in detail and "21" in detail
    cancel = client.post(f"/deliberation/legal-sessions/{session.pk}/cancel/", {"reason": "x"}, follow=True)
    assert "不能改为" in cancel.content.decode()
    assert client.get("/deliberation/legal-sessions/figures/").status_code == 200
    assert client_as("resident").get("/deliberation/legal-sessions/new/").status_code == 404
    assert client_as("resident").get("/deliberation/legal-sessions/figures/").status_code == 404


def _count(client: Any, url: str) -> int:
    client.get(url)  # once before counting: the first request of a token or session writes its last use
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_session_list_page_and_api_do_not_grow_in_queries_with_rows(
    users: Any, places: Any, client_as: Any, api_as: Any
) -> None:
    held(users, places.compounds[0])
    page, api = client_as("community"), api_as("community")
    node = places.communities[0].pk
    figures = f"/deliberation/legal-sessions/figures/?node={node}"
    few = (_count(page, "/deliberation/legal-sessions/"), _count(api, f"{API}/legal-sessions"), _count(page, figures))
    venue = venue_create(actor=users["community"], place=places.communities[0], name="平安驿站", kind="safety_post")
    for i in range(5):
        held(users, places.compounds[i % 2], venue=venue)
    many = (_count(page, "/deliberation/legal-sessions/"), _count(api, f"{API}/legal-sessions"), _count(page, figures))
    assert many == few
