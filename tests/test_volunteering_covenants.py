"""盟约 (seed 003, 建立盟规、签订盟约): community staff sign a volunteer team's service covenant, amend it while
in force, terminate it with a reason; its fulfilment counts the team's confirmed hours in the community
within the term; team kinds are recorded, filtered and counted."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.volunteering.models import ActivityStatus, CovenantStatus, Team, TeamCovenant, TeamKind
from linli.volunteering.selectors_covenants import (
    covenant_figures,
    covenant_page,
    covenant_with_fulfilment,
    team_kind_figures,
    visible_covenants,
)
from linli.volunteering.services import team_update
from linli.volunteering.services_covenants import covenant_amend, covenant_terminate
from tests.covenant_support import days, held, make_team, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def community(places: Any) -> Any:
    return places.communities[0]


@pytest.fixture
def team(users: dict[str, Any], community: Any) -> Team:
    return make_team(users["community"], community, kind=TeamKind.PARTY)


@pytest.fixture
def covenant(users: dict[str, Any], team: Team, community: Any) -> TeamCovenant:
    return sign(users["community"], team, community)


def last_event(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).latest("id")


# ----------------------------------------------------------------------------- team kinds


def test_a_team_is_founded_with_its_kind_and_a_team_without_one_is_other(users, community):
    party = make_team(users["community"], community, name="党员先锋队", kind=TeamKind.PARTY)
    plain = make_team(users["community"], community, name="邻里帮帮队")
    assert (party.kind, plain.kind) == (TeamKind.PARTY, TeamKind.OTHER)
    assert last_event("team.create").detail["kind"] == "other"


def test_an_unknown_team_kind_is_refused_naming_the_field_and_no_team_is_made(users, community):
    with pytest.raises(InvalidInput) as exc:
        make_team(users["community"], community, name="外卖骑手队", kind="riders")
    assert exc.value.field == "kind" and "队伍类型" in exc.value.message
    assert not Team.objects.filter(name="外卖骑手队").exists()


def test_updating_a_team_records_only_the_fields_that_changed(users, team):
    team_update(actor=users["community"], team_id=team.pk, kind=TeamKind.NEW_EMPLOYMENT, name=team.name)
    team.refresh_from_db()
    assert team.kind == TeamKind.NEW_EMPLOYMENT
    assert last_event("team.update").detail["fields"] == ["kind"]
    before = AuditEvent.objects.filter(action="team.update").count()
    team_update(actor=users["community"], team_id=team.pk, kind=TeamKind.NEW_EMPLOYMENT)
    assert AuditEvent.objects.filter(action="team.update").count() == before  # nothing changed, nothing recorded


def test_a_new_leader_joins_the_team_and_leader_zero_removes_the_leader(users, team):
    person = users["volunteer"].person
    team_update(actor=users["street"], team_id=team.pk, leader_id=person.pk)
    assert team.members.filter(person=person).exists()
    team_update(actor=users["street"], team_id=team.pk, leader_id=0)
    team.refresh_from_db()
    assert team.leader_id is None and last_event("team.update").detail["fields"] == ["leader"]


def test_a_grid_worker_cannot_update_a_community_team(users, team):
    with pytest.raises((NotFound, Forbidden)):
        team_update(actor=users["grid"], team_id=team.pk, kind=TeamKind.OTHER)


def test_team_figures_count_teams_and_members_by_kind(users, community):
    make_team(users["community"], community, name="骑手先锋队", kind=TeamKind.NEW_EMPLOYMENT,
              leader_id=users["volunteer"].person_id)  # fmt: skip
    rows = {r.kind: r for r in team_kind_figures(Team.objects.filter(place=community))}
    assert list(rows) == list(TeamKind.values)
    assert (rows["new_employment"].teams, rows["new_employment"].members) == (1, 1)


def test_the_team_list_api_filters_by_kind_and_refuses_an_unknown_kind(users, team, api_as):
    api = api_as("community")
    items = api.get("/api/v1/volunteering/teams", {"kind": "party", "limit": 200}).json()["items"]
    assert team.pk in [t["id"] for t in items] and {t["kind"] for t in items} == {"party"}
    bad = api.get("/api/v1/volunteering/teams", {"kind": "zzz"})
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    figures = api.get("/api/v1/volunteering/teams/figures").json()
    assert sum(r["teams"] for r in figures["rows"]) == figures["teams"]


def test_the_team_update_api_changes_the_kind(users, team, api_as):
    r = api_as("community").patch(
        f"/api/v1/volunteering/teams/{team.pk}", {"kind": "unit"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["kind"] == "unit" and r.json()["kind_label"] == "驻区单位志愿服务队"


# ----------------------------------------------------------------------------- signing


def test_community_staff_sign_a_covenant_and_the_signing_is_audited(users, covenant, team, community):
    assert covenant.place_path == community.path and covenant.signed_by == users["community"]
    assert covenant.services == ["法律援助", "心理咨询"] and covenant.hours_promised == Decimal("100")
    assert covenant.status == CovenantStatus.ACTIVE and covenant.team_signatory_name == "张队长"
    event = last_event("covenant.sign")
    assert event.target_id == str(covenant.pk) and event.detail["team"] == team.pk


def test_services_typed_as_one_text_are_split_into_lines(users, team, community):
    c = sign(users["community"], team, community, services="法律援助、心理咨询\n技能培训\n法律援助", starts_on=days(-1))
    assert c.services == ["法律援助", "心理咨询", "技能培训"]


def test_the_same_covenant_submitted_twice_is_signed_once(users, covenant, team, community):
    with pytest.raises(Conflict):
        sign(users["community"], team, community)
    assert TeamCovenant.objects.filter(team=team).count() == 1


def test_the_team_signatory_may_be_a_member_of_the_team(users, community):
    leader = users["volunteer"].person
    team = make_team(users["community"], community, name="心理咨询队", leader_id=leader.pk)
    c = sign(users["community"], team, community, signatory_name="", signatory_person_id=leader.pk)
    assert c.team_signatory_id == leader.pk and c.team_signatory_name == leader.name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"services": []}, "services"),
        ({"services": ["法" * 51]}, "services"),
        ({"hours_promised": "0"}, "hours_promised"),
        ({"hours_promised": "abc"}, "hours_promised"),
        ({"hours_promised": "1.25"}, "hours_promised"),
        ({"hours_promised": "NaN"}, "hours_promised"),
        ({"ends_on": "before"}, "ends_on"),
        ({"ends_on": "six years"}, "ends_on"),
        ({"signed_on": "tomorrow"}, "signed_on"),
        ({"signatory_name": ""}, "signatory_name"),
        ({"signatory_name": "", "signatory_person_id": 987654321}, "signatory_person_id"),
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_signed(users, team, community, changes, field):
    if changes.get("ends_on") == "before":
        changes["ends_on"] = days(-51)
    if changes.get("ends_on") == "six years":
        changes["ends_on"] = days(366 * 6)
    if changes.get("signed_on") == "tomorrow":
        changes["signed_on"] = days(1)
    with pytest.raises(InvalidInput) as exc:
        sign(users["community"], team, community, **changes)
    assert exc.value.field == field and exc.value.message
    assert not TeamCovenant.objects.filter(team=team).exists()


def test_a_covenant_is_signed_with_a_community_not_a_grid(users, team, places):
    with pytest.raises(InvalidInput) as exc:
        sign(users["community"], team, places.first_grid)
    assert exc.value.field == "community_id"


def test_a_grid_worker_cannot_sign_for_the_community(users, team, community):
    with pytest.raises((NotFound, Forbidden)):
        sign(users["grid"], team, community)


def test_staff_of_one_community_cannot_sign_for_another(users, team, places):
    with pytest.raises(NotFound):
        sign(users["community"], team, places.other_community)


def test_a_team_of_another_community_cannot_be_signed_by_staff_who_do_not_manage_it(users, places, community):
    elsewhere = make_team(users["street"], places.other_community, name="滨湖志愿队")
    with pytest.raises(InvalidInput) as exc:
        sign(users["community"], elsewhere, community)
    assert exc.value.field == "team_id"


# ----------------------------------------------------------------------------- amend, terminate, state


def test_a_covenant_in_force_is_amended_and_the_changed_fields_are_audited(users, covenant):
    covenant_amend(actor=users["community"], covenant_id=covenant.pk, hours_promised="120", ends_on=days(60),
                   title=covenant.title)  # fmt: skip
    covenant.refresh_from_db()
    assert covenant.hours_promised == Decimal("120") and covenant.ends_on == days(60)
    assert last_event("covenant.amend").detail["fields"] == ["ends_on", "hours_promised"]


def test_an_amendment_with_bad_input_changes_nothing(users, covenant):
    with pytest.raises(InvalidInput) as exc:
        covenant_amend(actor=users["community"], covenant_id=covenant.pk, title="新名称", ends_on=days(-100))
    assert exc.value.field == "ends_on"
    covenant.refresh_from_db()
    assert covenant.title == "法律援助服务盟约"


def test_a_covenant_whose_term_has_passed_reads_as_expired_and_cannot_be_amended(users, team, community):
    old = sign(users["community"], team, community, starts_on=days(-400), ends_on=days(-35), signed_on=days(-401))
    _c, f = covenant_with_fulfilment(users["community"], old.pk)
    assert f.state == "expired" and f.state_label == "期满" and not f.behind
    assert TeamCovenant.objects.get(pk=old.pk).status == CovenantStatus.ACTIVE  # derived, not written
    with pytest.raises(Conflict):
        covenant_amend(actor=users["community"], covenant_id=old.pk, hours_promised="5")
    with pytest.raises(Conflict):
        covenant_terminate(actor=users["community"], covenant_id=old.pk, reason="队伍解散")


def test_terminating_needs_a_reason_keeps_the_covenant_and_ends_its_term(users, covenant):
    with pytest.raises(InvalidInput) as exc:
        covenant_terminate(actor=users["community"], covenant_id=covenant.pk, reason=" ")
    assert exc.value.field == "reason"
    covenant_terminate(actor=users["community"], covenant_id=covenant.pk, reason="队伍解散", terminated_on=days(-10))
    covenant.refresh_from_db()
    assert covenant.status == CovenantStatus.TERMINATED and covenant.terminated_on == days(-10)
    assert last_event("covenant.terminate").detail["reason"] == "队伍解散"
    _c, f = covenant_with_fulfilment(users["community"], covenant.pk)
    assert f.state == "terminated" and f.elapsed_share == Decimal("41.0") and not f.behind
    with pytest.raises(Conflict):
        covenant_terminate(actor=users["community"], covenant_id=covenant.pk, reason="再次")
    with pytest.raises(Conflict):
        covenant_amend(actor=users["community"], covenant_id=covenant.pk, hours_promised="5")


def test_a_termination_date_in_the_future_is_refused(users, covenant):
    with pytest.raises(InvalidInput) as exc:
        covenant_terminate(actor=users["community"], covenant_id=covenant.pk, reason="调整", terminated_on=days(1))
    assert exc.value.field == "terminated_on"
    assert TeamCovenant.objects.get(pk=covenant.pk).status == CovenantStatus.ACTIVE


def test_the_team_leader_reads_their_covenant_but_cannot_change_it(users, community):
    leader = users["volunteer"]
    team = make_team(users["community"], community, name="骑手志愿队", leader_id=leader.person_id)
    c = sign(users["community"], team, community)
    assert visible_covenants(leader).filter(pk=c.pk).exists()
    with pytest.raises(Forbidden):
        covenant_amend(actor=leader, covenant_id=c.pk, hours_promised="1")
    with pytest.raises(Forbidden):
        covenant_terminate(actor=leader, covenant_id=c.pk, reason="不想干了")


@pytest.mark.parametrize("role", ["grid", "resident"])
def test_a_grid_worker_or_a_resident_finds_no_covenant(users, covenant, role):
    assert not visible_covenants(users[role]).filter(pk=covenant.pk).exists()
    with pytest.raises(NotFound):
        covenant_with_fulfilment(users[role], covenant.pk)
    with pytest.raises(NotFound):
        covenant_terminate(actor=users[role], covenant_id=covenant.pk, reason="x")


def test_the_street_sees_the_covenants_of_its_communities(users, covenant):
    assert visible_covenants(users["street"]).filter(pk=covenant.pk).exists()


# ----------------------------------------------------------------------------- fulfilment


def test_fulfilment_counts_confirmed_hours_of_the_team_in_the_community_within_the_term(
    users, covenant, team, community, places
):
    compound = places.compounds[0]
    assert compound.path.startswith(community.path)
    held(team, community, on=days(-10), hours="2.0", people=3)  # counted: 6 hours, 3 attendances
    held(team, compound, on=days(-40), hours="1.5", people=2)  # under the community: 3 hours
    held(team, community, on=days(-60), hours="4.0")  # before the term
    held(team, community, on=days(-5), people=2, confirmed=False)  # not confirmed: held, no hours
    held(team, community, on=days(-3), status=ActivityStatus.CANCELLED)  # cancelled
    held(None, community, on=days(-10))  # no team
    held(make_team(users["community"], community, name="别的队"), community, on=days(-10))  # another team
    held(team, places.other_community, on=days(-10))  # another community
    held(team, community, on=days(20), confirmed=False)  # not held yet
    _c, f = covenant_with_fulfilment(users["community"], covenant.pk)
    assert f.delivered == Decimal("9.0") and f.attendances == 5 and f.held == 3
    assert f.rate == Decimal("9.0")
    assert f.elapsed_share == Decimal("51.0") and f.expected == Decimal("51.0")
    assert f.behind and f.shortfall == Decimal("42.0")


def test_a_team_ahead_of_schedule_is_not_behind(users, covenant, team, community):
    held(team, community, on=days(-1), hours="4.0", people=15)  # 60 hours against 51 expected
    _c, f = covenant_with_fulfilment(users["community"], covenant.pk)
    assert f.delivered == Decimal("60.0") and not f.behind


def test_a_terminated_covenant_counts_only_hours_up_to_its_termination(users, covenant, team, community):
    held(team, community, on=days(-20), hours="2.0")
    held(team, community, on=days(-2), hours="3.0")
    covenant_terminate(actor=users["community"], covenant_id=covenant.pk, reason="队伍解散", terminated_on=days(-10))
    _c, f = covenant_with_fulfilment(users["community"], covenant.pk)
    assert f.delivered == Decimal("2.0")


def test_the_list_filters_in_force_behind_and_ended(users, team, community):
    behind = sign(users["community"], team, community, title="落后的", starts_on=days(-50))
    ahead = sign(users["community"], team, community, title="领先的", starts_on=days(-49), hours_promised="1")
    ended = sign(users["community"], team, community, title="期满的", starts_on=days(-300), ends_on=days(-1),
                 signed_on=days(-300))  # fmt: skip
    held(team, community, on=days(-2), hours="2.0")

    def ids(state: str) -> set[int]:
        mine = {behind.pk, ahead.pk, ended.pk}
        return {c.pk for c, _f in covenant_page(users["community"], state=state, limit=200).items} & mine

    assert ids("in_force") == {behind.pk, ahead.pk}
    assert ids("behind") == {behind.pk}
    assert ids("ended") == {ended.pk}
    assert ids("") == {behind.pk, ahead.pk, ended.pk}
    figures = covenant_figures(TeamCovenant.objects.filter(team=team))
    assert (figures.in_force, figures.behind, figures.expired, figures.terminated) == (2, 1, 1, 0)


def test_a_page_of_covenants_reads_its_fulfilment_in_a_constant_number_of_queries(users, team, community):
    sign(users["community"], team, community, starts_on=days(-50))
    held(team, community, on=days(-2))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page = covenant_page(users["community"], limit=50)
            assert all(f.promised for _c, f in page.items)
        return len(ctx.captured_queries)

    one = count()
    for n in range(1, 7):
        sign(users["community"], team, community, starts_on=days(-50 + n))
    assert count() == one


def test_pages_are_keyset_paginated_newest_first(users, team, community):
    made = [sign(users["community"], team, community, starts_on=days(-n)).pk for n in range(1, 6)]
    first = covenant_page(users["community"], team_id=team.pk, limit=3)
    second = covenant_page(users["community"], team_id=team.pk, limit=3, cursor=first.next)
    seen = [c.pk for c, _f in first.items] + [c.pk for c, _f in second.items]
    assert seen == sorted(made, reverse=True) and second.next is None


def test_the_demo_covenants_show_real_fulfilment_one_behind_and_one_expired():
    import random

    from django.utils import timezone

    from linli.volunteering.demo import build_demo_volunteering
    from linli.volunteering.selectors_covenants import fulfilment_of, with_fulfilment

    build_demo_volunteering(random.Random(7))  # the test demo is "small", built without the module demos
    assert set(Team.objects.values_list("kind", flat=True)) - {TeamKind.OTHER}  # the demo teams have their kinds
    rows = [fulfilment_of(c, timezone.localdate()) for c in with_fulfilment(TeamCovenant.objects.all())]
    live = [f for f in rows if f.state == "active"]
    assert any(f.state == "expired" for f in rows)
    assert live and any(f.delivered > 0 and f.held > 0 for f in live) and any(f.behind for f in live)
