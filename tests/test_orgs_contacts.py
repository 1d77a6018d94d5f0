"""服务我家的组织: a resident finds the organisations serving their home — their street's departments, their
community's residents' committee, their compound's property company — with the public office phone (seed 001:
公示…部门联系电话), and nothing of another street's or the contact persons' names."""

from __future__ import annotations

import pytest

from linli.orgs.models import Organisation, OrganisationKind

pytestmark = pytest.mark.django_db


def test_a_resident_sees_the_departments_of_their_street_with_their_phones(client_as, users, places):
    page = client_as("resident").get("/orgs/contacts/").content.decode()

    resident_path = users["resident"].person.place_path
    theirs = Organisation.objects.filter(kind=OrganisationKind.DEPARTMENT, place_path=resident_path[:8])
    assert theirs.exists()
    for org in theirs:
        assert org.name in page and f'href="tel:{org.contact_phone}"' in page


def test_an_organisation_serving_another_street_is_not_listed_and_contact_names_stay_with_staff(
    client_as, users, places
):
    resident_path = users["resident"].person.place_path
    elsewhere = (
        Organisation.objects.exclude(place_path__startswith=resident_path[:8])
        .exclude(serves__path__in=[resident_path[:n] for n in range(4, len(resident_path) + 1, 4)])
        .first()
    )
    own = Organisation.objects.filter(place_path=resident_path[:8]).first()
    Organisation.objects.filter(pk=own.pk).update(contact_name="张主任")

    page = client_as("resident").get("/orgs/contacts/").content.decode()

    if elsewhere is not None:
        assert elsewhere.name not in page
    assert own.name in page and "张主任" not in page


def test_a_property_company_serving_the_residents_compound_is_listed(client_as, users, places):
    person = users["resident"].person
    company = Organisation.objects.create(
        kind=OrganisationKind.PROPERTY_COMPANY,
        name="安居物业服务有限公司",
        home=places.street,
        place_path=places.street.path,
        contact_phone="0551-62345678",
    )
    compound_path = person.place_path[:16]
    company.serves.add(*[p for p in places.compounds if p.path == compound_path])

    page = client_as("resident").get("/orgs/contacts/").content.decode()

    assert "安居物业服务有限公司" in page and "0551-62345678" in page


def test_an_account_without_a_ledger_record_is_told_whom_to_ask(client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user(username="newcomer", password="x-Long-enough-9"))
    page = client.get("/orgs/contacts/").content.decode()
    assert "还没有关联居民登记信息" in page


def test_the_page_costs_the_same_queries_however_many_organisations_serve_the_home(
    client_as, users, places, django_assert_max_num_queries
):
    client = client_as("resident")
    client.get("/orgs/contacts/")
    for i in range(10):
        Organisation.objects.create(
            kind=OrganisationKind.SOCIAL_ORG,
            name=f"社会组织{i}",
            home=places.street,
            place_path=places.street.path,
        )
    with django_assert_max_num_queries(12):
        page = client.get("/orgs/contacts/").content.decode()
    assert "社会组织9" in page
