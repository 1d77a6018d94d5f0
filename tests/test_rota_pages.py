"""The rota pages: the public "今日值班" (no sign-in, names masked, the office phone only), the staff pages (404 for
anyone who does not manage the desk), forms that create once and come back with the error, the Excel 排班表, and
page costs that do not grow with rows."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from openpyxl import load_workbook

from linli.audit.models import AuditEvent
from linli.rota import services_comp as sc
from linli.rota import services_shifts as ss
from linli.rota.models import CompDay, CompStatus, DutyDesk, DutyShift, ScheduleRun
from tests.rota_support import (
    HOLIDAY_MON,
    HOLIDAY_SAT,
    HOLIDAY_SUN,
    LABOUR_DAY,
    MAKEUP_SATURDAY,
    PLAIN_SUNDAY,
    TODAY,
    WORKDAY,
    account,
    colleague,
    desk,
    freeze,
    secretary,
    shift,
    staff_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch: Any) -> None:
    freeze(monkeypatch, TODAY)


@pytest.fixture
def the_desk(users: Any, places: Any) -> DutyDesk:
    return desk(users["community"], places.communities[0], phone="0551-62345678")


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# ----------------------------------------------------------------------------- public


def test_the_public_page_says_who_is_on_duty_today_by_surname_only_with_the_office_phone(
    users: Any, the_desk: DutyDesk, monkeypatch: Any
) -> None:
    me = users["community"].person
    shift(users["community"], the_desk, me, HOLIDAY_SAT)
    freeze(monkeypatch, HOLIDAY_SAT)
    page = Client().get(f"/rota/desks/{the_desk.pk}/open/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f"{me.name[0]}社工" in text and me.name not in text
    assert "0551-62345678" in text and "党群服务中心一楼" in text and "劳动节" in text
    assert me.phone and me.phone[-4:] not in text.replace("62345678", "")  # never the worker's own number
    assert 'data-open="1"' in text
    assert "09:00–17:00" in text


def test_the_public_page_says_plainly_when_nobody_is_on_duty_on_a_rest_day(
    the_desk: DutyDesk, monkeypatch: Any
) -> None:
    freeze(monkeypatch, PLAIN_SUNDAY)
    text = Client().get(f"/rota/desks/{the_desk.pk}/open/").content.decode()
    assert "今日暂无值班安排" in text


def test_the_next_seven_days_follow_the_calendar(users: Any, the_desk: DutyDesk, monkeypatch: Any) -> None:
    freeze(monkeypatch, dt.date(2026, 5, 5))
    shift(users["community"], the_desk, users["community"].person, PLAIN_SUNDAY)
    text = Client().get(f"/rota/desks/{the_desk.pk}/open/").content.decode()
    week = re.findall(r'data-day="([\d-]+)" data-open="(\d)"', text)
    opening = dict(week)
    assert opening["2026-05-06"] == "1"  # Wednesday: a workday
    assert opening[MAKEUP_SATURDAY.isoformat()] == "1"  # 调休上班
    assert opening[PLAIN_SUNDAY.isoformat()] == "1"  # someone on duty
    assert "调休上班" in text


def test_a_desk_that_is_off_or_missing_has_no_public_page(users: Any, the_desk: DutyDesk) -> None:
    DutyDesk.objects.filter(pk=the_desk.pk).update(active=False)
    assert Client().get(f"/rota/desks/{the_desk.pk}/open/").status_code == 404
    assert Client().get("/rota/desks/987654321/open/").status_code == 404


def test_the_include_shows_a_residents_desks_on_any_page(users: Any, the_desk: DutyDesk, places: Any) -> None:
    street_desk = desk(users["street"], places.street)
    html = Template("{% load rota_tags %}{% rota_today path %}").render(
        Context({"path": users["resident"].person.place_path})
    )
    assert f'data-desk="{the_desk.pk}"' in html and f'data-desk="{street_desk.pk}"' in html
    other = Template("{% load rota_tags %}{% rota_today path %}").render(Context({"path": places.other_community.path}))
    assert f'data-desk="{the_desk.pk}"' not in other


def test_a_resident_finds_todays_duty_from_the_menu(client_as: Any, the_desk: DutyDesk) -> None:
    client = client_as("resident")
    home = client.get("/rota/").content.decode()
    assert 'data-nav="rota"' in home and f'data-desk="{the_desk.pk}"' in home
    assert f'/rota/desks/{the_desk.pk}/"' not in home  # no link to the staff page


def test_the_residents_home_shows_todays_duty_of_their_community(client_as: Any, the_desk: DutyDesk) -> None:
    home = client_as("resident").get("/").content.decode()
    assert f'data-desk="{the_desk.pk}"' in home and the_desk.phone in home


# ----------------------------------------------------------------------------- scopes


@pytest.mark.parametrize("who", ["grid", "resident", "volunteer", "elsewhere"])
def test_the_staff_pages_of_a_desk_are_not_found_for_anyone_who_does_not_manage_it(
    users: Any, places: Any, the_desk: DutyDesk, who: str
) -> None:
    shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    user = users.get(who) or account(staff_of(places.other_community, "community_staff")[0], "elsewhere")
    client = login(user)
    for path in ("", "settings/", "schedule/", "rota.xlsx", "schedule/?since=2026-05-01&until=2026-05-10"):
        response = client.get(f"/rota/desks/{the_desk.pk}/{path}")
        assert response.status_code == 404, path
        assert users["community"].person.name not in response.content.decode()
    person = users["community"].person.pk
    posted = client.post(f"/rota/desks/{the_desk.pk}/", {"form": "shift_add", "person_id": person, "day": "2026-05-03"})
    assert posted.status_code == 404
    assert DutyShift.objects.count() == 1


def test_a_worker_of_another_community_does_not_see_this_communitys_desk_in_their_list(
    users: Any, places: Any, the_desk: DutyDesk
) -> None:
    outsider = account(staff_of(places.other_community, "community_staff")[0], "elsewhere")
    text = login(outsider).get("/rota/").content.decode()
    assert f'<tr data-desk="{the_desk.pk}"' not in text


# ----------------------------------------------------------------------------- forms


def test_a_manager_adds_a_shift_once_however_often_the_form_is_sent(
    client_as: Any, users: Any, the_desk: DutyDesk
) -> None:
    client = client_as("community")
    data = {"form": "shift_add", "person_id": users["community"].person_id, "day": HOLIDAY_SAT.isoformat()}
    assert client.post(f"/rota/desks/{the_desk.pk}/", data).status_code == 302
    assert client.post(f"/rota/desks/{the_desk.pk}/", data).status_code == 302
    assert DutyShift.objects.filter(desk=the_desk).count() == 1
    page = client.get(f"/rota/desks/{the_desk.pk}/?month=2026-05").content.decode()
    assert f'data-day="{HOLIDAY_SAT.isoformat()}" data-shift=' in page


def test_a_refused_shift_form_keeps_what_was_typed_and_names_the_field(
    client_as: Any, users: Any, places: Any, the_desk: DutyDesk
) -> None:
    client = client_as("community")
    response = client.post(
        f"/rota/desks/{the_desk.pk}/",
        {"form": "shift_add", "person_id": users["community"].person_id, "day": "2026-05-02", "starts_at": "18:00",
         "ends_at": "08:00"},
    )  # fmt: skip
    assert response.status_code == 422
    text = response.content.decode()
    assert 'data-field="ends_at"' in text and 'value="18:00"' in text
    bad_day = client.post(f"/rota/desks/{the_desk.pk}/", {"form": "shift_add", "person_id": "1", "day": "2026-02-30"})
    assert bad_day.status_code == 422 and 'data-field="day"' in bad_day.content.decode()


def test_the_grid_shows_rest_days_holidays_and_the_gaps_of_the_next_fortnight(
    client_as: Any, users: Any, the_desk: DutyDesk
) -> None:
    shift(users["community"], the_desk, users["community"].person, LABOUR_DAY)
    text = client_as("community").get(f"/rota/desks/{the_desk.pk}/?month=2026-05").content.decode()
    assert f'data-day="{LABOUR_DAY.isoformat()}" data-rest="1"' in text
    assert f'data-day="{MAKEUP_SATURDAY.isoformat()}" data-rest="0"' in text
    assert "劳动节" in text
    gaps = text[text.index('id="gaps"') : text.index('id="grid"')]
    assert f'data-day="{HOLIDAY_SAT.isoformat()}"' in gaps and f'data-day="{LABOUR_DAY.isoformat()}"' not in gaps


def test_auto_schedule_previews_then_applies_once_from_the_page(users: Any, places: Any, the_desk: DutyDesk) -> None:
    client = login(secretary(places.communities[0]))
    url = f"/rota/desks/{the_desk.pk}/schedule/"
    preview = client.get(url, {"since": "2026-05-01", "until": "2026-05-10"}).content.decode()
    token = re.search(r'name="token" value="([0-9a-f]+)"', preview).group(1)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', preview).group(1)
    data = {"form": "apply", "since": "2026-05-01", "until": "2026-05-10", "token": token, "idempotency_key": key}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # double submit
    assert ScheduleRun.objects.count() == 1 and DutyShift.objects.filter(desk=the_desk).count() == 6
    stale = client.post(url, {**data, "idempotency_key": "another-tab"})
    assert stale.status_code == 422 and "重新预览" in stale.content.decode()


def test_a_worker_checks_in_requests_a_day_off_and_the_secretary_approves_on_their_pages(
    users: Any, places: Any, the_desk: DutyDesk, monkeypatch: Any
) -> None:
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    assert "check-in-" not in login(users["community"]).get("/rota/mine/").content.decode()
    freeze(monkeypatch, HOLIDAY_SAT)  # a new day: a new sign-in (the idle timeout follows the clock)
    worker = login(users["community"])
    assert f'id="check-in-{mine.pk}"' in worker.get("/rota/mine/").content.decode()
    assert worker.post("/rota/mine/", {"form": "check_in", "row_id": mine.pk}).status_code == 302
    freeze(monkeypatch, HOLIDAY_MON)
    worker = login(users["community"])
    refused = worker.post("/rota/mine/", {"form": "comp_request", "shift_id": mine.pk, "day": PLAIN_SUNDAY.isoformat()})
    assert refused.status_code == 422 and "休息日" in refused.content.decode()
    data = {"form": "comp_request", "shift_id": mine.pk, "day": WORKDAY.isoformat(), "idempotency_key": "k-1"}
    assert worker.post("/rota/mine/", data).status_code == 302
    assert worker.post("/rota/mine/", data).status_code == 302
    comp = CompDay.objects.get()
    assert f'data-comp="{comp.pk}"' not in worker.get("/rota/approvals/").content.decode()  # not their own
    boss = login(secretary(places.communities[0]))
    assert f'data-comp="{comp.pk}"' in boss.get("/rota/approvals/").content.decode()
    assert boss.post("/rota/approvals/", {"form": "approve", "row_id": comp.pk}).status_code == 302
    assert CompDay.objects.get().status == CompStatus.APPROVED
    balance = worker.get("/rota/mine/").content.decode()
    assert re.search(r'data-figure="taken"><b>1</b>', balance)


def test_a_swap_is_offered_and_accepted_on_the_workers_pages(users: Any, places: Any, the_desk: DutyDesk) -> None:
    other = colleague(users, places.communities[0])
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SUN)
    me = login(users["community"])
    assert (
        me.post("/rota/mine/", {"form": "swap_offer", "row_id": mine.pk, "to_person_id": other.person_id}).status_code
        == 302
    )
    them = login(other)
    page = them.get("/rota/mine/").content.decode()
    swap_id = re.search(r'data-swap="(\d+)"', page).group(1)
    assert them.post("/rota/mine/", {"form": "swap_accept", "row_id": swap_id}).status_code == 302
    assert DutyShift.objects.get(pk=mine.pk).person_id == other.person_id


def test_nobody_acts_on_someone_elses_shift_from_my_page(
    users: Any, places: Any, the_desk: DutyDesk, monkeypatch: Any
) -> None:
    theirs = shift(users["community"], the_desk, colleague(users, places.communities[0]).person, HOLIDAY_SAT)
    freeze(monkeypatch, HOLIDAY_SAT)
    response = login(users["community"]).post("/rota/mine/", {"form": "check_in", "row_id": theirs.pk})
    assert response.status_code == 404
    assert DutyShift.objects.get(pk=theirs.pk).status == "planned"


# ----------------------------------------------------------------------------- the Excel 排班表


def test_the_month_sheet_lists_every_day_with_who_is_on_duty_and_the_export_is_audited(
    client_as: Any, users: Any, places: Any, the_desk: DutyDesk, monkeypatch: Any
) -> None:
    me = users["community"].person
    other = colleague(users, places.communities[0]).person
    shift(users["community"], the_desk, me, LABOUR_DAY)
    shift(users["community"], the_desk, other, HOLIDAY_SAT)
    freeze(monkeypatch, LABOUR_DAY)
    ss.shift_check_in(actor=users["community"], shift=DutyShift.objects.get(day=LABOUR_DAY))
    freeze(monkeypatch, HOLIDAY_SUN)
    response = client_as("community").get(f"/rota/desks/{the_desk.pk}/rota.xlsx?month=2026-05")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("日期", "星期", "日别", "值班人员", "值班时间", "签到情况")
    assert len(rows) == 1 + 31
    by_day = {r[0]: r for r in rows[1:]}
    assert by_day["2026-05-01"][2] == "劳动节" and by_day["2026-05-01"][3] == me.name
    assert "已签到" in by_day["2026-05-01"][5]
    assert by_day["2026-05-02"][5] == f"{other.name} 未签到"
    assert by_day["2026-05-09"][2] == "调休上班" and by_day["2026-05-06"][2] == "工作日"
    assert by_day["2026-05-10"][2] == "休息日"
    event = AuditEvent.objects.get(action="rota.exported")
    assert event.detail["month"] == "2026-05" and event.actor == users["community"]


# ----------------------------------------------------------------------------- costs


def _more_shifts(actor: Any, the_desk: DutyDesk, people: list[Any], days: list[dt.date]) -> None:
    for day in days:
        for person in people:
            DutyShift.objects.get_or_create(
                desk=the_desk, day=day, person=person,
                defaults={"place_path": the_desk.place_path, "starts_at": dt.time(9), "ends_at": dt.time(17),
                          "rest_day": True},
            )  # fmt: skip


@pytest.mark.parametrize(
    "path",
    ["/rota/desks/{desk}/?month=2026-05", "/rota/", "/rota/mine/", "/rota/approvals/",
     "/rota/desks/{desk}/open/", "/rota/figures/?since=2026-04-01&until=2026-05-31",
     "/rota/desks/{desk}/rota.xlsx?month=2026-05"],
)  # fmt: skip
def test_each_page_costs_the_same_queries_for_two_shifts_and_for_twenty(
    users: Any, places: Any, the_desk: DutyDesk, django_assert_max_num_queries: Any, monkeypatch: Any, path: str
) -> None:
    people = staff_of(places.communities[0])
    freeze(monkeypatch, dt.date(2026, 5, 31))
    client = login(users["community"])
    url = path.format(desk=the_desk.pk)
    _more_shifts(users["community"], the_desk, people[:2], [LABOUR_DAY])
    client.get(url)  # warm the caches the first request fills
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    days = [dt.date(2026, 5, d) for d in range(2, 31) if dt.date(2026, 5, d).weekday() >= 5]
    _more_shifts(users["community"], the_desk, people, days)
    for s in DutyShift.objects.filter(person=users["community"].person).order_by("day")[:4]:
        DutyShift.objects.filter(pk=s.pk).update(
            status="checked_in", checked_in_at=s.created_at, comp_until=s.day + dt.timedelta(days=30)
        )
        CompDay.objects.create(
            shift=s,
            desk=the_desk,
            place_path=the_desk.place_path,
            person_id=s.person_id,
            day=dt.date(2026, 6, 1) + dt.timedelta(days=s.pk % 3),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_comp_day_requested_through_the_service_shows_in_the_secretarys_queue_with_its_shift(
    users: Any, places: Any, the_desk: DutyDesk, monkeypatch: Any
) -> None:
    mine = shift(users["community"], the_desk, users["community"].person, HOLIDAY_SAT)
    freeze(monkeypatch, HOLIDAY_SAT)
    ss.shift_check_in(actor=users["community"], shift=mine)
    sc.comp_request(actor=users["community"], shift=mine, day=WORKDAY)
    text = login(secretary(places.communities[0])).get("/rota/approvals/").content.decode()
    assert "2026-05-06" in text and "2026-05-02" in text and users["community"].person.name in text
