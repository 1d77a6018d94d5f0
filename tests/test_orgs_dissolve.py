"""Dissolving (撤销) and merging (合并) a party org with a history: it is kept as 已撤销 with the day, the reason
and the org merged into; its history stays readable and counts for the past; it is gone from the tree, the
pickers and the "as of now" figures (linli.orgs.services.party_org_dissolve).

The demo as in tests/test_orgs_manage.py: ``community`` manages 花园社区 (the first community), ``grid``
handles one grid of it without ``manage``, ``admin`` is the system administrator (a party officer
everywhere, so the party-life services take it as the branch's officer).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.insights import periods
from linli.insights import selectors as insights
from linli.orgs import services as s
from linli.orgs.models import PartyOrg, PartyOrgKind, PartyOrgStatus
from linli.orgs.selectors import merge_options, parent_options
from linli.partylife import services as party
from linli.partylife import services_study as study
from linli.partylife.models import Meeting, MeetingStatus, Membership, MembershipEnd
from linli.partylife.selectors import branch_figures, branches_behind
from linli.people.models import Person
from tests.test_orgs_manage import JSON, _attach, committee, compounds_of, events, grid_group, new_branch

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
REASON = "小区合并,支部并入相邻支部"


def free_people(places: Any, n: int) -> list[Person]:
    """``n`` residents of the first community who are no branch's member now, made party members."""
    members = Membership.objects.filter(left_on__isnull=True).values("person_id")
    people = list(
        Person.objects.filter(place_path__startswith=places.communities[0].path)
        .exclude(pk__in=members)
        .order_by("id")[:n]
    )
    Person.objects.filter(pk__in=[p.pk for p in people]).update(is_party_member=True)
    return people


def with_members(users: Any, branch: PartyOrg, people: list[Person], group: PartyOrg | None = None) -> None:
    for person in people:
        party.membership_add(
            actor=users["admin"],
            branch_id=branch.pk,
            person_id=person.pk,
            joined_on=TODAY - dt.timedelta(days=200),
            group_id=group.pk if group else None,
        )


def with_history(users: Any, places: Any, branch: PartyOrg) -> Person:
    """A member who joined and was transferred out: the branch has a history and no current members."""
    (person,) = free_people(places, 1)
    with_members(users, branch, [person])
    party.membership_transfer_out(
        actor=users["admin"], branch_id=branch.pk, person_id=person.pk, left_on=TODAY, to="滨湖社区党委"
    )
    return person


def dissolved(users: Any, places: Any, name: str = "待撤销支部") -> PartyOrg:
    branch = new_branch(users, places, name)
    with_history(users, places, branch)
    done = s.party_org_dissolve(actor=users["community"], org=branch, reason=REASON)
    assert not done.deleted
    return done.org


def other_branch(places: Any) -> PartyOrg:
    """An active demo branch of the first community: the one merged into."""
    return PartyOrg.objects.filter(kind="branch", place=compounds_of(places, 0)[1]).first()


# ----------------------------------------------------------------------------- kept, not deleted


def test_an_org_with_history_is_marked_dissolved_not_deleted(users, places):
    parent = committee(places)
    branch = new_branch(users, places)
    person = with_history(users, places, branch)
    parent.refresh_from_db()
    children = parent.numchild
    done = s.party_org_dissolve(actor=users["community"], org=branch, reason=f"  {REASON} ")
    assert not done.deleted and done.members_moved == 0
    branch.refresh_from_db()
    assert branch.status == PartyOrgStatus.DISSOLVED and branch.is_dissolved
    assert (branch.dissolved_at, branch.dissolved_reason, branch.merged_into) == (TODAY, REASON, None)
    parent.refresh_from_db()
    assert parent.numchild == children  # still in the tree: the history joins find it
    assert Membership.objects.get(branch=branch, person=person).left_reason == MembershipEnd.TRANSFERRED_OUT
    event = events("party_org.dissolved", branch).get()
    assert event.actor == users["community"]
    assert event.detail["kept"] is True and event.detail["reason"] == REASON and event.detail["kind"] == "branch"


