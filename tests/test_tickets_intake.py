"""Intake: deadlines on the official calendar, idempotency, bad input, photos, categories, the sweep."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.tickets import transitions as tr
from linli.tickets.models import Category, Ticket, TicketEvent, TicketPhoto
from linli.tickets.problems import problem_add, problem_sign_off, safe_cell
from linli.tickets.services import compute_deadlines, ticket_photo_add, ticket_submit
from linli.tickets.sweep import sweep_deadlines
from tests.support import image_bytes

pytestmark = pytest.mark.django_db
CN = ZoneInfo("Asia/Shanghai")


def test_national_day_deadline_skips_the_holiday_and_counts_the_makeup_saturday():
    # 2025: 1–8 October rest; Saturday 11 October is a make-up workday.
    start = dt.datetime(2025, 9, 30, 10, 0, tzinfo=CN)
    due = compute_deadlines(category=None, start=start)
    # working days after 30 Sep: 9 Oct, 10 Oct, 11 Oct (Sat, make-up), 13 Oct, 14 Oct
    assert due.resolve_due == dt.datetime(2025, 10, 14, 23, 59, 59, tzinfo=CN)
    assert due.response_due == start + dt.timedelta(hours=24)
    assert due.warning is None


def test_unpublished_year_falls_back_to_weekends_with_a_warning():
    due = compute_deadlines(category=None, start=dt.datetime(2027, 12, 28, 9, 0, tzinfo=CN))
    assert due.resolve_due.date() == dt.date(2028, 1, 4)
    assert due.warning and "2027" in due.warning


def test_category_limits_drive_deadlines(users):
    cat = Category.objects.create(name="紧急维修", response_hours=2, resolve_workdays=1, priority="urgent")
    t, _ = ticket_submit(actor=users["resident"], description="水管爆裂", category_id=cat.pk)
    assert t.priority == "urgent"
    assert t.response_due - t.submitted_at == dt.timedelta(hours=2)


def test_same_idempotency_key_returns_the_first_request(users):
    a, created_a = ticket_submit(actor=users["resident"], description="噪音扰民", idempotency_key="k-1")
    b, created_b = ticket_submit(actor=users["resident"], description="噪音扰民", idempotency_key="k-1")
    assert created_a and not created_b and a.pk == b.pk
    assert Ticket.objects.filter(idempotency_key="k-1").count() == 1
    c, _ = ticket_submit(actor=users["volunteer"], description="噪音扰民", idempotency_key="k-1")
    assert c.pk != a.pk  # keys are per submitter


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"description": "x" * 10_000}, "description"),
        ({"description": "  "}, "description"),
        ({"description": "ok", "lat": 91, "lng": 117}, "lat"),
        ({"description": "ok", "lat": 31, "lng": 181}, "lng"),
        ({"description": "ok", "lat": "abc", "lng": "1"}, "lat"),
        ({"description": "ok", "contact_phone": "12345"}, "contact_phone"),
        ({"description": "ok", "category_id": 999999}, "category_id"),
        ({"description": "ok", "place_id": 999999}, "place_id"),
        ({"description": "ok", "source": "fax"}, "source"),
        ({"description": "ok", "title": "t" * 101}, "title"),
    ],
)
def test_bad_input_is_refused_with_its_field_and_saves_nothing(users, kwargs, field):
    before = Ticket.objects.count()
    with pytest.raises(InvalidInput) as exc:
        ticket_submit(actor=users["resident"], **kwargs)
    assert exc.value.field == field
    assert Ticket.objects.count() == before


def test_residents_cannot_pose_as_staff_sources(users):
    with pytest.raises(Forbidden):
        ticket_submit(actor=users["resident"], description="电话反映", source="phone")
    t, _ = ticket_submit(
        actor=users["grid"],
        description="巡查发现",
        source="patrol",
        reporter_name="王阿姨",
        place_id=users["resident"].person.place_id,
    )
    assert t.source == "patrol" and t.reporter_name == "王阿姨"


def test_photo_content_is_checked(users, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    t, _ = ticket_submit(actor=users["resident"], description="墙皮脱落")
    photo = ticket_photo_add(
        actor=users["resident"],
        ticket_id=t.pk,
        upload=SimpleUploadedFile("a.txt", image_bytes(), content_type="text/plain"),
    )
    assert photo.content_type == "image/png" and photo.width == 8
    fake = SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg")
    with pytest.raises(InvalidInput, match="不是有效的图片"):
        ticket_photo_add(actor=users["resident"], ticket_id=t.pk, upload=fake)
    settings.UPLOAD_MAX_BYTES = 100
    with pytest.raises(InvalidInput, match="不能超过"):
        ticket_photo_add(
            actor=users["resident"], ticket_id=t.pk, upload=SimpleUploadedFile("b.png", image_bytes((64, 64)))
        )
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    for _ in range(8):
        ticket_photo_add(actor=users["resident"], ticket_id=t.pk, upload=SimpleUploadedFile("c.png", image_bytes()))
    with pytest.raises(InvalidInput, match="最多 9 张"):
        ticket_photo_add(actor=users["resident"], ticket_id=t.pk, upload=SimpleUploadedFile("d.png", image_bytes()))
    assert TicketPhoto.objects.filter(ticket=t).count() == 9
    with pytest.raises(NotFound):  # not theirs, not on the board: as if it did not exist
        ticket_photo_add(actor=users["volunteer"], ticket_id=t.pk, upload=SimpleUploadedFile("e.png", image_bytes()))


def test_import_categories_is_idempotent(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["一级分类", "二级分类", "三级分类"])
    ws.append(["市政设施", "路灯照明", "路灯不亮"])
    ws.append(["市政设施", "路灯照明", "路灯倒伏"])
    ws.append(["环境卫生", "垃圾清运", None])
    path = tmp_path / "cats.xlsx"
    wb.save(path)
    call_command("import_categories", str(path))
    first = Category.objects.count()
    call_command("import_categories", str(path))
    assert Category.objects.count() == first == 6
    leaf = Category.objects.get(name="路灯不亮")
    assert leaf.level == 3 and leaf.full_name == "市政设施 / 路灯照明 / 路灯不亮"


def test_sweep_supervises_overdue_and_reminds_once(users):
    t, _ = ticket_submit(actor=users["resident"], description="下水道堵塞")
    tr.ticket_accept(actor=users["grid"], ticket_id=t.pk)
    Ticket.objects.filter(pk=t.pk).update(resolve_due=timezone.now() - dt.timedelta(hours=1))
    soon, _ = ticket_submit(actor=users["resident"], description="井盖松动")
    Ticket.objects.filter(pk=soon.pk).update(resolve_due=timezone.now() + dt.timedelta(hours=3))
    result = sweep_deadlines()
    assert result.supervised >= 1 and result.reminded >= 1
    event = TicketEvent.objects.get(ticket=t, action="supervise")
    assert event.actor is None and event.data["auto"] is True
    again = sweep_deadlines()
    assert not TicketEvent.objects.filter(ticket=t, action="supervise").exclude(pk=event.pk).exists()
    assert again.reminded == 0


def test_problem_list_sign_off_needs_the_request_done(users, places):
    t, _ = ticket_submit(actor=users["resident"], description="小区围墙破损")
    community = places.communities[0]
    item = problem_add(
        actor=users["community"],
        community_id=community.pk,
        title="",
        ticket_id=t.pk,
        responsible_id=users["grid"].person_id,
        due_date=timezone.localdate(),
    )
    assert item.title == t.title
    with pytest.raises(Forbidden):
        problem_add(
            actor=users["grid"],
            community_id=community.pk,
            title="x",
            responsible_id=users["grid"].person_id,
            due_date=timezone.localdate(),
        )
    from linli.core.errors import Conflict

    with pytest.raises(Conflict, match="尚未办结"):
        problem_sign_off(actor=users["community"], item_id=item.pk, note="已完成")
    tr.ticket_decline(actor=users["grid"], ticket_id=t.pk, note="属业主自有设施")
    item = problem_sign_off(actor=users["community"], item_id=item.pk, note="已解释,销号")
    assert item.status == "signed_off"
    with pytest.raises(Conflict):
        problem_sign_off(actor=users["community"], item_id=item.pk, note="again")


def test_excel_export_neutralises_formulas(users, places, client_as):
    assert safe_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_cell("正常") == "正常"
    problem_add(
        actor=users["community"],
        community_id=places.communities[0].pk,
        title="=cmd|' /C calc'!A0",
        responsible_id=users["grid"].person_id,
        due_date=timezone.localdate(),
    )
    response = client_as("community").get(f"/requests/problems/export.xlsx?community={places.communities[0].pk}")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    titles = [row[1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert "'=cmd|' /C calc'!A0" in titles


def test_demo_history_feeds_the_metrics(places):
    import random

    from linli.tickets.demo import build_demo_tickets
    from linli.tickets.metrics import compute

    assert build_demo_tickets(random.Random(3), count=120, days=60) == 120
    today = timezone.localdate()
    total, children = compute(places.street, today - dt.timedelta(days=90), today)
    assert total.received == 120
    assert 0.8 < total.response_rate <= 1 and 0.5 < total.satisfaction_rate <= 1
    assert total.grassroots_share < 1
    assert sum(f.received for f in children.values()) == 120
