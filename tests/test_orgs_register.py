"""The organisation register (linli.orgs.services): registering 居委会, 业委会, 物业, 共建单位, 社会组织 and
职能部门 where their kind belongs, credit codes, contact phones, the places served, the audit trail, the pages'
forms and the API. The party organisation tree is tests/test_orgs_manage.py (whose helpers this reuses).
"""

from __future__ import annotations

import pytest

from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.orgs import services as s
from linli.orgs.models import Organisation, OrganisationKind
from tests.test_orgs_manage import COMPANY_CODE, JSON, SOCIAL_CODE, compounds_of, events, form_key

pytestmark = pytest.mark.django_db

# ----------------------------------------------------------------------------- organisations


def test_community_staff_register_an_owners_committee_without_a_credit_code(users, places):
    compound = compounds_of(places, 0)[0]
    org = s.organisation_register(
        actor=users["community"],
        kind=OrganisationKind.OWNERS_COMMITTEE,
        name="锦绣小区第二届业委会",
        home=compound,
        contact_name="王主任",
        contact_phone="0551-6123 4567",
    )
    assert org.uscc == "" and org.place_path == compound.path and org.created_by == users["community"]
    assert org.contact_phone == "0551-61234567"
    assert events("organisation.registered", org).get().detail["kind"] == "owners_committee"


def test_a_property_company_must_have_a_valid_credit_code(users, places):
    register = {
        "actor": users["community"],
        "kind": OrganisationKind.PROPERTY_COMPANY,
        "name": "红心物业",
        "home": places.communities[0],
    }
    for bad in ("", "123", COMPANY_CODE[:-1] + ("0" if COMPANY_CODE[-1] != "0" else "1")):
        with pytest.raises(InvalidInput) as err:
            s.organisation_register(**register, uscc=bad)
        assert err.value.field == "uscc"
    org = s.organisation_register(**register, uscc=COMPANY_CODE.lower())
    assert org.uscc == COMPANY_CODE


def test_a_social_organisation_may_register_without_a_code_but_not_with_a_wrong_one(users, places):
    register = {"actor": users["community"], "kind": OrganisationKind.SOCIAL_ORG, "home": places.communities[0]}
    assert s.organisation_register(**register, name="花园社区书画社").uscc == ""
    with pytest.raises(InvalidInput, match="统一社会信用代码"):
        s.organisation_register(**register, name="花园社区舞蹈队", uscc="52340100MA2N000300")


def test_a_duplicate_credit_code_of_the_same_kind_is_a_conflict_naming_the_code(users, places, api_as):
    register = {"actor": users["street"], "kind": OrganisationKind.SOCIAL_ORG, "home": places.street}
    s.organisation_register(**register, name="幸福里志愿者协会", uscc=SOCIAL_CODE)
    with pytest.raises(Conflict) as err:
        s.organisation_register(**register, name="另一个协会", uscc=SOCIAL_CODE)
    assert SOCIAL_CODE in err.value.message and err.value.field == "uscc"
    partner = s.organisation_register(
        actor=users["street"],
        kind=OrganisationKind.PARTNER_UNIT,
        name="协会(共建)",
        home=places.street,
        uscc=SOCIAL_CODE,
    )
    assert partner.uscc == SOCIAL_CODE  # once per kind
    response = api_as("street").post(
        "/api/v1/orgs/organisations",
        {"kind": "social_org", "name": "重复登记", "home_id": places.street.pk, "uscc": SOCIAL_CODE},
        content_type=JSON,
    )
    assert response.status_code == 409 and SOCIAL_CODE in response.json()["detail"]


def test_a_code_registered_through_co_building_is_a_duplicate_here_too(users, places):
    from linli.cobuilding import services_property as spr

    company = spr.property_company_register(
        actor=users["street"], home=places.communities[0], name="共建物业", uscc=COMPANY_CODE
    )
    assert company.kind == OrganisationKind.PROPERTY_COMPANY
    with pytest.raises(Conflict, match=COMPANY_CODE):
        s.organisation_register(
            actor=users["street"],
            kind=OrganisationKind.PROPERTY_COMPANY,
            name="同码物业",
            home=places.street,
            uscc=COMPANY_CODE,
        )


def test_an_organisation_is_registered_at_a_place_its_kind_belongs_to(users, places):
    with pytest.raises(InvalidInput, match="居委会应登记在社区") as err:
        s.organisation_register(
            actor=users["community"],
            kind=OrganisationKind.RESIDENTS_COMMITTEE,
            name="小区居委会",
            home=compounds_of(places, 0)[0],
        )
    assert err.value.field == "home_id"