@pytest.mark.parametrize("what", ["former member", "past position", "study material", "fund"])
def test_each_kind_of_history_keeps_the_org_as_dissolved(users, places, what):
    branch = new_branch(users, places)
    _attach(what, branch, places)
    done = s.party_org_dissolve(actor=users["community"], org=branch, reason=REASON)
    assert not done.deleted
    assert PartyOrg.objects.get(pk=branch.pk).status == PartyOrgStatus.DISSOLVED


def test_an_org_kept_for_its_history_needs_a_reason_and_is_told_what_history_it_has(users, places):
    branch = new_branch(users, places)
    _attach("study material", branch, places)
    with pytest.raises(InvalidInput, match="学习资料") as err:
        s.party_org_dissolve(actor=users["community"], org=branch, reason="   ")
    assert err.value.field == "reason" and "撤销原因" in err.value.message
    with pytest.raises(InvalidInput) as err:
        s.party_org_dissolve(actor=users["community"], org=branch, reason="因" * 201)
    assert err.value.field == "reason"
    assert PartyOrg.objects.get(pk=branch.pk).status == PartyOrgStatus.ACTIVE
    assert not events("party_org.dissolved", branch).exists()


def test_an_org_nothing_depends_on_is_still_deleted_reason_or_not(users, places):
    branch = new_branch(users, places)
    done = s.party_org_dissolve(actor=users["community"], org=branch, reason="设立有误")
    assert done.deleted
    assert not PartyOrg.objects.filter(pk=branch.pk).exists()
    assert events("party_org.dissolved", branch).get().detail["kept"] is False


def test_dissolving_twice_is_done_once_and_a_different_merge_is_refused(users, places):
    branch = new_branch(users, places)
    with_history(users, places, branch)
    for _ in range(2):
        done = s.party_org_dissolve(actor=users["community"], org=branch, reason=REASON)
        assert not done.deleted
    assert events("party_org.dissolved", branch).count() == 1
    with pytest.raises(Conflict, match="已于") as err:
        s.party_org_dissolve(actor=users["community"], org=branch, reason=REASON, merged_into=other_branch(places))
    assert err.value.field == "merged_into_id"


# ----------------------------------------------------------------------------- what must be settled first


def test_it_refuses_to_dissolve_with_active_children(users, places):
    org = committee(places)
    named = list(PartyOrg.objects.active().filter(path__startswith=org.path, depth=org.depth + 1)[:2])
    with pytest.raises(Conflict, match="未撤销的下级组织") as err:
        s.party_org_dissolve(actor=users["community"], org=org, reason=REASON)
    assert all(child.name in err.value.message for child in named)
    assert PartyOrg.objects.get(pk=org.pk).status == PartyOrgStatus.ACTIVE


def test_a_parent_whose_children_are_all_dissolved_is_kept_as_dissolved_too(users, places):
    parent = new_branch(users, places, "上级支部")
    group = s.party_org_create(
        actor=users["community"], parent=parent, kind=PartyOrgKind.GROUP, name="一组", place=parent.place
    )
    (person,) = free_people(places, 1)
    with_members(users, parent, [person], group=group)
    with pytest.raises(Conflict, match="一组"):
        s.party_org_dissolve(actor=users["community"], org=parent, reason=REASON)
    assert not s.party_org_dissolve(actor=users["community"], org=group, reason="并组").deleted
    assert Membership.objects.get(person=person, left_on__isnull=True).group is None  # still the branch's member
    party.membership_transfer_out(
        actor=users["admin"], branch_id=parent.pk, person_id=person.pk, left_on=TODAY, to="滨湖社区党委"
    )
    done = s.party_org_dissolve(actor=users["community"], org=parent, reason=REASON)
    assert not done.deleted and PartyOrg.objects.get(pk=group.pk).is_dissolved


