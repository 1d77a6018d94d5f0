"""Done when: on a phone-sized screen the street leader finds 社区工作者 in the menu, registers a community worker's
hire with a pay grade, records a 全科社工 session and ticks the worker present; the worker's record then shows the
grade and 全科社工 已参加; and a community worker of the same community opens the record and sees the post and
qualification but no grade."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_narrow_screens import OVERFLOWING

pytestmark = pytest.mark.browser
WIDTH = 390


@pytest.mark.django_db(transaction=True)
def test_street_hr_hires_a_worker_records_training_and_the_community_sees_no_grade(
    page: Any, login: Any, live_demo: Any
) -> None:
    from linli.places.models import Place
    from linli.workforce.models import Attendance, Worker
    from tests.workforce_support import days_ago, staff_person

    url = live_demo.url
    community = Place.objects.filter(kind="community").order_by("path").first()
    secretary = staff_person(community, "community_secretary")

    login("street")
    page.click("a[data-nav=workforce]")
    page.wait_for_selector("#register")
    with page.expect_navigation():
        page.click("#new-worker")
    page.select_option("select[name=person_id]", str(secretary.pk))
    page.fill("input[name=hired_on]", "2022-03-01")
    page.select_option("select[name=place_id]", str(community.pk))
    page.select_option("select[name=post]", "secretary")
    page.select_option("select[name=grade]", "14")
    page.select_option("select[name=qualification]", "social_worker")
    page.fill("input[name=certificate_no]", "ZS20220301")
    with page.expect_navigation():
        page.click("#worker-form button[type=submit]")
    page.wait_for_selector("#record")
    assert "14 级" in page.locator("#grade").inner_text()
    assert page.evaluate(OVERFLOWING, WIDTH) == []
    worker = Worker.objects.get(person=secretary)

    page.goto(f"{url}/workforce/trainings/new/")
    page.fill("input[name=title]", "“全科社工”专题培训(第一期)")
    page.select_option("select[name=topic]", "generalist")
    page.fill("input[name=held_on]", days_ago(3).isoformat())
    page.fill("input[name=hours]", "4")
    with page.expect_navigation():
        page.click("#training-form button[type=submit]")
    page.wait_for_selector("#attendance")
    page.check(f"#attendance input[value='{worker.pk}']")
    with page.expect_navigation():
        page.click("#attendance button[type=submit]")
    page.wait_for_selector(f"#attendees li[data-worker='{worker.pk}']")
    assert Attendance.objects.filter(worker=worker).count() == 1
    page.goto(f"{url}/workforce/{worker.pk}/")
    assert "已参加" in page.locator("#generalist").inner_text()

    page.context.clear_cookies()
    login("community")
    page.goto(f"{url}/workforce/")
    page.wait_for_selector(f"#register tr[data-worker='{worker.pk}']")
    with page.expect_navigation():
        page.click(f"#register tr[data-worker='{worker.pk}'] a")
    assert "社会工作师" in page.locator("#qualification").inner_text()
    assert page.locator("#grade").count() == 0 and "14 级" not in page.content()