def test_registering_outside_ones_manage_scope_is_refused(users, places):
    with pytest.raises(Forbidden):
        s.organisation_register(
            actor=users["grid"], kind=OrganisationKind.SOCIAL_ORG, name="网格社团", home=compounds_of(places, 0)[0]
        )
    with pytest.raises(Forbidden):
        s.organisation_register(
            actor=users["community"], kind=OrganisationKind.SOCIAL_ORG, name="越界社团", home=places.communities[1]
        )


def test_a_contact_edit_normalises_the_phone_and_records_what_changed(users, places):
    org = Organisation.objects.get(name="花园社区居委会")
    s.organisation_update(
        actor=users["community"], organisation=org, contact_name="李主任", contact_phone="13812345678"
    )
    org.refresh_from_db()
    assert (org.contact_name, org.contact_phone) == ("李主任", "13812345678")
    event = events("organisation.updated", org).get()
    assert event.detail["changes"]["contact_name"] == ["", "李主任"]
    with pytest.raises(InvalidInput) as err:
        s.organisation_update(actor=users["community"], organisation=org, contact_phone="电话找我")
    assert err.value.field == "contact_phone"
    with pytest.raises(Forbidden):
        s.organisation_update(actor=users["grid"], organisation=org, name="改名")


def test_an_unchanged_phone_typed_before_the_rules_is_left_as_it_was(users, places):
    department = Organisation.objects.filter(kind="department").first()
    old = department.contact_phone  # the demo's numbers are one digit short of a real Hefei number
    s.organisation_update(actor=users["street"], organisation=department, contact_name="联络员", contact_phone=old)
    department.refresh_from_db()
    assert department.contact_phone == old and department.contact_name == "联络员"


def test_places_served_must_be_in_the_actors_manage_scope_and_are_audited(users, places):
    org = s.organisation_register(
        actor=users["community"], kind=OrganisationKind.SOCIAL_ORG, name="花园社区书画社", home=places.communities[0]
    )
    mine, other = compounds_of(places, 0), compounds_of(places, 1)
    s.organisation_serves_set(actor=users["community"], organisation=org, places=mine)
    assert set(org.serves.values_list("pk", flat=True)) == {p.pk for p in mine}
    event = events("organisation.serves_set", org).get()
    assert event.detail == {"added": sorted(p.pk for p in mine), "removed": []}
    with pytest.raises(Forbidden):
        s.organisation_serves_set(actor=users["community"], organisation=org, places=[*mine, other[0]])
    assert org.serves.count() == len(mine)
    # a served place the actor does not manage (set by the street) stays when they edit the rest
    s.organisation_serves_set(actor=users["street"], organisation=org, places=[*mine, other[0]])
    with pytest.raises(Forbidden):
        s.organisation_serves_set(actor=users["community"], organisation=org, places=mine[:1])
    s.organisation_serves_set(actor=users["community"], organisation=org, places=[mine[0], other[0]])
    assert set(org.serves.values_list("pk", flat=True)) == {mine[0].pk, other[0].pk}


def test_a_refused_registration_keeps_what_was_typed_and_names_the_code_beside_its_field(client_as, places):
    client = client_as("community")
    page = client.get("/orgs/organisations/").content.decode()
    assert 'id="org-register"' in page
    data = {
        "form": "register",
        "kind": "property_company",
        "name": "红心物业",
        "home_id": places.communities[0].pk,
        "uscc": "91340100MA2N00010X",
        "contact_name": "张经理",
        "contact_phone": "0551-61234567",
        "idempotency_key": form_key(page),
    }
    response = client.post("/orgs/organisations/", data)
    assert response.status_code == 422
    body = response.content.decode()
    for value in ("红心物业", "91340100MA2N00010X", "张经理", "0551-61234567"):
        assert f'value="{value}"' in body
    assert '<option value="property_company" selected>' in body
    assert (
        body.index('name="uscc"')
        < body.index("统一社会信用代码“91340100MA2N00010X”")
        < body.index('name="contact_name"')
    )
    assert not Organisation.objects.filter(name="红心物业").exists()


def test_the_registration_form_registers_once_and_leads_to_the_organisation_page(client_as, places):
    client = client_as("community")
    key = form_key(client.get("/orgs/organisations/").content.decode())
    data = {
        "form": "register",
        "kind": "social_org",
        "name": "花园社区合唱团",
        "home_id": places.communities[0].pk,
        "idempotency_key": key,
    }
    first = client.post("/orgs/organisations/", data)
    second = client.post("/orgs/organisations/", data)
    org = Organisation.objects.get(name="花园社区合唱团")
    assert first["Location"] == second["Location"] == f"/orgs/organisations/{org.pk}/"
    assert client_as("grid").get("/orgs/organisations/").content.decode().count('id="org-register"') == 0