def test_current_members_refuse_a_plain_dissolution_saying_how_many_and_where_to_transfer_them(users, places):
    branch = new_branch(users, places)
    with_members(users, branch, free_people(places, 2))
    with pytest.raises(Conflict) as err:
        s.party_org_dissolve(actor=users["community"], org=branch, reason=REASON)
    assert "2 名在册党员" in err.value.message
    assert "转出" in err.value.message and "合并到的党支部" in err.value.message
    assert Membership.objects.filter(branch=branch, left_on__isnull=True).count() == 2


# ----------------------------------------------------------------------------- merging


def test_merging_a_branch_moves_its_current_members_into_the_target_in_the_same_transaction(users, places):
    branch = new_branch(users, places, "并出支部")
    people = free_people(places, 2)
    with_members(users, branch, people)
    target = other_branch(places)
    done = s.party_org_dissolve(actor=users["community"], org=branch, reason=REASON, merged_into=target)
    assert not done.deleted and done.members_moved == 2
    branch.refresh_from_db()
    assert branch.merged_into == target and branch.is_dissolved
    for person in people:
        old = Membership.objects.get(branch=branch, person=person)
        assert (old.left_on, old.left_reason, old.transferred_out_to) == (
            TODAY,
            MembershipEnd.TRANSFERRED_OUT,
            target.name,
        )
        new = Membership.objects.get(person=person, left_on__isnull=True)
        assert (new.branch, new.org_path, new.joined_on, new.transferred_in_from) == (
            target,
            target.path,
            TODAY,
            "并出支部",
        )
    event = events("party_org.dissolved", branch).get()
    assert event.detail["merged_into"] == target.pk
    assert sorted(event.detail["members_moved"]) == sorted(p.pk for p in people)


def test_a_refused_merge_moves_nobody(users, places):
    branch = new_branch(users, places)
    with_members(users, branch, free_people(places, 1))
    _attach("position", branch, places)
    with pytest.raises(Conflict, match="任职"):
        s.party_org_dissolve(actor=users["community"], org=branch, reason=REASON, merged_into=other_branch(places))
    assert Membership.objects.filter(branch=branch, left_on__isnull=True).count() == 1
    assert not PartyOrg.objects.get(pk=branch.pk).is_dissolved


def test_a_merge_goes_to_another_active_org_of_the_same_kind_the_actor_may_change(users, places):
    branch = new_branch(users, places)
    with_history(users, places, branch)
    community = users["community"]
    with pytest.raises(InvalidInput, match="自身"):
        s.party_org_dissolve(actor=community, org=branch, reason=REASON, merged_into=branch)
    with pytest.raises(InvalidInput, match="只能合并到另一个党支部"):
        s.party_org_dissolve(actor=community, org=branch, reason=REASON, merged_into=committee(places))
    with pytest.raises(Conflict, match="已于"):
        s.party_org_dissolve(actor=community, org=branch, reason=REASON, merged_into=dissolved(users, places, "旧"))
    elsewhere = PartyOrg.objects.filter(kind="branch", place=compounds_of(places, 1)[0]).first()
    with pytest.raises(Forbidden):
        s.party_org_dissolve(actor=community, org=branch, reason=REASON, merged_into=elsewhere)
    assert not PartyOrg.objects.get(pk=branch.pk).is_dissolved


def test_a_party_group_merges_only_into_a_group_of_its_own_branch_and_its_members_follow(users, places):
    branch = new_branch(users, places)
    first, second = (
        s.party_org_create(actor=users["community"], parent=branch, kind="group", name=n, place=branch.place)
        for n in ("一组", "二组")
    )
    people = free_people(places, 2)
    with_members(users, branch, people, group=first)
    with pytest.raises(InvalidInput, match="同一党支部"):
        s.party_org_dissolve(actor=users["community"], org=first, reason="并组", merged_into=grid_group(places))
    assert merge_options(users["community"], first) == [second]
    done = s.party_org_dissolve(actor=users["community"], org=first, reason="并组", merged_into=second)
    assert done.members_moved == 2
    assert set(Membership.objects.filter(person__in=people, left_on__isnull=True).values_list("branch", "group")) == {
        (branch.pk, second.pk)
    }


