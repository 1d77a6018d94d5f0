"""Volunteering pages: every page renders for each role, scope is kept, the wish flow moves counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import signing
from django.utils import timezone

from linli.volunteering import activities as act
from linli.volunteering import points as pts
from linli.volunteering import wishes as w
from linli.volunteering.models import PointAccount, Wish

PAGES = [
    "/volunteering/",
    "/volunteering/activities/",
    "/volunteering/rewards/",
    "/volunteering/leaderboards/",
    "/volunteering/wishes/",
    "/volunteering/wishes/new/",
    "/volunteering/teams/",
    "/volunteering/posts/",
    "/volunteering/stations/",
    "/volunteering/profile/",
]


@pytest.mark.parametrize("who", ["admin", "street", "community", "grid", "volunteer", "resident"])
def test_every_volunteering_page_renders_for_every_role(client_as, who):
    client = client_as(who)
    for url in PAGES:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert "志愿" in r.content.decode() or "心愿" in r.content.decode()


def test_staff_pages_for_a_community_worker(client_as):
    client = client_as("community")
    for url in ["/volunteering/registrations/", "/volunteering/redemptions/", "/volunteering/wishes/stats/"]:
        assert client.get(url).status_code == 200, url


def test_organiser_sees_the_qr_code_as_svg_and_the_volunteer_does_not(client_as, users, places):
    start = timezone.now() + dt.timedelta(hours=1)
    a = act.activity_create(
        actor=users["community"],
        place_id=places.compounds[0].pk,
        title="敬老院探访",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=3,
        publish=True,
    )
    page = client_as("community").get(f"/volunteering/activities/{a.pk}/").content.decode()
    assert "<svg" in page
    # The token is timestamped (django.core.signing), so compare what it says, not its text:
    # two calls a second apart give different strings for the same activity.
    token = re.search(rf"/volunteering/activities/{a.pk}/scan/([^\"<\s]+)", page)
    assert token is not None
    assert signing.loads(token.group(1).rstrip("/"), salt=act.QR_SALT) == {"a": a.pk}
    page = client_as("volunteer").get(f"/volunteering/activities/{a.pk}/").content.decode()
    assert "<svg" not in page and "我要报名" in page


def test_an_activity_in_another_community_is_404_for_the_grid_worker_by_page_and_guess(client_as, users, places):
    start = timezone.now() + dt.timedelta(hours=1)
    a = act.activity_create(
        actor=users["street"],
        place_id=places.other_community.pk,
        title="别处活动",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        capacity=3,
    )
    client = client_as("grid")
    assert client.get(f"/volunteering/activities/{a.pk}/").status_code == 404
    assert client.get("/volunteering/activities/999999/").status_code == 404
    assert client.post(f"/volunteering/activities/{a.pk}/signup/").status_code == 404
    assert "别处活动" not in client.get("/volunteering/activities/").content.decode()


def test_a_person_outside_scope_is_404_and_awarding_them_changes_nothing(client_as, users, places):
    from linli.people.models import Person

    outsider = Person.objects.filter(place_path__startswith=places.other_community.path).first()
    client = client_as("grid")
    assert client.get(f"/volunteering/people/{outsider.pk}/").status_code == 404
    r = client.post(f"/volunteering/people/{outsider.pk}/award/", {"amount": 5, "note": "x", "request_key": "k"})
    assert r.status_code == 404
    assert not PointAccount.objects.filter(person=outsider).exists()


def test_a_wish_goes_from_resident_to_volunteer_and_back_and_the_counts_move(client_as, users, places):
    now = timezone.now()
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=1)
    before = w.wish_counts(user=users["community"], path=places.communities[0].path, start=start, end=end)
    r = client_as("resident").post("/volunteering/wishes/new/", {"title": "想要一副老花镜", "description": "看报纸用"})
    wish = Wish.objects.get(title="想要一副老花镜")
    assert r.status_code == 302
    client_as("community").post(f"/volunteering/wishes/{wish.pk}/act/", {"action": "approve"})
    client_as("volunteer").post(f"/volunteering/wishes/{wish.pk}/act/", {"action": "claim"})
    client_as("volunteer").post(f"/volunteering/wishes/{wish.pk}/act/", {"action": "fulfil", "note": "已送到家"})
    client_as("resident").post(f"/volunteering/wishes/{wish.pk}/act/", {"action": "confirm"})
    wish.refresh_from_db()
    assert wish.status == "confirmed"
    after = w.wish_counts(user=users["community"], path=places.communities[0].path, start=start, end=end)
    assert (after.collected - before.collected, after.fulfilled - before.fulfilled) == (1, 1)
    assert PointAccount.objects.get(person=users["volunteer"].person, kind="volunteer").balance == w.WISH_POINTS
    other = w.wish_counts(user=users["street"], path=places.other_community.path, start=start, end=end)
    assert other.collected == 0


def test_a_resident_cannot_review_their_own_wish_and_nothing_changes(client_as, users):
    wish = w.wish_submit(actor=users["resident"], title="修自行车")
    r = client_as("resident").post(f"/volunteering/wishes/{wish.pk}/act/", {"action": "approve"}, follow=True)
    wish.refresh_from_db()
    assert wish.status == "submitted" and r.status_code in (200, 404)


def test_rewards_list_query_count_is_bounded(client_as, users, places, django_assert_max_num_queries):
    for i in range(15):
        pts.reward_create(actor=users["community"], place_id=places.compounds[0].pk, name=f"物品{i}", cost=10, stock=2)
    client = client_as("volunteer")
    with django_assert_max_num_queries(12):
        r = client.get("/volunteering/rewards/")
    assert r.content.decode().count("data-reward=") == 15
