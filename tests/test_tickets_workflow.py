"""The request state machine, one transition at a time, with its permissions and refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.orgs.models import Organisation
from linli.people.models import Position
from linli.tickets import transitions as tr
from linli.tickets.models import Rating, Status, Ticket, TicketEvent
from linli.tickets.services import ticket_submit
from linli.tickets.workflow import TRANSITIONS, allowed_actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(users):
    t, created = ticket_submit(
        actor=users["resident"], description="3栋楼道灯坏了,晚上很黑", contact_phone="13812345678"
    )
    assert created
    return t


def accepted(ticket, users):
    return tr.ticket_accept(actor=users["grid"], ticket_id=ticket.pk)


def claimed(ticket, users):
    accepted(ticket, users)
    tr.ticket_publish(actor=users["grid"], ticket_id=ticket.pk)
    return tr.ticket_claim(actor=users["volunteer"], ticket_id=ticket.pk)


def resolved(ticket, users):
    claimed(ticket, users)
    return tr.ticket_resolve(actor=users["volunteer"], ticket_id=ticket.pk, note="已更换灯泡")


def actions_of(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).values_list("action", flat=True))


def test_submission_gets_a_number_deadlines_and_an_event(ticket, users):
    year = timezone.localtime().year
    assert ticket.number.startswith(f"{year}-") and len(ticket.number) == 11
    assert ticket.status == Status.SUBMITTED
    assert ticket.place_id == users["resident"].person.place_id
    assert ticket.response_due > ticket.submitted_at and ticket.resolve_due > ticket.response_due
    assert ticket.contact_phone_masked == "138****5678"
    assert "13812345678" not in ticket.phone_enc
    assert actions_of(ticket) == ["submit"]


def test_numbers_are_sequential(users):
    a, _ = ticket_submit(actor=users["resident"], description="一")
    b, _ = ticket_submit(actor=users["resident"], description="二")
    assert int(b.number[-6:]) == int(a.number[-6:]) + 1


def test_full_order_board_path(ticket, users):
    t = accepted(ticket, users)
    assert t.status == Status.ACCEPTED and t.responded_at and t.first_unit.kind == "grid"
    assert t.first_accepted_by == users["grid"]
    t = tr.ticket_publish(actor=users["grid"], ticket_id=t.pk, note="请党员认领")
    assert t.status == Status.PUBLISHED
    t = tr.ticket_claim(actor=users["volunteer"], ticket_id=t.pk)
    assert t.status == Status.CLAIMED and t.claimed_by == users["volunteer"]
    t = tr.ticket_start(actor=users["volunteer"], ticket_id=t.pk)
    assert t.status == Status.IN_PROGRESS
    t = tr.ticket_resolve(actor=users["volunteer"], ticket_id=t.pk, note="已更换")
    assert t.status == Status.RESOLVED and t.resolution == "已更换"
    t = tr.ticket_rate(actor=users["resident"], ticket_id=t.pk, rating=Rating.SATISFIED)
    assert t.status == Status.CLOSED and t.rating == Rating.SATISFIED
    assert actions_of(t) == ["submit", "accept", "publish", "claim", "start", "resolve", "rate", "close"]
    last = TicketEvent.objects.filter(ticket=t).last()
    assert last.actor is None and last.from_status == Status.RATED


def test_decline_needs_a_reason(ticket, users):
    with pytest.raises(InvalidInput):
        tr.ticket_decline(actor=users["grid"], ticket_id=ticket.pk, note="  ")
    t = tr.ticket_decline(actor=users["grid"], ticket_id=ticket.pk, note="属于司法诉讼范围,已耐心做好解释")
    assert t.status == Status.DECLINED
    assert tr.ticket_close(actor=users["grid"], ticket_id=t.pk).status == Status.CLOSED


def test_disallowed_transition_is_a_conflict_and_changes_nothing(ticket, users):
    with pytest.raises(Conflict, match="待受理"):
        tr.ticket_resolve(actor=users["grid"], ticket_id=ticket.pk, note="x")
    ticket.refresh_from_db()
    assert ticket.status == Status.SUBMITTED and not ticket.resolution
    assert actions_of(ticket) == ["submit"]


def test_resident_may_not_accept_their_own_request(ticket, users):
    with pytest.raises(Forbidden):
        tr.ticket_accept(actor=users["resident"], ticket_id=ticket.pk)


def test_grid_worker_of_another_grid_gets_not_found(ticket, users, places):
    other = ticket_submit(actor=users["community"], description="别处的问题", place_id=places.other_grid.pk)[0]
    with pytest.raises(NotFound):
        tr.ticket_accept(actor=users["grid"], ticket_id=other.pk)


def test_rating_someone_elses_request_is_refused(ticket, users, places):
    resolved(ticket, users)
    for who in ("grid", "volunteer"):
        with pytest.raises(Forbidden):
            tr.ticket_rate(actor=users[who], ticket_id=ticket.pk, rating=Rating.SATISFIED)
    elsewhere, _ = ticket_submit(actor=users["community"], description="别处", place_id=places.other_grid.pk)
    with pytest.raises(NotFound):
        tr.ticket_rate(actor=users["resident"], ticket_id=elsewhere.pk, rating=Rating.SATISFIED)
    assert Ticket.objects.get(pk=ticket.pk).rating == ""


def test_unsatisfied_reopens_once_after_a_supervisor_looks(ticket, users):
    resolved(ticket, users)
    with pytest.raises(InvalidInput):
        tr.ticket_rate(actor=users["resident"], ticket_id=ticket.pk, rating=Rating.UNSATISFIED)
    t = tr.ticket_rate(actor=users["resident"], ticket_id=ticket.pk, rating=Rating.UNSATISFIED, note="灯还是不亮")
    assert t.status == Status.RATED
    with pytest.raises(Forbidden):
        tr.ticket_reopen(actor=users["grid"], ticket_id=t.pk, note="再看看")  # grid workers do not supervise
    t = tr.ticket_reopen(actor=users["community"], ticket_id=t.pk, note="重新派人")
    assert t.status == Status.IN_PROGRESS and t.reopen_count == 1
    tr.ticket_resolve(actor=users["volunteer"], ticket_id=t.pk, note="换了整套灯具")
    t = tr.ticket_rate(actor=users["resident"], ticket_id=t.pk, rating=Rating.UNSATISFIED, note="还是不行")
    with pytest.raises(Conflict, match="一次"):
        tr.ticket_reopen(actor=users["community"], ticket_id=t.pk, note="再来")
    t = tr.ticket_appeal(actor=users["community"], ticket_id=t.pk, note="居民家中线路问题,非公共设施")
    assert t.rating_disputed
    with pytest.raises(Conflict):
        tr.ticket_appeal(actor=users["community"], ticket_id=t.pk, note="again")
    assert tr.ticket_close(actor=users["community"], ticket_id=t.pk).status == Status.CLOSED


def test_assign_to_community_and_transfer_to_property(ticket, users, places):
    accepted(ticket, users)
    community = places.communities[0]
    t = tr.ticket_assign(actor=users["grid"], ticket_id=ticket.pk, place_id=community.pk)
    assert t.status == Status.ASSIGNED and t.handling_place == community
    with pytest.raises(InvalidInput):
        tr.ticket_assign(actor=users["grid"], ticket_id=ticket.pk, place_id=places.other_grid.pk)
    with pytest.raises(InvalidInput):
        tr.ticket_assign(actor=users["grid"], ticket_id=ticket.pk)
    prop = Organisation.objects.filter(kind="property_company", serves=places.compounds[0]).first()
    if prop is not None:
        t = tr.ticket_transfer(actor=users["community"], ticket_id=t.pk, organisation_id=prop.pk, note="物业维修范围")
        assert t.handling_org == prop and t.status == Status.ASSIGNED
    with pytest.raises(InvalidInput):
        tr.ticket_transfer(actor=users["community"], ticket_id=t.pk, place_id=community.pk, note="")


def test_escalation_to_parent_level_and_acknowledgement(ticket, users, places):
    accepted(ticket, users)
    t = tr.ticket_escalate(actor=users["grid"], ticket_id=ticket.pk, note="需社区协调", ack_hours=4)
    assert t.status == Status.ESCALATED and t.handling_place == places.communities[0]
    assert t.ack_due - timezone.now() < dt.timedelta(hours=4, minutes=1)
    with pytest.raises(Forbidden):
        tr.ticket_acknowledge(actor=users["grid"], ticket_id=t.pk)  # the grid cannot report for the community
    t = tr.ticket_acknowledge(actor=users["community"], ticket_id=t.pk, note="社区报到")
    assert t.status == Status.ASSIGNED and t.ack_due is None
    assert TicketEvent.objects.get(ticket=t, action="acknowledge").data["on_time"] is True
    # the first unit stays accountable and keeps seeing it
    assert t.first_unit == places.first_grid
    assert Ticket.objects.visible_to(users["grid"]).filter(pk=t.pk).exists()


def test_whistle_a_department_which_reports(ticket, users, places):
    accepted(ticket, users)
    dept = Organisation.objects.filter(kind="department").order_by("pk").first()
    liaison = Position.objects.filter(organisation=dept, kind="department_liaison").first().person
    from linli.accounts.models import User

    liaison_user = User.objects.create(username="liaison", person=liaison)
    assert not Ticket.objects.visible_to(liaison_user).filter(pk=ticket.pk).exists()
    with pytest.raises(InvalidInput):
        tr.ticket_escalate(actor=users["grid"], ticket_id=ticket.pk, note="x", ack_hours=0)
    t = tr.ticket_escalate(actor=users["grid"], ticket_id=ticket.pk, note="涉及违建,请执法", organisation_id=dept.pk)
    assert t.handling_org == dept
    event = TicketEvent.objects.get(ticket=t, action="escalate")
    assert event.data["left_community"] is True
    assert Ticket.objects.visible_to(liaison_user).filter(pk=t.pk).exists()
    t = tr.ticket_acknowledge(actor=liaison_user, ticket_id=t.pk)
    t = tr.ticket_resolve(actor=liaison_user, ticket_id=t.pk, note="已拆除")
    assert t.status == Status.RESOLVED


def test_escalating_a_department_is_only_to_departments(ticket, users):
    accepted(ticket, users)
    partner = Organisation.objects.filter(kind="partner_unit").first()
    with pytest.raises(InvalidInput):
        tr.ticket_escalate(actor=users["grid"], ticket_id=ticket.pk, note="x", organisation_id=partner.pk)


def test_merge_keeps_reporters_informed(ticket, users):
    dup, _ = ticket_submit(actor=users["volunteer"], description="楼道灯坏了", place_id=ticket.place_id)
    with pytest.raises(InvalidInput):
        tr.ticket_merge(actor=users["grid"], ticket_id=dup.pk, master_id=dup.pk)
    d = tr.ticket_merge(actor=users["grid"], ticket_id=dup.pk, master_id=ticket.pk)
    assert d.status == Status.MERGED and d.merged_into == ticket
    assert Ticket.objects.visible_to(users["volunteer"]).filter(pk=ticket.pk).exists()
    from linli.tickets.notifications import reporters

    assert set(reporters(ticket)) == {users["resident"], users["volunteer"]}
    assert "merge_in" in actions_of(ticket)


def test_supervision_is_for_leaders(ticket, users):
    accepted(ticket, users)
    with pytest.raises(Forbidden):
        tr.ticket_supervise(actor=users["grid"], ticket_id=ticket.pk, note="快办")
    t = tr.ticket_supervise(actor=users["street"], ticket_id=ticket.pk, note="请于今日办结")
    assert t.supervision_count == 1 and t.status == Status.ACCEPTED


def test_pause_for_information_extends_the_deadline_by_the_working_days_paused(ticket, users):
    from linli.workdays.services import add_working_days, working_days_between

    accepted(ticket, users)
    due = Ticket.objects.get(pk=ticket.pk).resolve_due
    t = tr.ticket_request_info(actor=users["grid"], ticket_id=ticket.pk, note="请提供具体楼层")
    assert t.status == Status.WAITING_INFO and t.paused_at
    paused_at = timezone.now() - dt.timedelta(days=9)
    Ticket.objects.filter(pk=t.pk).update(paused_at=paused_at)
    with pytest.raises(NotFound):
        tr.ticket_supply_info(actor=users["volunteer"], ticket_id=t.pk, note="x")
    t = tr.ticket_supply_info(actor=users["resident"], ticket_id=t.pk, note="5楼")
    assert t.status == Status.ACCEPTED and t.paused_at is None
    workdays = working_days_between(paused_at, timezone.now())
    assert 5 <= workdays <= 7  # nine calendar days hold at least one weekend
    assert t.resolve_due == add_working_days(due, days=workdays)
    assert TicketEvent.objects.filter(ticket=t, action="supply_info").get().data["paused_workdays"] == workdays


def test_publishing_a_private_request_is_refused(users):
    t, _ = ticket_submit(actor=users["resident"], description="家中私事", public=False)
    accepted(t, users)
    with pytest.raises(Conflict, match="不公开"):
        tr.ticket_publish(actor=users["grid"], ticket_id=t.pk)


def test_allowed_actions_follow_the_table(ticket, users):
    assert allowed_actions(users["grid"], ticket) == ["accept", "decline", "merge", "recategorise"]
    assert allowed_actions(users["resident"], ticket) == []
    # Every transition has its service; resolve_on_the_spot is three of them in one step (易事即办).
    assert set(tr.ACTIONS) == set(TRANSITIONS) | {"resolve_on_the_spot"}


def test_sequential_double_claim_has_one_winner(ticket, users):
    accepted(ticket, users)
    tr.ticket_publish(actor=users["grid"], ticket_id=ticket.pk)
    tr.ticket_claim(actor=users["volunteer"], ticket_id=ticket.pk)
    with pytest.raises(Conflict, match="已认领"):
        tr.ticket_claim(actor=users["grid"], ticket_id=ticket.pk)
    assert Ticket.objects.get(pk=ticket.pk).claimed_by == users["volunteer"]
    assert actions_of(ticket).count("claim") == 1


def test_staff_correct_a_category_with_an_event_residents_may_not_and_a_bad_one_names_the_field(
    ticket, users, client_as, api_as
):
    from linli.tickets.models import Category

    top = Category.objects.create(name="市政设施")
    lamp = Category.objects.create(parent=top, level=2, name="路灯不亮", priority="high")
    water = Category.objects.create(parent=top, level=2, name="道路积水")
    with pytest.raises(Forbidden):
        tr.ticket_recategorise(actor=users["resident"], ticket_id=ticket.pk, category_id=lamp.pk)
    with pytest.raises(InvalidInput) as exc:
        tr.ticket_recategorise(actor=users["grid"], ticket_id=ticket.pk, category_id=None)
    assert exc.value.field == "category_id"
    due = Ticket.objects.get(pk=ticket.pk).resolve_due
    page = client_as("grid").post(
        f"/requests/{ticket.pk}/act/", {"action": "recategorise", "category_id": lamp.pk, "note": "应为路灯"}
    )
    assert page.status_code == 302
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.category, t.priority, t.resolve_due, t.status) == (lamp, "high", due, Status.SUBMITTED)
    event = t.events.get(action="recategorise")
    assert event.data["from_category"] == "" and event.data["category"] == "市政设施 / 路灯不亮"
    detail = client_as("grid").get(f"/requests/{ticket.pk}/").content.decode()
    assert 'data-action="recategorise"' in detail and "市政设施 / 路灯不亮" in detail
    with pytest.raises(Conflict):
        tr.ticket_recategorise(actor=users["grid"], ticket_id=ticket.pk, category_id=lamp.pk)
    r = api_as("grid").post(
        f"/api/v1/requests/{ticket.pk}/actions/recategorise", {"category_id": water.pk}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["category"]["id"] == water.pk


def test_starting_a_request_already_in_progress_is_a_conflict_and_not_offered(ticket, users):
    claimed(ticket, users)
    tr.ticket_act(actor=users["volunteer"], ticket_id=ticket.pk, action="start")
    assert "start" not in allowed_actions(users["volunteer"], Ticket.objects.get(pk=ticket.pk))
    with pytest.raises(Conflict):
        tr.ticket_act(actor=users["volunteer"], ticket_id=ticket.pk, action="start")
    assert actions_of(ticket).count("start") == 1


def test_a_refused_rating_comes_back_with_the_residents_choice_and_nothing_saved(ticket, users, client_as):
    """Session 14 UX review: "不满意" without a reason was refused, and the page came back with "满意" ticked —
    a second press saved "满意" with the complaint as its comment."""
    resolved(ticket, users)
    page = client_as("resident").post(f"/requests/{ticket.pk}/act/", {"action": "rate", "rating": "unsatisfied"})
    html = page.content.decode()
    assert page.status_code == 422
    form = html[html.index('data-action="rate"') :]
    form = form[: form.index("</form>")]
    assert 'value="unsatisfied" checked' in form and 'value="satisfied" checked' not in form
    assert 'role="alert"' in form
    assert Ticket.objects.get(pk=ticket.pk).rating == ""


def test_a_refused_action_keeps_its_note(ticket, users, client_as):
    accepted(ticket, users)
    page = client_as("grid").post(
        f"/requests/{ticket.pk}/act/", {"action": "merge", "master": "2099-999999", "note": "与3栋另一条重复"}
    )
    html = page.content.decode()
    form = html[html.index('data-action="merge"') :]
    form = form[: form.index("</form>")]
    assert page.status_code == 422 and 'value="2099-999999"' in form and "与3栋另一条重复</textarea>" in form


def test_uploading_no_photo_says_so_instead_of_success(ticket, users, client_as):
    claimed(ticket, users)
    page = client_as("volunteer").post(f"/requests/{ticket.pk}/act/", {"action": "photo"})
    assert page.status_code == 422 and "请选择要上传的照片" in page.content.decode()
    assert "照片已上传" not in page.content.decode()


def test_the_action_buttons_are_in_the_pages_language(ticket, users, client_as):
    client = client_as("grid")
    html = client.get(f"/requests/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = html[html.index('data-action="accept"') :]
    assert ">受理</button>" not in form[: form.index("</form>")]