# ----------------------------------------------------------------------------- gone from pickers and changes


def test_a_dissolved_org_is_not_offered_for_transfer(users, places):
    org = dissolved(users, places)
    (person,) = free_people(places, 1)
    with pytest.raises(Conflict, match="已于") as err:
        party.membership_add(actor=users["admin"], branch_id=org.pk, person_id=person.pk, joined_on=TODAY)
    assert err.value.field == "branch_id"
    assert not Membership.objects.filter(branch=org, left_on__isnull=True).exists()
    assert org not in merge_options(users["community"], new_branch(users, places, "另一个支部"))


def test_a_dissolved_org_takes_no_child_meeting_study_or_change(users, places):
    org = dissolved(users, places)
    assert org.pk not in {o.pk for o in parent_options(users["community"])}
    with pytest.raises(Conflict) as err:
        s.party_org_create(actor=users["community"], parent=org, kind="group", name="新组", place=org.place)
    assert err.value.field == "parent_id"
    with pytest.raises(Conflict):
        party.meeting_plan(actor=users["admin"], branch_id=org.pk, kind="theme_day", title="主题党日", date=TODAY)
    with pytest.raises(Conflict):
        study.study_material_add(actor=users["admin"], org_id=org.pk, title="学习", body="内容")
    with pytest.raises(Conflict, match="不能再调整"):
        s.party_org_rename(actor=users["community"], org=org, name="新名称")
    with pytest.raises(Conflict, match="不能再调整"):
        s.party_org_reanchor(actor=users["community"], org=org, place=compounds_of(places, 0)[1])


def test_a_dissolved_branch_opens_no_fund_and_is_no_workplace_for_dual_reporting(users, places):
    from linli.cobuilding.models import Fund, FundHolder
    from linli.cobuilding.services_funds import fund_open
    from linli.volunteering.services import registration_submit

    org = dissolved(users, places)
    with pytest.raises(Conflict, match="已于") as err:
        fund_open(actor=users["admin"], holder=FundHolder.BRANCH, name="支部经费", party_org=org)
    assert err.value.field == "party_org_id"
    assert not Fund.objects.filter(party_org=org).exists()
    accounts = type(users["resident"]).objects
    person = (
        Person.objects.filter(place_path__startswith=places.communities[0].path)
        .exclude(pk__in=accounts.exclude(person=None).values("person_id"))
        .first()
    )
    person.is_party_member = True
    person.save(update_fields=["is_party_member"])
    member = accounts.create(username="在职党员甲", person=person)
    with pytest.raises(InvalidInput) as err:
        registration_submit(actor=member, workplace_name="区卫健委", workplace_org_id=org.pk)
    assert err.value.field == "workplace_org_id"


def test_a_grid_worker_cannot_dissolve(users, places, api_as, client_as):
    branch = new_branch(users, places)
    with_history(users, places, branch)
    with pytest.raises(Forbidden):
        s.party_org_dissolve(actor=users["grid"], org=grid_group(places), reason=REASON)
    group = grid_group(places)
    response = api_as("grid").post(f"/api/v1/orgs/party/{group.pk}/dissolve", {"reason": REASON}, content_type=JSON)
    assert response.status_code == 403
    page = client_as("grid").post(f"/orgs/party/{group.pk}/", {"form": "dissolve", "reason": REASON})
    assert page.status_code == 422  # the form is not theirs
    assert not PartyOrg.objects.get(pk=group.pk).is_dissolved


# ----------------------------------------------------------------------------- history stays readable


