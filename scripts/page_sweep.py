"""Accessibility and narrow-screen sweep of every HTML page, as each demo role (a developer tool, not part
of ``make test``).

tests/browser/test_accessibility.py and tests/browser/test_narrow_screens.py each check a short list of
pages, so that CI stays fast. This sweep checks all of them once, by hand, to find what those lists miss:

* every URL pattern is walked from the resolver and filled with real demo ids, exactly as the page crawl
  does (``tests/test_pages_crawl_s12.all_urls``; /api/, /static/, /admin/, /open311/ and /i18n/ left out);
* each role (signed out, resident, volunteer, grid, community, street, admin) first GETs every URL with
  Django's test client; the URLs answering 200 with an HTML page (no download, no export) are the ones
  that role can open;
* Chromium (Debian's /usr/bin/chromium, never a downloaded one) signs in through the real login form, with
  the second factor for staff (the ``login`` fixture of tests/browser/conftest.py), and opens each of those
  pages on a 360×640 phone:

  (a) the body must not scroll sideways: ``document.scrollingElement.scrollWidth <= innerWidth + 1``, as
      test_narrow_screens.py checks (the elements sticking out are recorded);
  (b) axe-core (``node_modules/axe-core/axe.min.js``; WCAG 2 A and AA, the same ``RUN_AXE`` as
      test_accessibility.py) must find no violation of impact "serious" or "critical".

It is a pytest module so that it reuses the test fixtures (the demo street on a live server, the login with
its second factor). Run it from the repository root::

    .venv/bin/python -m pytest scripts/page_sweep.py -p tests.conftest -p tests.browser.conftest -s

Environment variables narrow or widen a run:

    SWEEP_ROLES      comma-separated roles, "anonymous" for signed out (default: all seven)
    SWEEP_LOCALE     the browser's language, sent as Accept-Language (default zh-CN; en-GB for English)
    SWEEP_CHECKS     "axe,overflow" (default), or one of them (the English run needs only overflow)
    SWEEP_PER_ROUTE  at most this many URLs of one route per role (default 3: the crawl's first, middle and
                     last id); 1 is quicker: one page of each route
    SWEEP_ONLY       a regular expression: only paths it matches (to re-check pages after a fix)
    SWEEP_OUT        where the JSON report goes (default /tmp/page_sweep.json)
    SWEEP_VIEWPORT   the window, WIDTHxHEIGHT (default 360x640; 1280x800 checks the desk layout with axe)

(``python -m``, not ``.venv/bin/pytest``: the two ``-p`` plugins are imported before pytest-django puts the
repository on the path.) On a busy 2-core machine the whole Chinese run (~800 pages) takes about 10 minutes,
the English width check 8.

The first run (December 2026) found, on the pages the two tests did not list: wide tables with nothing to tab
to (scrollable-region-focusable) on 15 pages, the party tree's links inside <summary> (nested-interactive),
the wish statistics' unnamed date fields (label) and the holiday calendar wider than the phone — all fixed.

The report lists, per role, the pages visited and, per page, the axe violations (rule id, impact, up to five
CSS targets) and the overflow (body width and the first elements sticking out). The test fails when
anything was found, and prints a summary by rule and page.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ROLES = ["anonymous", "resident", "volunteer", "grid", "community", "street", "admin"]
WIDTH, HEIGHT = 360, 640  # a small phone; SWEEP_VIEWPORT=1280x800 runs axe on a desk's layout
SEVERE = ("serious", "critical")


def settings() -> dict[str, Any]:
    viewport = os.environ.get("SWEEP_VIEWPORT", f"{WIDTH}x{HEIGHT}")
    return {
        "roles": [r for r in os.environ.get("SWEEP_ROLES", ",".join(ROLES)).split(",") if r],
        "locale": os.environ.get("SWEEP_LOCALE", "zh-CN"),
        "checks": set(os.environ.get("SWEEP_CHECKS", "axe,overflow").split(",")),
        "per_route": int(os.environ.get("SWEEP_PER_ROUTE", "3")),
        "only": re.compile(os.environ.get("SWEEP_ONLY", "")),
        "out": Path(os.environ.get("SWEEP_OUT") or Path(tempfile.gettempdir()) / "page_sweep.json"),
        "viewport": dict(zip(("width", "height"), map(int, viewport.split("x")), strict=True)),
    }


def history() -> None:
    """Weeks of requests, hotspots and dashboard figures, so that lists, tables and charts have rows."""
    from linli.insights import rollups
    from linli.routing.demo import build_demo_routing
    from linli.tickets.demo import build_demo_tickets

    build_demo_tickets(random.Random(3), count=60, days=40)
    build_demo_routing(random.Random(3))
    rollups.rebuild()


def pages_of(client: Any, per_route: int, only: re.Pattern[str]) -> list[tuple[str, str]]:
    """(route name, url) of the HTML pages this client gets 200 for, at most ``per_route`` per route."""
    from tests.test_pages_crawl_s12 import all_urls, is_html

    out: list[tuple[str, str]] = []
    taken: Counter[str] = Counter()
    for name, url, missing in all_urls():
        if missing or taken[name] >= per_route or not only.search(url):
            continue
        r = client.get(url)
        if r.status_code == 200 and is_html(r) and "<html" in r.content.decode("utf-8", "replace"):
            out.append((name, url))
            taken[name] += 1
    return out


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A 360×640 phone reading ``SWEEP_LOCALE`` (the ``login`` fixture signs in on this page)."""
    conf = settings()
    context = browser.new_context(locale=conf["locale"], viewport=conf["viewport"])
    pg = context.new_page()
    pg.set_default_timeout(60_000)  # a shared 2-core machine
    yield pg
    context.close()