def test_the_organisation_page_saves_contact_and_served_places_for_its_managers(client_as, places):
    org = Organisation.objects.get(name="花园社区居委会")
    client = client_as("community")
    url = f"/orgs/organisations/{org.pk}/"
    page = client.get(url).content.decode()
    assert 'id="org-contact"' in page and 'id="org-serves"' in page
    refused = client.post(url, {"form": "contact", "name": org.name, "contact_name": "赵", "contact_phone": "0551-123"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert 'value="赵"' in body and 'value="0551-123"' in body
    assert body.index('name="contact_phone"') < body.index("电话“0551-123”")
    ok = client.post(url, {"form": "contact", "name": org.name, "contact_name": "赵", "contact_phone": "12345"})
    assert ok.status_code == 302
    compounds = compounds_of(places, 0)
    response = client.post(url, {"form": "serves", "serves": [places.communities[0].pk, compounds[0].pk]})
    assert response.status_code == 302
    assert set(org.serves.values_list("pk", flat=True)) == {places.communities[0].pk, compounds[0].pk}
    outside = client.post(url, {"form": "serves", "serves": [compounds_of(places, 1)[0].pk]})
    assert outside.status_code == 422
    org.refresh_from_db()
    assert (org.contact_name, org.contact_phone) == ("赵", "12345")


def test_the_organisation_page_is_read_only_for_others_and_not_found_outside_their_scope(client_as, users, places):
    street_unit = s.organisation_register(
        actor=users["street"], kind=OrganisationKind.PARTNER_UNIT, name="区图书馆", home=places.street
    )
    s.organisation_serves_set(actor=users["street"], organisation=street_unit, places=[compounds_of(places, 0)[0]])
    community = client_as("community")
    page = community.get(f"/orgs/organisations/{street_unit.pk}/")
    assert page.status_code == 200  # it serves one of their compounds
    assert "区图书馆" in page.content.decode() and 'id="org-contact"' not in page.content.decode()
    assert (
        community.post(f"/orgs/organisations/{street_unit.pk}/", {"form": "contact", "name": "改"}).status_code == 403
    )
    assert Organisation.objects.get(pk=street_unit.pk).name == "区图书馆"
    mine = Organisation.objects.get(name="花园社区居委会")
    assert client_as("grid").get(f"/orgs/organisations/{mine.pk}/").status_code == 404
    other = Organisation.objects.get(name="滨湖社区居委会")
    assert community.get(f"/orgs/organisations/{other.pk}/").status_code == 404


def test_an_api_round_trip_registers_and_edits_an_organisation(api_as, places):
    api = api_as("community")
    compound = compounds_of(places, 0)[0]
    created = api.post(
        "/api/v1/orgs/organisations",
        {
            "kind": "supervisory_board",
            "name": "锦绣小区业主监事会",
            "home_id": compound.pk,
            "contact_phone": "13912345678",
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    org = created.json()
    assert org["uscc"] == "" and org["serves"] == [] and org["contact_phone"] == "13912345678"
    patched = api.patch(
        f"/api/v1/orgs/organisations/{org['id']}",
        {"contact_name": "钱监事", "serves": [compound.pk]},
        content_type=JSON,
    )
    assert patched.status_code == 200
    assert patched.json()["contact_name"] == "钱监事" and patched.json()["serves"] == [compound.pk]
    read = api.get(f"/api/v1/orgs/organisations/{org['id']}").json()
    assert read["serves"] == [compound.pk] and read["name"] == "锦绣小区业主监事会"
    outside = api.patch(
        f"/api/v1/orgs/organisations/{org['id']}", {"serves": [compounds_of(places, 1)[0].pk]}, content_type=JSON
    )
    assert outside.status_code == 404 and outside.json()["field"] == "serves"
    bad = api.post(
        "/api/v1/orgs/organisations",
        {"kind": "property_company", "name": "无码物业", "home_id": places.communities[0].pk},
        content_type=JSON,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "uscc"
    assert api_as("grid").patch(
        f"/api/v1/orgs/organisations/{org['id']}", {"name": "x"}, content_type=JSON
    ).status_code in (403, 404)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0551-61234567", "0551-61234567"),
        ("０５５１－６１２３４５６７", "0551-61234567"),
        ("(010) 1234 5678", "010-12345678"),
        ("+86 139 1234 5678", "13912345678"),
        ("400-800-1234", "4008001234"),
        ("12345", "12345"),
        ("", ""),
    ],
)
def test_a_contact_phone_is_stored_as_it_is_dialled_in_china(typed, stored):
    from linli.core.identifiers import normalise_contact_phone

    assert normalise_contact_phone(typed) == stored


@pytest.mark.parametrize("typed", ["电话", "0551-612345", "12"])
def test_a_contact_phone_that_is_no_number_is_refused_naming_the_field(typed):
    from linli.core.identifiers import normalise_contact_phone

    with pytest.raises(InvalidInput) as err:
        normalise_contact_phone(typed)
    assert err.value.field == "contact_phone"
