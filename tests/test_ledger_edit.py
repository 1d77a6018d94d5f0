"""Staff keep the ledger by hand: basic fields, phones, care tags, move-out / move-in with the
history kept, ownership with its exclusive area. Every change is scoped and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from linli.accounts.models import User
from linli.audit.models import AuditEvent
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.people.fakes import make_id
from linli.people.models import CareTag, Ownership, Person, PersonPhone, PersonTag, Residence
from linli.people.selectors import LedgerFilter, search_ledger
from linli.people.services import (
    ownership_end,
    ownership_record,
    person_move_in,
    person_move_out,
    person_phone_add,
    person_tag_set,
    person_update,
)
from linli.places.models import Household, Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(places):
    """A resident of the first grid with no account and no position."""
    return (
        Person.objects.filter(place_path__startswith=places.first_grid.path, user__isnull=True, positions__isnull=True)
        .exclude(phone_enc="")
        .order_by("pk")
        .first()
    )


@pytest.fixture
def stranger(places):
    return Person.objects.filter(place_path__startswith=places.other_grid.path).order_by("pk").first()


@pytest.fixture
def street_clerk(places):
    """街道工作人员: manage, handle and ledger over the street, but no ``sensitive`` capability."""
    from linli.people.models import Position

    person = Person.objects.create(name="街道办事员", place=places.street, place_path=places.street.path)
    Position.objects.create(
        person=person, kind="street_staff", place=places.street, place_path=places.street.path, start_date="2025-01-01"
    )
    return User.objects.create_user(username="clerk", password="clerk-pass-2026", person=person)


def events(person, action):
    return AuditEvent.objects.filter(action=action, target_id=str(person.pk))


def unit_of(person) -> Place:
    place = person.place
    if place.kind in ("unit", "building"):
        return place
    return Place.objects.filter(kind="unit", path__startswith=person.place_path).order_by("path").first()


def test_the_edit_page_saves_only_what_changed_and_audits_the_field_names(client_as, neighbour):
    client = client_as("community")
    response = client.post(
        f"/ledger/people/{neighbour.pk}/edit",
        {
            "name": neighbour.name,
            "phone": "",
            "workplace": "街道卫生服务中心",
            "political_status": "party_member",
            "residence_type": neighbour.residence_type,
            "relation_to_head": neighbour.relation_to_head,
            "notes": "腿脚不便,上门走访",
        },
    )
    assert response.status_code == 302
    neighbour.refresh_from_db()
    assert neighbour.workplace == "街道卫生服务中心" and neighbour.is_party_member
    assert neighbour.phone, "a blank phone field keeps the stored number"
    event = events(neighbour, "resident.updated").get()
    assert sorted(event.detail["fields"]) == ["notes", "political_status", "workplace"]
    assert "街道卫生服务中心" not in str(event.detail), "the audit row names fields, never values"


def test_an_edit_that_leaves_the_political_status_alone_leaves_the_party_flag_alone(users, neighbour):
    Person.objects.filter(pk=neighbour.pk).update(
        political_status="", is_party_member=True
    )  # a member never given a 政治面貌
    neighbour.refresh_from_db()
    person_update(actor=users["community"], person=neighbour, changes={"notes": "党员志愿者"})
    neighbour.refresh_from_db()
    assert neighbour.is_party_member, "a notes edit used to recompute the flag from the unfilled status and drop it"
    person_update(actor=users["community"], person=neighbour, changes={"political_status": "masses"})
    neighbour.refresh_from_db()
    assert not neighbour.is_party_member


def test_an_id_number_change_is_validated_rehashed_and_searchable(users, client_as, neighbour):
    client = client_as("community")
    response = client.post(f"/ledger/people/{neighbour.pk}/edit", {"name": neighbour.name, "id_number": "1234"})
    assert response.status_code == 422 and "身份证号" in response.content.decode()
    new_id = make_id(dt.date(1951, 10, 1), 77, male=False)
    response = client.post(f"/ledger/people/{neighbour.pk}/edit", {"name": neighbour.name, "id_number": new_id})
    assert response.status_code == 302
    neighbour.refresh_from_db()
    assert neighbour.id_number_hash == crypto.keyed_hash("id", new_id) and neighbour.id_number == new_id
    assert (neighbour.gender, neighbour.birth_date) == ("F", dt.date(1951, 10, 1))
    assert [p.pk for p in search_ledger(users["community"], LedgerFilter(q=new_id)).items] == [neighbour.pk]


def test_an_id_number_already_registered_on_someone_else_is_a_conflict(users, neighbour):
    other = Person.objects.exclude(pk=neighbour.pk).exclude(id_number_enc="").filter(place_path=neighbour.place_path)
    other = other.first() or Person.objects.exclude(pk=neighbour.pk).exclude(id_number_enc="").first()
    with pytest.raises(Conflict):
        person_update(actor=users["street"], person=neighbour, changes={"id_number": other.id_number})


def test_a_refused_id_number_is_audited_and_refusals_are_rate_limited(users, api_as, neighbour, places):
    """A grid worker typing other people's ID numbers into a neighbour's record learns which are registered
    anywhere in the district (session 14 review): each refusal is audited, never with the number, and the
    eleventh refusal within the hour is refused outright (429) — the sweep is seen and slowed."""
    outsider = Person.objects.exclude(id_number_enc="").filter(place_path__startswith=places.other_community.path)
    numbers = [p.id_number for p in outsider.order_by("pk")[:11]]
    before = neighbour.id_number_hash
    client = api_as("grid")
    for number in numbers[:10]:
        answer = client.patch(
            f"/api/v1/residents/{neighbour.pk}", {"id_number": number}, content_type="application/json"
        )
        assert answer.status_code == 409 and answer.json()["field"] == "id_number"
    refused = events(neighbour, "resident.id_number_refused")
    assert refused.count() == 10 and {e.detail["other_in_scope"] for e in refused} == {False}
    assert not any(n in str(e.detail) for e in refused for n in numbers)
    eleventh = client.patch(
        f"/api/v1/residents/{neighbour.pk}", {"id_number": numbers[10]}, content_type="application/json"
    )
    assert eleventh.status_code == 429
    assert AuditEvent.objects.filter(action="ratelimit.exceeded", actor=users["grid"]).count() == 1
    neighbour.refresh_from_db()
    assert neighbour.id_number_hash == before


def test_the_edit_page_says_too_many_refusals_on_the_page_itself(client_as, neighbour, places):
    outsider = Person.objects.exclude(id_number_enc="").filter(place_path__startswith=places.other_community.path)
    client = client_as("grid")
    for other in outsider.order_by("pk")[:11]:
        answer = client.post(
            f"/ledger/people/{neighbour.pk}/edit", {"name": neighbour.name, "id_number": other.id_number}
        )
    assert answer.status_code == 429
    assert "操作过于频繁" in answer.content.decode()


def test_a_number_not_registered_elsewhere_is_saved_without_a_refusal_event(users, neighbour):
    new_id = make_id(neighbour.birth_date or dt.date(1980, 1, 1), 11)
    person_update(actor=users["grid"], person=neighbour, changes={"id_number": new_id})
    assert not events(neighbour, "resident.id_number_refused").exists()
    assert events(neighbour, "resident.updated").exists()


def test_a_phone_in_any_form_is_normalised_and_a_secondary_phone_is_searchable_then_removable(
    users, client_as, neighbour
):
    person_update(actor=users["grid"], person=neighbour, changes={"phone": "+86 139 0000 1111"})
    assert Person.objects.get(pk=neighbour.pk).phone == "+8613900001111"
    client = client_as("grid")
    response = client.post(f"/ledger/people/{neighbour.pk}/phones", {"phone": "137-0000-2222", "label": "女儿"})
    assert response.status_code == 302
    extra = PersonPhone.objects.get(person=neighbour)
    assert (extra.phone, extra.label) == ("+8613700002222", "女儿") and extra.phone_enc != extra.phone
    assert [p.pk for p in search_ledger(users["grid"], LedgerFilter(q="13700002222")).items] == [neighbour.pk]
    again = client.post(f"/ledger/people/{neighbour.pk}/phones", {"phone": "13700002222"})
    assert again.status_code == 409 and "已登记这个号码" in again.content.decode()
    response = client.post(f"/ledger/people/{neighbour.pk}/phones/{extra.pk}/remove")
    assert response.status_code == 302 and not PersonPhone.objects.filter(person=neighbour).exists()
    assert events(neighbour, "resident.phone_added").count() == 1
    assert events(neighbour, "resident.phone_removed").count() == 1


def test_care_tags_are_added_and_removed_and_sensitive_ones_need_the_capability(users, street_clerk, neighbour):
    plain = CareTag.objects.filter(sensitive=False, active=True).first()
    sensitive = CareTag.objects.filter(sensitive=True, active=True).first()
    PersonTag.objects.filter(person=neighbour).delete()
    assert person_tag_set(actor=users["grid"], person=neighbour, tag=sensitive, present=True)
    assert person_tag_set(actor=street_clerk, person=neighbour, tag=plain, present=True)
    assert not person_tag_set(actor=street_clerk, person=neighbour, tag=plain, present=True), "already there"
    with pytest.raises(Forbidden, match="敏感标签"):
        person_tag_set(actor=street_clerk, person=neighbour, tag=sensitive, present=False)
    assert set(PersonTag.objects.filter(person=neighbour).values_list("tag_id", flat=True)) == {plain.pk, sensitive.pk}
    person_tag_set(actor=users["community"], person=neighbour, tag=plain, present=False)
    assert events(neighbour, "resident.tagged").count() == 2
    assert events(neighbour, "resident.untagged").count() == 1


def test_the_edit_page_offers_sensitive_tags_only_to_those_who_may_set_them(client_as, street_clerk, neighbour):
    sensitive = CareTag.objects.filter(sensitive=True, active=True).first()
    clerk = Client()
    clerk.force_login(street_clerk)
    assert f'data-tag="{sensitive.code}"' not in clerk.get(f"/ledger/people/{neighbour.pk}/edit").content.decode()
    page = client_as("community").get(f"/ledger/people/{neighbour.pk}/edit").content.decode()
    assert f'data-tag="{sensitive.code}"' in page


def test_move_out_then_move_in_keeps_every_stay_in_the_history(users, neighbour):
    place = unit_of(neighbour)
    before = Residence.objects.filter(person=neighbour).count()
    person_move_out(actor=users["community"], person=neighbour, on=dt.date(2024, 3, 1))
    with pytest.raises(InvalidInput, match="早于上次迁出日期"):
        person_move_in(actor=users["community"], person=neighbour, place=place, room="808", on=dt.date(2024, 2, 1))
    person = person_move_in(actor=users["community"], person=neighbour, place=place, room="808", on=dt.date(2024, 9, 1))
    assert person.moved_out_on is None and person.household.room == "808" and person.place_id == place.pk
    stays = list(Residence.objects.filter(person=neighbour).order_by("id"))
    assert len(stays) == max(before, 1) + 1
    assert stays[-2].moved_out_on == dt.date(2024, 3, 1)
    assert (stays[-1].moved_in_on, stays[-1].moved_out_on, stays[-1].source) == (dt.date(2024, 9, 1), None, "迁入登记")
    assert events(neighbour, "resident.moved_in").count() == 1


def test_moving_house_within_the_area_closes_the_current_stay_on_the_same_day(users, neighbour):
    place = unit_of(neighbour)
    person_move_in(actor=users["grid"], person=neighbour, place=place, room="1501", on=dt.date(2025, 5, 1))
    stays = list(Residence.objects.filter(person=neighbour).order_by("id"))
    assert [s.moved_out_on for s in stays[-2:]] == [dt.date(2025, 5, 1), None]
    assert Household.objects.filter(place=place, room="1501").count() == 1


def test_a_move_to_an_address_outside_ones_scope_is_refused(users, neighbour, stranger):
    with pytest.raises(Forbidden):
        person_move_in(actor=users["grid"], person=neighbour, place=unit_of(stranger), on=dt.date(2025, 1, 1))


def test_ownership_is_recorded_with_its_exclusive_area_and_ended_as_history(users, client_as, neighbour):
    household = neighbour.household or Household.objects.filter(place_path__startswith=neighbour.place_path).first()
    client = client_as("community")
    bad = client.post(f"/ledger/people/{neighbour.pk}/ownerships", {"household": household.pk, "area_m2": "-3"})
    assert bad.status_code == 422 and "专有部分面积应大于0" in bad.content.decode()
    ok = client.post(
        f"/ledger/people/{neighbour.pk}/ownerships", {"household": household.pk, "area_m2": "89.57", "share": "0.5"}
    )
    assert ok.status_code == 302
    ownership = Ownership.objects.get(person=neighbour, household=household)
    assert (ownership.area_m2, ownership.share) == (Decimal("89.57"), Decimal("0.5"))
    with pytest.raises(Conflict):
        ownership_record(actor=users["community"], person=neighbour, household=household, area_m2="90")
    ownership_end(actor=users["community"], ownership=ownership, on=timezone.localdate())
    assert Ownership.objects.get(pk=ownership.pk).until == timezone.localdate()
    assert events(neighbour, "resident.ownership_recorded").count() == 1
    assert events(neighbour, "resident.ownership_ended").count() == 1


def test_a_grid_worker_cannot_edit_a_resident_of_another_grid_by_page_or_service(users, client_as, stranger):
    client = client_as("grid")
    assert client.get(f"/ledger/people/{stranger.pk}/edit").status_code == 404
    assert client.post(f"/ledger/people/{stranger.pk}/edit", {"name": "改名"}).status_code == 404
    assert client.post(f"/ledger/people/{stranger.pk}/move-out", {"on": "2025-01-01"}).status_code == 404
    with pytest.raises(Forbidden):
        person_update(actor=users["grid"], person=stranger, changes={"name": "改名"})
    assert Person.objects.get(pk=stranger.pk).name != "改名"


def test_a_resident_cannot_open_the_edit_page_of_their_own_record(client_as, users):
    me = users["resident"].person
    assert client_as("resident").get(f"/ledger/people/{me.pk}/edit").status_code in (403, 404)


def test_the_edit_page_costs_a_fixed_number_of_queries(users, client_as, neighbour, django_assert_max_num_queries):
    client = client_as("community")
    person_phone_add(actor=users["community"], person=neighbour, phone="13600003333")
    with django_assert_max_num_queries(16):
        response = client.get(f"/ledger/people/{neighbour.pk}/edit")
    assert response.status_code == 200 and "修改台账" in response.content.decode()