def test_sweep_every_page(login: Callable[[str], Any], page: Any, live_demo: Any, client_as: Any) -> None:
    from django.test import Client

    from tests.browser.test_accessibility import RUN_AXE
    from tests.browser.test_narrow_screens import OVERFLOWING

    conf = settings()
    pg, sign_in = page, login
    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 403s, 404s and 405s of the pre-filter
    history()
    axe = AXE.read_text(encoding="utf-8")
    report: dict[str, Any] = {"locale": conf["locale"], "roles": {}}
    started = time.monotonic()
    for role in conf["roles"]:
        client = Client() if role == "anonymous" else client_as(role)
        client.raise_request_exception = False
        urls = pages_of(client, conf["per_route"], conf["only"])
        pg.context.clear_cookies()
        if role != "anonymous":
            sign_in(role)
        found: dict[str, Any] = {}
        visited = 0
        for name, url in urls:
            response = pg.goto(f"{live_demo.url}{url}")
            pg.wait_for_load_state("networkidle")
            if role != "anonymous" and "/accounts/login/" in pg.url and not url.startswith("/accounts/login/"):
                sign_in(role)  # a page ended the session (or it timed out): sign in again and retry once
                response = pg.goto(f"{live_demo.url}{url}")
                pg.wait_for_load_state("networkidle")
            status = response.status if response else None
            if status != 200:
                found[url] = {"name": name, "status": status, "landed": pg.url}
                continue
            visited += 1
            entry: dict[str, Any] = {}
            if "overflow" in conf["checks"]:
                width = pg.evaluate("document.scrollingElement.scrollWidth")
                inner = pg.evaluate("window.innerWidth")
                if width > inner + 1:
                    entry["overflow"] = {"width": width, "elements": pg.evaluate(OVERFLOWING, inner)}
            if "axe" in conf["checks"]:
                pg.evaluate(axe)
                severe = [
                    {"id": v["id"], "impact": v["impact"], "count": len(v["targets"]), "targets": v["targets"][:5]}
                    for v in pg.evaluate(RUN_AXE)
                    if v["impact"] in SEVERE
                ]
                if severe:
                    entry["axe"] = severe
            if entry:
                found[url] = {"name": name, **entry}
        seconds = round(time.monotonic() - started)
        report["roles"][role] = {
            "visited": visited,
            "candidates": len(urls),
            "found": found,
            "at_second": seconds,
            "pages": [url for _, url in urls],
        }
        with_findings = sum(1 for f in found.values() if "status" not in f)
        print(
            f"{role}: {visited} pages visited, {with_findings} with findings ({seconds} s since the start)", flush=True
        )
    report["seconds"] = round(time.monotonic() - started)
    conf["out"].write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")

    summary = summarise(report)
    print(summary)
    if "\naxe " in summary or "\noverflow " in summary:
        pytest.fail(summary, pytrace=False)


def summarise(report: dict[str, Any]) -> str:
    """Violations by rule id (with the pages), then the pages wider than the phone, then pages not opened."""
    by_rule: dict[str, set[str]] = defaultdict(set)
    wide: list[str] = []
    odd: list[str] = []
    for role, r in report["roles"].items():
        for url, f in r["found"].items():
            for v in f.get("axe", []):
                by_rule[f"{v['id']} ({v['impact']})"].add(f"{role} {url}")
            if "overflow" in f:
                wide.append(f"{role} {url}: {f['overflow']['width']}px {f['overflow']['elements'][:2]}")
            if "status" in f:
                odd.append(f"{role} {url}: {f['status']} → {f['landed']}")
    lines = [f"{role}: {r['visited']} pages" for role, r in report["roles"].items()]
    for rule, where in sorted(by_rule.items()):
        lines.append(f"axe {rule}: {len(where)} pages")
        lines += [f"    {w}" for w in sorted(where)]
    lines += [f"overflow {w}" for w in wide]
    lines += [f"not 200 in the browser: {o}" for o in odd]
    return "\n".join(lines)
