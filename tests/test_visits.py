"""Home visits: recording with checklists, bad input, scope, findings to requests, feedback."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.places.models import Household
from linli.tickets.models import Source, Ticket
from linli.visits.models import ChecklistTemplate, Finding, Visit, VisitKind
from linli.visits.services import VisitInput, finding_solve_on_spot, finding_to_request, visit_record
from tests.support import png_upload

pytestmark = pytest.mark.django_db


def household_in(place: Any) -> Household:
    return Household.objects.filter(place_path__startswith=place.path).order_by("id").first()  # type: ignore[return-value]


def six_checks() -> ChecklistTemplate:
    return ChecklistTemplate.objects.get(code="six_checks")


def record(user: Any, household: Household, **kw: Any) -> Visit:
    data = VisitInput(household_id=household.pk, **kw)
    visit, created = visit_record(actor=user, data=data)
    assert created
    return visit


def test_default_checklists_six_checks_and_three_looks_are_shipped() -> None:
    names = dict(ChecklistTemplate.objects.values_list("code", "name"))
    assert names["six_checks"] == "六查六反馈"
    assert names["three_looks"] == "三看"
    assert names["care_visit"] == "关爱走访"
    assert len(six_checks().items) == 6


def test_the_checklists_say_what_seed_001_says() -> None:
    """珠晖区: 查人员、查事件、查福祉、查疑难(可疑的人与事)、查风险、查灾情; 三看 looks at key sites, public
    areas and construction sites — not at a household's life, health and needs (that is 关爱走访)."""
    six = [item["label"].split(":")[0] for item in six_checks().items]
    assert six == ["查人员", "查事件", "查福祉", "查疑难", "查风险", "查灾情"]
    assert "可疑的人与事" in six_checks().items[3]["label"]
    looks = ChecklistTemplate.objects.get(code="three_looks")
    assert [item["label"].split(":")[0] for item in looks.items] == ["看重点场所", "看公共区域", "看建设现场"]
    assert [item["key"] for item in ChecklistTemplate.objects.get(code="care_visit").items] == [
        "living",
        "health",
        "needs",
    ]


def test_grid_worker_records_a_key_household_visit_with_checklist_persons_findings_and_photo(users, places) -> None:
    hh = household_in(places.first_grid)
    member = hh.members.first()
    data = VisitInput(
        household_id=hh.pk,
        kind=VisitKind.KEY_HOUSEHOLD,
        template_id=six_checks().pk,
        answers={"people": "独居,身体尚可", "risks": "燃气软管老化"},
        person_ids=[member.pk],
        findings=["燃气软管老化需更换", ""],
        feedback_superior=True,
    )
    visit, created = visit_record(actor=users["grid"], data=data, photos=[png_upload()])
    assert created
    visit.refresh_from_db()
    assert visit.place_path == hh.place_path
    assert visit.visitor_person_id == users["grid"].person_id
    assert visit.answers == {"people": "独居,身体尚可", "risks": "燃气软管老化"}
    assert list(visit.persons.values_list("pk", flat=True)) == [member.pk]
    assert visit.people_served == 1
    assert [f.text for f in visit.findings.all()] == ["燃气软管老化需更换"]
    assert visit.photos.get().content_type == "image/png"
    assert visit.feedback_superior and not visit.feedback_party
    assert AuditEvent.objects.filter(action="visit.record", target_id=str(visit.pk)).exists()


def test_a_visit_dated_in_the_future_is_refused_and_nothing_is_saved(users, places) -> None:
    hh = household_in(places.first_grid)
    with pytest.raises(InvalidInput) as err:
        visit_record(
            actor=users["grid"],
            data=VisitInput(household_id=hh.pk, visited_at=timezone.now() + dt.timedelta(days=1), findings=["x"]),
        )
    assert err.value.field == "visited_at"
    assert not Visit.objects.exists() and not Finding.objects.exists()


def test_a_household_outside_the_visitors_scope_is_not_found(users, places) -> None:
    hh = household_in(places.other_grid)
    with pytest.raises(NotFound) as err:
        visit_record(actor=users["grid"], data=VisitInput(household_id=hh.pk))
    assert err.value.field == "household_id"
    assert not Visit.objects.exists()


def test_a_required_checklist_without_any_answer_is_refused(users, places) -> None:
    hh = household_in(places.first_grid)
    with pytest.raises(InvalidInput) as err:
        visit_record(
            actor=users["grid"],
            data=VisitInput(household_id=hh.pk, template_id=six_checks().pk, answers={"people": "  "}),
            photos=[png_upload()],
        )
    assert err.value.field == "answers"
    assert not Visit.objects.exists()