def test_old_meetings_of_a_dissolved_branch_stay_readable(users, places, client_as, api_as):
    admin = users["admin"]
    branch = new_branch(users, places, "有会议的支部")
    (person,) = free_people(places, 1)
    with_members(users, branch, [person])
    held_on = TODAY - dt.timedelta(days=40)
    meeting = party.meeting_plan(actor=admin, branch_id=branch.pk, kind="theme_day", title="七一主题党日", date=held_on)
    party.meeting_record_minutes(actor=admin, meeting_id=meeting.pk, minutes="学习党章")
    s.party_org_dissolve(actor=users["community"], org=branch, reason=REASON, merged_into=other_branch(places))

    page = client_as("admin").get(f"/party-life/branches/{branch.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "七一主题党日" in body and 'id="branch-dissolved"' in body
    assert client_as("admin").get(f"/party-life/meetings/{meeting.pk}/").status_code == 200
    listed = api_as("admin").get(f"/api/v1/party-life/branches/{branch.pk}/meetings")
    assert listed.status_code == 200 and [m["id"] for m in listed.json()["items"]] == [meeting.pk]
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD

    branch.refresh_from_db()
    since = held_on - dt.timedelta(days=1)
    figures = branch_figures([branch], since, TODAY + dt.timedelta(days=400))[0]
    assert figures.held == {"theme_day": 1}  # counts for the past
    assert figures.required == branch_figures([branch], since, TODAY)[0].required  # nothing owed after the day
    assert branch.pk not in {row.branch.pk for row in branches_behind(admin, today=TODAY + dt.timedelta(days=200))}


def test_the_org_page_of_a_dissolved_org_says_when_why_and_into_what_and_offers_no_forms(users, places, client_as):
    branch = new_branch(users, places, "已并支部")
    with_history(users, places, branch)
    target = other_branch(places)
    s.party_org_dissolve(actor=users["community"], org=branch, reason=REASON, merged_into=target)
    body = client_as("community").get(f"/orgs/party/{branch.pk}/").content.decode()
    assert 'id="org-dissolved"' in body and REASON in body and TODAY.isoformat() in body
    assert f'href="/orgs/party/{target.pk}/"' in body
    assert 'id="org-rename"' not in body and 'id="org-dissolve"' not in body and 'id="org-child"' not in body
    assert "已并支部" in client_as("community").get(f"/orgs/party/{target.pk}/").content.decode()


def test_the_tree_page_hides_dissolved_orgs_and_lists_them_under_dissolved(users, places, client_as):
    org = dissolved(users, places, "隐藏的支部")
    body = client_as("community").get("/orgs/").content.decode()
    tree, section = body.split('id="org-dissolved"')
    assert "隐藏的支部" not in tree
    assert f'data-org="{org.pk}"' in section and REASON in section and TODAY.isoformat() in section
    assert f'<option value="{org.pk}"' not in tree  # not a parent to choose either


# ----------------------------------------------------------------------------- figures as of now


def test_coverage_ignores_dissolved_compound_orgs(places):
    compound = places.compounds[0]
    before = insights.dashboard_figures(places.street, periods.default_period()).modules
    assert before.party_org_coverage == 1.0
    branch = PartyOrg.objects.get(kind=PartyOrgKind.BRANCH, place=compound)
    under = PartyOrg.objects.filter(path__startswith=branch.path)
    groups = under.filter(kind=PartyOrgKind.GROUP).count()
    centers = under.filter(kind=PartyOrgKind.CENTER_HOUSEHOLD).count()
    under.update(status=PartyOrgStatus.DISSOLVED, dissolved_at=TODAY, dissolved_reason="测试")
    after = insights.dashboard_figures(places.street, periods.default_period()).modules
    assert (after.compounds_with_party_org, after.compounds) == (before.compounds - 1, before.compounds)
    assert after.party_groups == before.party_groups - groups
    assert after.center_households == before.center_households - centers
    assert insights.dashboard_figures(compound, periods.default_period()).modules.party_org_coverage == 0.0


# ----------------------------------------------------------------------------- pages and API


def test_the_org_page_dissolves_with_a_reason_merges_and_a_double_submit_is_answered_as_done(users, places, client_as):
    branch = new_branch(users, places)
    with_members(users, branch, free_people(places, 2))
    target = other_branch(places)
    client = client_as("community")
    page = client.get(f"/orgs/party/{branch.pk}/").content.decode()
    assert 'id="dissolve-members"' in page and f'<option value="{target.pk}">' in page
    refused = client.post(f"/orgs/party/{branch.pk}/", {"form": "dissolve", "reason": REASON})
    assert refused.status_code == 422 and "2 名在册党员" in refused.content.decode()
    assert f'value="{REASON}"' in refused.content.decode()  # what was typed stays
    data = {"form": "dissolve", "reason": REASON, "merged_into_id": target.pk}
    for _ in range(2):
        response = client.post(f"/orgs/party/{branch.pk}/", data)
        assert response.status_code == 302 and response["Location"] == f"/orgs/party/{branch.pk}/"
    assert events("party_org.dissolved", branch).count() == 1
    assert Membership.objects.filter(branch=target, transferred_in_from=branch.name).count() == 2


def test_an_api_dissolution_keeps_the_org_shows_its_status_and_hides_it_from_the_list(users, places, api_as):
    api = api_as("community")
    branch = new_branch(users, places)
    with_history(users, places, branch)
    assert api.delete(f"/api/v1/orgs/party/{branch.pk}").json()["field"] == "reason"  # 422: say why
    url = f"/api/v1/orgs/party/{branch.pk}/dissolve"
    response = api.post(url, {"reason": REASON}, content_type=JSON)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["deleted"] is False and body["members_moved"] == 0
    assert body["org"]["status"] == "dissolved" and body["org"]["status_label"] == "已撤销"
    assert (body["org"]["dissolved_at"], body["org"]["dissolved_reason"]) == (TODAY.isoformat(), REASON)
    again = api.post(url, {"reason": REASON}, content_type=JSON)
    assert again.status_code == 200 and again.json() == body
    read = api.get(f"/api/v1/orgs/party/{branch.pk}").json()
    assert read["status"] == "dissolved" and read["merged_into_id"] is None
    active = api.get("/api/v1/orgs/party", {"kind": "branch", "limit": 200}).json()["items"]
    assert branch.pk not in {o["id"] for o in active} and all(o["status"] == "active" for o in active)
    gone = api.get("/api/v1/orgs/party", {"status": "dissolved"}).json()["items"]
    assert [o["id"] for o in gone] == [branch.pk]


def test_an_api_merge_moves_the_members_and_a_target_out_of_sight_is_a_404(users, places, api_as):
    api = api_as("community")
    branch = new_branch(users, places)
    with_members(users, branch, free_people(places, 1))
    elsewhere = PartyOrg.objects.filter(kind="branch", place=compounds_of(places, 1)[0]).first()
    url = f"/api/v1/orgs/party/{branch.pk}/dissolve"
    hidden = api.post(url, {"reason": REASON, "merged_into_id": elsewhere.pk}, content_type=JSON)
    assert hidden.status_code == 404 and hidden.json()["field"] == "merged_into_id"
    target = other_branch(places)
    merged = api.post(url, {"reason": REASON, "merged_into_id": target.pk}, content_type=JSON)
    assert merged.status_code == 200, merged.content
    assert merged.json()["members_moved"] == 1 and merged.json()["org"]["merged_into_id"] == target.pk


def test_an_api_dissolution_of_an_unused_org_deletes_it_and_says_so(users, places, api_as):
    branch = new_branch(users, places)
    response = api_as("community").post(f"/api/v1/orgs/party/{branch.pk}/dissolve", {}, content_type=JSON)
    assert response.status_code == 200 and response.json() == {"deleted": True, "members_moved": 0, "org": None}
    assert not PartyOrg.objects.filter(pk=branch.pk).exists()


def test_a_deleted_org_is_not_found_by_a_second_dissolution(users, places):
    branch = new_branch(users, places)
    s.party_org_dissolve(actor=users["community"], org=branch)
    with pytest.raises(NotFound):
        s.party_org_dissolve(actor=users["community"], org=branch)
    assert AuditEvent.objects.filter(action="party_org.dissolved", target_id=str(branch.pk)).count() == 1
