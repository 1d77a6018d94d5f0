"""Accessibility: the pages each role works on every day, in Simplified Chinese, pass axe-core's WCAG 2.0
A and AA rules with no violation of impact "serious" or "critical" (contrast, names of fields, buttons and
links, the page's language, links told apart by more than colour …).

axe-core is a pinned devDependency in package.json (never copied into static/): the test reads
``node_modules/axe-core/axe.min.js`` and evaluates it in the page. The strict Content-Security-Policy blocks
an inline ``<script>`` (``page.add_script_tag(content=…)`` fails with a CSP error), but ``page.evaluate`` runs
through the DevTools protocol, which the page's policy does not govern — so each page is checked as it
really runs, under its enforced policy.

Nothing is excluded: the Leaflet maps on a request's page pass as they are."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# The pages people touch most, by the role who uses them ("" = signed out); {ticket} and {person} are
# filled in by ``detail_urls``. After them, one page of each app added since, by the role who works on it:
# where scripts/page_sweep.py (every page, by hand) found a violation, that page — a tree toggle holding a
# link (/orgs/), date fields without a name (/volunteering/wishes/stats/), and wide tables with nothing to
# tab to that a keyboard could not scroll on a phone (the others).
PAGES: dict[str, list[str]] = {
    "": ["/accounts/login/"],
    "resident": ["/", "/requests/new/", "/requests/mine/", "{ticket}", "/orgs/contacts/", "/deliberation/"],
    "volunteer": [
        "/volunteering/",
        "/requests/board/",
        "/volunteering/posts/",
        "/volunteering/wishes/",
        "/volunteering/rewards/",
        "/volunteering/points/",
        "/volunteering/profile/",
    ],
    "grid": [
        "/requests/",
        "{ticket}",
        "/ledger/",
        "{person}",
        "/orgs/",
        "/places/",
        "/visits/",
        "/teams/standards/",
        "/deliberation/committee-meetings/",
        "/routing/",
        "/accounts/security/",
    ],
    "community": [
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
    "street": ["/insights/", "/insights/reports/", "/duties/assessment/"],
    "admin": ["/audit/", "/calendar/", "/interop/", "/inbox/deliveries/", "/privacy/requests/"],
}

# Leaders work at a desk; everyone else on a phone (the ``page`` fixture's 390×844).
DESKTOP = {"street"}
PHONE = {"width": 390, "height": 844}

SEVERE = ("serious", "critical")

RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""


def detail_urls() -> dict[str, str]:
    """Some weeks of requests (so queues, figures and rankings have rows), one request of the resident's
    own in the grid worker's grid (the grid worker sees its action forms), the resident's ledger page."""
    from linli.accounts.models import User
    from linli.insights import rollups
    from linli.tickets.demo import build_demo_tickets
    from linli.tickets.services import ticket_submit

    build_demo_tickets(random.Random(3), count=60, days=40)
    rollups.rebuild()
    resident = User.objects.select_related("person").get(username="resident")
    ticket, _ = ticket_submit(
        actor=resident,
        description="楼道灯坏了,晚上看不见台阶",
        place_id=resident.person.place_id,
        lat=Decimal("39.915"),
        lng=Decimal("116.404"),
    )
    return {"ticket": f"/requests/{ticket.pk}/", "person": f"/ledger/people/{resident.person.pk}/"}


def describe(found: dict[str, list[dict[str, Any]]]) -> str:
    return "\n".join(
        f"{where}: {v['id']} ({v['impact']}) — {len(v['targets'])}×, e.g. {' | '.join(v['targets'][:3])}"
        for where, violations in found.items()
        for v in violations
    )


def test_each_roles_pages_have_no_serious_or_critical_wcag_violation(login: Any, page: Any, live_demo: Any) -> None:
    page.set_default_timeout(60_000)  # a shared 2-core machine
    axe = AXE.read_text(encoding="utf-8")
    urls = detail_urls()
    found: dict[str, list[dict[str, Any]]] = {}
    for role, paths in PAGES.items():  # one page for all roles: sign out by dropping the cookies
        page.context.clear_cookies()
        page.set_viewport_size({"width": 1280, "height": 800} if role in DESKTOP else PHONE)
        if role:
            login(role)
        for raw in paths:
            path = raw.format(**urls)
            response = page.goto(f"{live_demo.url}{path}")
            page.wait_for_load_state("networkidle")
            assert response is not None and response.status == 200, (role, path, response and response.status)
            page.evaluate(axe)
            severe = [v for v in page.evaluate(RUN_AXE) if v["impact"] in SEVERE]
            if severe:
                found[f"{role or 'signed out'} {path}"] = severe
    assert not found, "axe (wcag2a, wcag2aa) found serious or critical violations:\n" + describe(found)


def test_the_maps_zoom_buttons_are_named_in_the_pages_language(login: Any, page: Any, live_demo: Any) -> None:
    """Leaflet names its zoom buttons "Zoom in" / "Zoom out"; a screen reader on a Chinese page read them
    out in English. ``Linli.newMap`` (core/linli.js) gives them the words base.html puts on <html>."""
    urls = detail_urls()
    login("grid")
    page.goto(f"{live_demo.url}{urls['ticket']}")
    page.wait_for_selector(".leaflet-control-zoom-in")
    assert page.get_attribute(".leaflet-control-zoom-in", "title") == "放大"
    assert page.get_attribute(".leaflet-control-zoom-out", "aria-label") == "缩小"


def test_a_wide_table_with_nothing_to_tab_to_takes_a_tab_stop_only_while_it_scrolls(
    login: Any, page: Any, live_demo: Any
) -> None:
    """On a phone a wide table scrolls sideways inside itself; with no link or button in it a keyboard could
    not reach it to scroll (axe's scrollable-region-focusable). ``core/linli.js`` gives such a table a Tab
    stop while it overflows, and takes it back when the window is wide enough for the table to fit."""
    page.set_viewport_size({"width": 360, "height": 640})
    login("grid")
    page.goto(f"{live_demo.url}/accounts/security/")  # the sessions table: one session, so no button in it
    page.wait_for_load_state("networkidle")
    table = page.locator("section.card table.plain").last
    assert table.evaluate("t => t.scrollWidth > t.clientWidth") is True
    assert table.get_attribute("tabindex") == "0"
    assert table.evaluate("t => { t.focus(); return document.activeElement === t; }") is True
    page.set_viewport_size({"width": 1280, "height": 800})
    page.wait_for_function("() => !document.querySelector('table[data-scroll-stop]')")
    assert table.get_attribute("tabindex") is None
