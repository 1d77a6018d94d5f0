"""On a 360×640 phone no page scrolls the whole body sideways: a wide table (class ``plain``) scrolls
inside itself, and its columns are not squeezed to one character per line. Checked in Simplified
Chinese and in English (longer words), as the demo roles who use each page."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.browser

WIDTH = 360

# The pages a reviewer found wider than the phone, by the role who works on them; then one page of each
# app added since, by the role who works on it (scripts/page_sweep.py opens every page once, by hand, and
# found the calendar's card with its wide table widening the page: the .cols grid let its column grow).
PAGES = {
    "grid": [
        "/",
        "/requests/",
        "/ledger/",
        "/ledger/households/{household}/",
        "/accounts/security/",
        "/visits/",
        "/visits/figures/",
        "/places/",
        "/orgs/",
        "/teams/standards/",
        "/deliberation/committee-meetings/",
        "/routing/",
    ],
    "community": [
        "/requests/metrics/",
        "/visits/rules/",
        "/volunteering/registrations/",
        "/volunteering/redemptions/",
        "/volunteering/wishes/stats/",
        "/duties/tasks/",
        "/rota/figures/",
        "/workforce/",
        "/co-building/overview/",
        "/party-life/",
        "/grants/",
        "/venues/",
        "/elections/",
        "/commons/",
        "/guide/",
    ],
    "street": [
        "/routing/hotspots/",
        "/requests/metrics/",
        "/visits/rules/",
        "/insights/whistles/",
        "/duties/assessment/",
    ],
    "admin": [
        "/calendar/{year}/",
        "/audit/",
        "/interop/",
        "/inbox/deliveries/",
        "/privacy/requests/",
    ],
}

# Elements sticking out to the right of the viewport, unless a scrolling ancestor clips them (the first five;
# scripts/page_sweep.py uses the same).
OVERFLOWING = """(width) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let clipped = false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      const scrolls = getComputedStyle(p).overflowX !== 'visible';
      if (scrolls && p.getBoundingClientRect().right <= width + 1) { clipped = true; break; }
    }
    if (!clipped) out.push(`${el.tagName.toLowerCase()}.${el.className} → ${Math.round(box.right)}px`);
  }
  return out.slice(0, 5);
}"""


@pytest.fixture(params=["zh-CN", "en-GB"])
def page(browser: Any, request: Any) -> Iterator[Any]:
    """A phone: 360×640, reading Simplified Chinese or English (Accept-Language)."""
    context = browser.new_context(locale=request.param, viewport={"width": WIDTH, "height": 640})
    pg = context.new_page()
    pg.set_default_timeout(60_000)  # a shared 2-core machine
    yield pg
    context.close()


@pytest.fixture
def history(live_demo: Any) -> Any:
    """Requests, hotspots and dashboard figures, so the tables have rows."""
    from linli.insights import rollups
    from linli.routing.demo import build_demo_routing
    from linli.tickets.demo import build_demo_tickets

    build_demo_tickets(random.Random(3), count=60, days=40)
    build_demo_routing(random.Random(3))
    rollups.rebuild()
    return live_demo


def household_of_the_grid() -> int:
    from linli.accounts.models import User
    from linli.places.models import Household

    resident = User.objects.select_related("person").get(username="resident").person
    if resident.household_id:
        return resident.household_id
    return Household.objects.filter(place_path__startswith=resident.place_path[:12]).order_by("pk").first().pk


def test_no_page_is_wider_than_a_360_pixel_phone(login: Any, page: Any, history: Any) -> None:
    from linli.workdays.models import CalendarDay

    household = household_of_the_grid()
    year = CalendarDay.objects.latest("date").date.year  # a year whose table of days has rows
    too_wide: dict[str, Any] = {}
    for role, paths in PAGES.items():
        page.context.clear_cookies()
        login(role)
        for pattern in paths:
            path = pattern.format(household=household, year=year)
            response = page.goto(f"{history.url}{path}")
            page.wait_for_load_state("networkidle")
            assert response.status == 200, (role, path, response.status)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                too_wide[f"{role} {path}"] = (width, page.evaluate(OVERFLOWING, WIDTH))
    assert too_wide == {}


def test_a_wide_table_scrolls_inside_itself_and_names_keep_to_one_line(login: Any, page: Any, live_demo: Any) -> None:
    login("grid")
    page.goto(f"{live_demo.url}/ledger/")
    page.wait_for_load_state("networkidle")
    table = page.locator("table.ledger")
    assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    assert table.evaluate("t => t.getBoundingClientRect().right") <= WIDTH
    names = page.locator("table.ledger tbody td:first-child a")
    assert names.count() > 0
    lines = names.evaluate_all("links => links.map(a => [a.textContent, a.getClientRects().length])")
    assert [name for name, count in lines if count != 1] == []  # a wrapped inline link has a box per line


def test_the_session_list_names_the_browser_not_the_raw_user_agent(login: Any, page: Any, live_demo: Any) -> None:
    login("grid")
    page.goto(f"{live_demo.url}/accounts/security/")
    page.wait_for_load_state("networkidle")
    device = page.locator("section.card table.plain tbody td:first-child").first.inner_text()
    assert device.startswith("Chrome"), device
    assert "Mozilla" not in device
