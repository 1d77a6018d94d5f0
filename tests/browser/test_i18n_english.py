"""An English-speaking browser sees English: the pages of accounts, insights, routing, co-building and
privacy show no Chinese except the records themselves (names of people, places, organisations) and the
Chinese terms the English translation keeps in brackets on purpose, e.g. "(未诉先办)"."""

from __future__ import annotations

import random
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import pytest

from linli.insights import rollups

pytestmark = pytest.mark.browser

CJK_RUN = re.compile(r"[\u3400-\u9fff][\u3400-\u9fff0-9A-Za-z·]*")
ROOT = Path(__file__).resolve().parents[2]

PAGES = [
    "/accounts/security/",
    "/insights/",
    "/insights/figures/satisfaction_rate/",
    "/insights/requests/?figure=resolved",
    "/insights/map/",
    "/insights/reports/",
    "/routing/",
    "/routing/hotspots/",
    "/co-building/",
    "/co-building/property/",
    "/co-building/committees/",
    "/co-building/ratings/",
    "/co-building/needs/",
    "/co-building/projects/",
    "/co-building/funds/",
    "/co-building/partners/",
    "/privacy/requests/",
]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A browser whose owner reads English (Accept-Language: en-GB)."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(60_000)  # a shared 2-core machine
    yield pg
    context.close()


@pytest.fixture
def history(live_demo: Any) -> Any:
    from linli.cobuilding.demo import build_demo_cobuilding
    from linli.routing.demo import build_demo_routing
    from linli.tickets.demo import build_demo_tickets

    build_demo_tickets(random.Random(3), count=60, days=40)
    build_demo_cobuilding(random.Random(3))
    build_demo_routing(random.Random(3))
    rollups.rebuild()
    urllib.request.urlopen(f"{live_demo.url}/accounts/login/", timeout=180).read()  # noqa: S310  (http://localhost)
    return live_demo


def detail_pages() -> list[str]:
    from linli.cobuilding.models import Fund, Need, Project, Rating
    from linli.orgs.models import Organisation

    rows = [
        ("/co-building/ratings/{}/", Rating.objects.order_by("pk").first()),
        ("/co-building/needs/{}/", Need.objects.order_by("pk").first()),
        ("/co-building/projects/{}/", Project.objects.order_by("pk").first()),
        ("/co-building/funds/{}/", Fund.objects.order_by("pk").first()),
        ("/co-building/property/companies/{}/credit/", Organisation.objects.filter(kind="property_company").first()),
    ]
    assert all(obj is not None for _, obj in rows), "the co-building demo should give every detail page a record"
    return [pattern.format(obj.pk) for pattern, obj in rows]


def record_words() -> str:
    """Chinese that is data, not interface: every text stored by the apps these pages show
    (names, titles, notes, evidence written by services), joined for substring search."""
    from django.apps import apps
    from django.db import models

    texts: list[str] = []
    for label in ["places", "people", "orgs", "tickets", "cobuilding", "routing", "privacy", "accounts", "audit"]:
        for model in apps.get_app_config(label).get_models():
            fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
            if fields:
                for row in model._default_manager.values_list(*fields):
                    texts.extend(v for v in row if v and CJK_RUN.search(v))
    return "\n".join(texts)


def kept_terms() -> str:
    """The English catalogue's own Chinese (terms kept in brackets, the language names)."""
    po = polib.pofile(str(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    return " ".join(e.msgstr for e in po if e.msgstr) + " 简体中文 繁體中文"


def stray_chinese(page: Any, base: str, paths: list[str]) -> dict[str, set[str]]:
    data = record_words()
    allowed = kept_terms()
    stray: dict[str, set[str]] = {}
    for path in paths:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        text = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
        for run in CJK_RUN.findall(text):
            if run in allowed or run in data:
                continue
            stray.setdefault(run, set()).add(path)
    return stray


def test_an_english_reader_sees_english_labels_charts_and_messages_on_the_new_pages(login, history):
    page = login("street")
    assert page.locator("html").get_attribute("lang") == "en"

    stray = stray_chinese(page, history.url, PAGES + detail_pages())
    assert stray == {}, f"Chinese interface text on English pages: {stray}"

    # The trend chart is drawn by JavaScript: its legend comes from the page, not from the script.
    page.goto(f"{history.url}/insights/")
    page.wait_for_selector("#chart-trend canvas")
    legend = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-trend')).getOption().legend[0].data"
    )
    assert legend == ["Received", "Resolved"]
    assert "Response rate" in page.inner_text("#figures")


def test_residents_and_administrators_see_their_pages_in_english_too(login, history):
    page = login("resident")
    stray = stray_chinese(page, history.url, ["/co-building/mine/", "/privacy/", "/accounts/security/"])
    assert stray == {}, f"Chinese interface text on a resident's English pages: {stray}"

    page.context.clear_cookies()
    page = login("admin")
    paths = ["/accounts/admin/sessions/", "/routing/keywords/", "/routing/accuracy/", "/audit/"]
    stray = stray_chinese(page, history.url, paths)
    assert stray == {}, f"Chinese interface text on an administrator's English pages: {stray}"
