"""Following up a visit through the API — the detail page's buttons (feedback steps, add a finding,
solve on the spot) and the photo the page shows — through the same services, scoped like the visit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from linli.audit.models import AuditEvent
from linli.places.models import Household
from linli.visits.models import Finding, Visit
from linli.visits.services import VisitInput, finding_to_request, visit_record
from tests.support import png_upload

pytestmark = pytest.mark.django_db
JSON = "application/json"
URL = "/api/v1/visits"


def visit_in(user: Any, place: Any, **kw: Any) -> Visit:
    hh = Household.objects.filter(place_path__startswith=place.path).order_by("id").first()
    data = VisitInput(household_id=hh.pk, visited_at=timezone.now() - dt.timedelta(minutes=5), **kw)
    return visit_record(actor=user, data=data, photos=[png_upload()])[0]


def test_the_visitor_marks_feedback_adds_a_finding_and_solves_it_on_the_spot(api_as, users, places, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    visit = visit_in(users["grid"], places.first_grid)
    api = api_as("grid")
    r = api.post(f"{URL}/{visit.pk}/feedback", {"step": "resident", "done": True}, content_type=JSON)
    assert r.status_code == 200 and r.json()["feedback_resident"] is True, r.content
    added = api.post(f"{URL}/{visit.pk}/findings", {"text": "楼道灯不亮"}, content_type=JSON)
    assert added.status_code == 201
    finding_id = added.json()["findings"][-1]["id"]
    solved = api.post(f"{URL}/findings/{finding_id}/solve", {"note": "已换灯泡"}, content_type=JSON)
    assert solved.status_code == 200
    assert [f["solved_on_spot"] for f in solved.json()["findings"] if f["id"] == finding_id] == [True]
    again = api.post(f"{URL}/findings/{finding_id}/solve", {"note": "已换灯泡"}, content_type=JSON)
    assert again.status_code == 409 and again.json()["error"] == "conflict"
    assert AuditEvent.objects.filter(action="visit.finding_solved", actor=users["grid"]).count() == 1
    photo_id = r.json()["photo_ids"][0]
    got = api.get(f"{URL}/photos/{photo_id}")
    assert got.status_code == 200 and got["Content-Type"] == "image/png" and got["X-Content-Type-Options"] == "nosniff"


def test_a_finding_already_turned_into_a_request_cannot_be_solved_on_the_spot(api_as, users, places):
    visit = visit_in(users["grid"], places.first_grid, findings=["井盖松动"])
    finding = visit.findings.get()
    finding_to_request(actor=users["grid"], finding_id=finding.pk)
    r = api_as("grid").post(f"{URL}/findings/{finding.pk}/solve", {}, content_type=JSON)
    assert r.status_code == 409 and "诉求" in r.json()["detail"]


def test_bad_input_names_the_field_and_changes_nothing(api_as, users, places):
    visit = visit_in(users["grid"], places.first_grid, findings=["井盖松动"])
    api = api_as("grid")
    bad_step = api.post(f"{URL}/{visit.pk}/feedback", {"step": "mayor"}, content_type=JSON)
    assert bad_step.status_code == 422 and bad_step.json()["field"] == "step"
    blank = api.post(f"{URL}/{visit.pk}/findings", {"text": "   "}, content_type=JSON)
    assert blank.status_code == 422 and blank.json()["field"] == "text" and "不能为空" in blank.json()["detail"]
    finding = visit.findings.get()
    long_note = api.post(f"{URL}/findings/{finding.pk}/solve", {"note": "长" * 501}, content_type=JSON)
    assert long_note.status_code == 422 and long_note.json()["field"] == "note"
    assert Finding.objects.filter(visit=visit).count() == 1 and not Finding.objects.get(pk=finding.pk).solved_on_spot


def test_a_visit_of_another_community_is_404_and_a_resident_is_refused(api_as, users, places, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    elsewhere = visit_in(users["admin"], places.other_community, findings=["别处的问题"])
    api = api_as("grid")
    assert api.post(f"{URL}/{elsewhere.pk}/feedback", {"step": "party"}, content_type=JSON).status_code == 404
    assert api.post(f"{URL}/{elsewhere.pk}/findings", {"text": "越界"}, content_type=JSON).status_code == 404
    finding = elsewhere.findings.get()
    assert api.post(f"{URL}/findings/{finding.pk}/solve", {}, content_type=JSON).status_code == 404
    assert api.get(f"{URL}/photos/{elsewhere.photos.get().pk}").status_code == 404
    assert api_as("resident").post(f"{URL}/{elsewhere.pk}/findings", {"text": "x"}, content_type=JSON).status_code \
        == 404  # fmt: skip
    assert Finding.objects.filter(visit=elsewhere).count() == 1
    assert not Visit.objects.get(pk=elsewhere.pk).feedback_party