def test_an_answer_to_an_item_not_on_the_checklist_is_refused(users, places) -> None:
    hh = household_in(places.first_grid)
    with pytest.raises(InvalidInput) as err:
        visit_record(
            actor=users["grid"],
            data=VisitInput(household_id=hh.pk, template_id=six_checks().pk, answers={"made_up": "x"}),
        )
    assert err.value.field == "answers"


def test_a_person_from_another_household_is_refused(users, places) -> None:
    first, second = Household.objects.filter(place_path__startswith=places.first_grid.path).order_by("id")[:2]
    stranger = second.members.first()
    with pytest.raises(InvalidInput) as err:
        visit_record(actor=users["grid"], data=VisitInput(household_id=first.pk, person_ids=[stranger.pk]))
    assert err.value.field == "person_ids"


def test_a_file_that_is_not_an_image_saves_nothing(users, places) -> None:
    hh = household_in(places.first_grid)
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as err:
        visit_record(actor=users["grid"], data=VisitInput(household_id=hh.pk, findings=["a"]), photos=[bad])
    assert err.value.field == "photos"
    assert not Visit.objects.exists()


def test_a_retry_with_the_same_key_returns_the_first_visit(users, places) -> None:
    hh = household_in(places.first_grid)
    data = VisitInput(household_id=hh.pk, idempotency_key="k-1", findings=["漏水"])
    first, created = visit_record(actor=users["grid"], data=data)
    again, created_again = visit_record(actor=users["grid"], data=data)
    assert created and not created_again
    assert again.pk == first.pk
    assert Visit.objects.count() == 1 and Finding.objects.count() == 1


def test_the_same_visit_submitted_twice_without_a_key_is_a_conflict(users, places) -> None:
    hh = household_in(places.first_grid)
    at = timezone.now() - dt.timedelta(hours=1)
    record(users["grid"], hh, visited_at=at)
    with pytest.raises(Conflict):
        visit_record(actor=users["grid"], data=VisitInput(household_id=hh.pk, visited_at=at))
    assert Visit.objects.count() == 1


def test_a_volunteer_cannot_record_a_visit(users, places) -> None:
    hh = household_in(places.first_grid)
    with pytest.raises(NotFound):
        visit_record(actor=users["volunteer"], data=VisitInput(household_id=hh.pk))


def test_a_finding_becomes_a_visit_request_linked_both_ways_and_a_second_tap_returns_it(users, places) -> None:
    hh = household_in(places.first_grid)
    visit = visit_record(
        actor=users["grid"], data=VisitInput(household_id=hh.pk, findings=["楼道灯坏了"]), photos=[png_upload()]
    )[0]
    finding = visit.findings.get()
    ticket = finding_to_request(actor=users["grid"], finding_id=finding.pk)
    assert ticket.source == Source.VISIT
    assert ticket.place_id == hh.place_id
    assert ticket.title == "楼道灯坏了"
    assert "入户走访发现" in ticket.description
    assert ticket.photos.count() == 1
    finding.refresh_from_db()
    assert finding.ticket_id == ticket.pk
    assert ticket.visit_finding == finding
    assert finding_to_request(actor=users["grid"], finding_id=finding.pk).pk == ticket.pk
    assert Ticket.objects.count() == 1


def test_a_finding_solved_on_the_spot_cannot_become_a_request(users, places) -> None:
    hh = household_in(places.first_grid)
    finding = record(users["grid"], hh, findings=["门锁松动"]).findings.get()
    finding_solve_on_spot(actor=users["grid"], finding_id=finding.pk, note="已拧紧")
    with pytest.raises(Conflict):
        finding_to_request(actor=users["grid"], finding_id=finding.pk)
    assert not Ticket.objects.exists()


def test_another_grids_worker_cannot_see_or_act_on_a_visit(users, places, client_as) -> None:
    hh = household_in(places.other_grid)
    visit = record(users["admin"], hh, findings=["x"])
    finding = visit.findings.get()
    with pytest.raises(NotFound):
        finding_to_request(actor=users["grid"], finding_id=finding.pk)
    client = client_as("grid")
    assert client.get(reverse("visits:detail", args=[visit.pk])).status_code == 404
    response = client.post(reverse("visits:act", args=[visit.pk]), {"action": "to_request", "finding_id": finding.pk})
    assert response.status_code == 404
    assert client.get(reverse("visits:new") + f"?household={hh.pk}").status_code == 404
    assert not Ticket.objects.exists()


