"""Every app's main pages, as the roles that use them, under the *enforced* Content-Security-Policy
(the default) raise no ``securitypolicyviolation`` and log no CSP error in the console: no inline
script, inline style attribute, ``on*=`` handler or ``javascript:`` URL is left, and the vendored
htmx, Leaflet and ECharts run without ``unsafe-inline`` / ``unsafe-eval`` (maps draw, charts draw
and show their tooltip, htmx swaps)."""

from __future__ import annotations

from typing import Any

import pytest

PAGES = {
    "resident": [
        "/",
        "/requests/new/",
        "/requests/mine/",
        "{ticket}",
        "/privacy/",
        "/privacy/register/",
        "/inbox/",
        "/volunteering/",
        "/volunteering/wishes/",
        "/volunteering/wishes/new/",
        "/volunteering/points/",
        "/deliberation/",
        "/deliberation/votes/",
        "/co-building/mine/",
        "/ledger/me/",
        "/accounts/security/",
    ],
    "grid": [
        "/",
        "/requests/",
        "/requests/entry/",
        "/requests/board/",
        "/visits/",
        "/visits/new/",
        "/visits/hazards/",
        "/ledger/",
        "/places/",
        "{ticket}",
    ],
    "community": [
        "/",
        "/requests/",
        "/requests/metrics/",
        "{ticket}",
        "/requests/problems/",
        "/ledger/",
        "/ledger/corrections/",
        "/ledger/import/",
        "/privacy/requests/",
        "/visits/coverage/",
        "/visits/figures/",
        "/deliberation/",
        "/deliberation/topics/",
        "/deliberation/meetings/",
        "/deliberation/mediation/",
        "/volunteering/activities/",
        "/volunteering/rewards/",
        "/volunteering/registrations/",
        "/party-life/",
        "/co-building/",
        "/co-building/projects/",
        "/co-building/property/",
        "/co-building/lists/",
        "/routing/",
        "/routing/hotspots/",
    ],
    "street": [
        "/",
        "/places/",
        "/orgs/",
        "{place}",
        "/orgs/organisations/",
        "/insights/",
        "/insights/map/",
        "/insights/screen/",
        "/insights/reports/",
        "/co-building/",
        "/co-building/funds/",
        "/party-life/",
        "/party-life/figures/",
    ],
    "admin": [
        "/",
        "/audit/",
        "/interop/",
        "/calendar/",
        "/privacy/register/",
        "/accounts/admin/sessions/",
        "/inbox/robots/",
        "/inbox/deliveries/",
        "/routing/",
        "/requests/categories/",
        "/visits/checklists/",
    ],
}

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  var where = (e.sourceFile || '') + ':' + e.lineNumber;
  window.__csp.push(e.effectiveDirective + ' ' + (e.blockedURI || 'inline') + ' @' + where + ' ' + (e.sample || ''));
});
"""


def detail_urls() -> dict[str, str]:
    """A place page with a map (a boundary) and a located request (its page draws a pin)."""
    from decimal import Decimal

    from linli.accounts.models import User
    from linli.places.models import Place
    from linli.tickets.models import Ticket
    from linli.tickets.services import ticket_submit

    place = Place.objects.filter(boundary__isnull=False).order_by("-depth", "path").first()
    assert place is not None, "the demo has mapped places"
    ticket = Ticket.objects.filter(lat__isnull=False).order_by("pk").first()
    if ticket is None:
        resident = User.objects.select_related("person").get(username="resident")
        ticket, _ = ticket_submit(
            actor=resident,
            description="楼道灯坏了,晚上看不见台阶",
            place_id=resident.person.place_id,
            lat=Decimal("39.915"),
            lng=Decimal("116.404"),
        )
    return {"place": f"/places/{place.pk}/", "ticket": f"/requests/{ticket.pk}/"}


def hover_charts(page: Any) -> None:
    """ECharts renders its tooltip on hover; in HTML mode that is markup with style attributes."""
    for box in page.locator("[id^=chart-]").all():
        if box.is_visible():
            b = box.bounding_box()
            if b:
                page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)
                page.mouse.move(b["x"] + b["width"] / 2 + 3, b["y"] + b["height"] / 2 + 3)
                page.wait_for_timeout(150)


@pytest.mark.parametrize("role", list(PAGES))
def test_every_apps_main_pages_raise_no_csp_violation_under_the_enforced_policy(
    role: str, login: Any, page: Any, live_demo: Any
) -> None:
    page.set_default_timeout(90_000)  # a shared CI machine under load serves the first page slowly
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: console.append(f"page error: {e}"))
    login(role)
    urls = detail_urls()
    found: dict[str, list[str]] = {}
    for raw in PAGES[role]:
        path = raw.format(**urls)
        console.clear()
        response = page.goto(f"{live_demo.url}{path}")
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status < 400, (path, response and response.status)
        headers = response.headers
        assert "content-security-policy-report-only" not in headers, "enforcing is the default"
        policy = headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
        hover_charts(page)
        events = page.evaluate("window.__csp || []") + console
        if events:
            found[path] = events
    assert not found, found


def test_maps_charts_and_htmx_still_work_under_the_enforced_policy(login: Any, page: Any, live_demo: Any) -> None:
    page.set_default_timeout(90_000)
    page.add_init_script(LISTEN)
    login("street")
    page.goto(f"{live_demo.url}/insights/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#chart-trend canvas").count() >= 1, "ECharts drew the trend chart"
    # the tooltip: ECharts' HTML tooltips carry style attributes, which the policy would block
    page.evaluate(
        "['chart-trend', 'chart-categories', 'chart-sources'].forEach(function (id) {"
        " var el = document.getElementById(id); var c = el && echarts.getInstanceByDom(el);"
        " if (c) { c.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0}); } })"
    )
    page.wait_for_timeout(300)
    assert page.evaluate("window.__csp") == [], page.evaluate("window.__csp")
    page.goto(f"{live_demo.url}{detail_urls()['place']}")
    page.wait_for_load_state("networkidle")
    assert page.locator(".leaflet-container").count() == 1, "Leaflet built the place map"
    assert page.locator(".leaflet-interactive, .leaflet-zoom-animated canvas").count() >= 1
    # htmx: the inbox badge polls over htmx; a real swap happens when the event fires
    with page.expect_response(lambda r: "/inbox/badge/" in r.url):
        page.evaluate("htmx.trigger(document.body, 'inbox-changed')")
    assert page.evaluate("window.__csp") == []


def test_a_place_name_written_as_markup_shows_as_text_in_the_maps_tooltip(
    login: Any, page: Any, live_demo: Any
) -> None:
    """Leaflet puts a string tooltip into the page as HTML; a place named with markup must stay text
    (session 14 review: both maps passed names as strings)."""
    from linli.places.models import Place

    parent = Place.objects.filter(kind="community").order_by("path").first()
    assert parent is not None
    child = Place.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).order_by("path").first()
    Place.objects.filter(pk=child.pk).update(name='<b class="injected">粗</b>小区')
    page.set_default_timeout(90_000)
    login("street")
    page.goto(f"{live_demo.url}/places/{parent.pk}/")
    page.wait_for_load_state("networkidle")
    shapes = page.locator(".leaflet-interactive")
    assert shapes.count() >= 2, "the community and its children are drawn"
    for i in range(1, shapes.count()):
        shapes.nth(i).dispatch_event("mouseover")
    tooltip = page.locator(".leaflet-tooltip")
    assert tooltip.count() >= 1
    assert page.locator(".leaflet-tooltip .injected").count() == 0
    assert '<b class="injected">' in " ".join(tooltip.all_inner_texts())