def test_the_phone_form_records_a_visit_and_one_tap_turns_a_finding_into_a_request(users, places, client_as) -> None:
    hh = household_in(places.first_grid)
    client = client_as("grid")
    page = client.get(reverse("visits:new") + f"?household={hh.pk}")
    assert page.status_code == 200 and "六查六反馈" in page.content.decode()
    response = client.post(
        reverse("visits:new"),
        {
            "household_id": hh.pk,
            "kind": "key_household",
            "template_id": six_checks().pk,
            "answer_people": "在家",
            "findings": "下水道堵塞\n墙皮脱落",
            "idempotency_key": "form-1",
            "photos": png_upload(),
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("visits:detail", args=[visit.pk])
    finding = visit.findings.order_by("id").first()
    client.post(reverse("visits:act", args=[visit.pk]), {"action": "to_request", "finding_id": finding.pk})
    finding.refresh_from_db()
    detail = client.get(reverse("visits:detail", args=[visit.pk])).content.decode()
    assert finding.ticket.number in detail and "在家" in detail


def test_the_form_shows_the_checklist_error_and_keeps_what_was_typed(users, places, client_as) -> None:
    hh = household_in(places.first_grid)
    response = client_as("grid").post(
        reverse("visits:new"),
        {"household_id": hh.pk, "template_id": six_checks().pk, "notes": "老人不在家", "idempotency_key": "f-2"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-field="answers"' in body and "老人不在家" in body
    assert not Visit.objects.exists()


def test_feedback_steps_are_marked_done_and_undone(users, places, client_as) -> None:
    hh = household_in(places.first_grid)
    visit = record(users["grid"], hh)
    client = client_as("grid")
    client.post(reverse("visits:act", args=[visit.pk]), {"action": "feedback", "step": "party", "done": "1"})
    visit.refresh_from_db()
    assert visit.feedback_party
    client.post(reverse("visits:act", args=[visit.pk]), {"action": "feedback", "step": "party", "done": "0"})
    visit.refresh_from_db()
    assert not visit.feedback_party


def test_the_visit_list_costs_a_bounded_number_of_queries(users, places, client_as, django_assert_max_num_queries):
    for i, hh in enumerate(Household.objects.filter(place_path__startswith=places.first_grid.path)[:8]):
        record(users["grid"], hh, findings=[f"问题{i}"], visited_at=timezone.now() - dt.timedelta(hours=i + 1))
    client = client_as("grid")
    with django_assert_max_num_queries(14):
        response = client.get(reverse("visits:list"))
    assert response.content.decode().count("data-visit=") == 8


def test_the_request_page_links_back_to_the_visit_it_came_from(users, places, client_as) -> None:
    hh = household_in(places.first_grid)
    visit = visit_record(actor=users["grid"], data=VisitInput(household_id=hh.pk, findings=["井盖松动"]))[0]
    ticket = finding_to_request(actor=users["grid"], finding_id=visit.findings.get().pk)
    page = client_as("grid").get(f"/requests/{ticket.pk}/").content.decode()
    assert f'href="/visits/{visit.pk}/"' in page
    assert "来自入户走访" in page


def test_the_household_page_shows_its_visit_history(users, places, client_as) -> None:
    hh = household_in(places.first_grid)
    visit = visit_record(actor=users["grid"], data=VisitInput(household_id=hh.pk))[0]
    page = client_as("grid").get(f"/ledger/households/{hh.pk}/").content.decode()
    assert 'id="household-visits"' in page
    assert f'data-visit="{visit.pk}"' in page


def test_a_seeded_checklist_visits_already_used_keeps_its_items_and_the_seeds_version_is_added_beside_it(
    users: Any, places: Any
) -> None:
    """Migration visits 0004 on a database where 0002's 六查 was in use: old visits keep the items they were
    recorded with (the checklists page's promise), the old list is switched off, the seed's one added."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("linli.visits.migrations.0004_checklists_in_the_seeds_words")
    old_items = [{"key": key, "label": f"旧{key}"} for key in migration.OLD["six_checks"]]
    ChecklistTemplate.objects.filter(code="six_checks").update(name="六查六反馈", items=old_items)
    visit = record(
        users["grid"], household_in(places.grids[0]), template_id=six_checks().pk, answers={"doubts": "政策疑问"}
    )

    migration.forwards(apps, None)

    old = ChecklistTemplate.objects.get(code="six_checks")
    assert old.active is False and old.items == old_items
    new = ChecklistTemplate.objects.get(code="six_checks_001")
    assert new.active and [i["key"] for i in new.items][3] == "suspicious"
    visit.refresh_from_db()
    assert visit.template_id == old.pk and visit.answers == {"doubts": "政策疑问"}
    migration.forwards(apps, None)  # run twice (a re-applied data migration): nothing added twice
    assert ChecklistTemplate.objects.filter(code__startswith="six_checks").count() == 2
