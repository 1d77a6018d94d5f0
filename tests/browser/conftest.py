"""Browser harness: Playwright (Python, sync) driving Debian's /usr/bin/chromium against a live server.

Browsers are never downloaded (no ``playwright install``): we launch the system Chromium with
flags that keep it off the network. Each browser test gets a fresh demo street in a
transactional database (``live_demo``), because the live server runs in another thread.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import PASSWORD, build_demo, reseed_reference_data

CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's `chromium` package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def live_demo(transactional_db: Any, live_server: Any) -> Any:
    """The demo street and the reference data of a fresh install, visible to the live server.

    The session's copy is there for the first transactional test; each one flushes the database
    afterwards, so later ones rebuild it."""
    from linli.places.models import Place

    if not Place.objects.exists():
        reseed_reference_data()
        build_demo()
    return live_server


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    yield pg
    context.close()


@pytest.fixture
def login(page: Any, live_demo: Any) -> Callable[[str], Any]:
    """Log in through the real form as a demo user; returns the page."""

    secrets: dict[str, str] = {}  # TOTP secrets of users enrolled during this test
    last_step: dict[str, int] = {}

    def second_factor(username: str) -> None:
        """Staff who can reveal personal data pass 2FA after the password, as in production: enrol
        through the real page (reading the secret it shows), or type the current code."""
        import time

        import pyotp

        if "/accounts/2fa/" not in page.url:
            return
        secret_box = page.locator("[data-totp-secret]")
        if secret_box.count():
            secrets[username] = secret_box.get_attribute("data-totp-secret")
        secret = secrets[username]  # a KeyError here: the user was enrolled outside this test
        step = max(int(time.time()) // 30, last_step.get(username, 0) + 1)  # codes are accepted once
        # The server accepts the next step's code (clock drift) but not the one after: a third login
        # within the same 30 s waits for the clock to reach the step before.
        early = (step - 1) * 30 - time.time()
        if early > 0:
            time.sleep(early + 0.5)
        last_step[username] = step
        page.fill("input[name=code]", pyotp.TOTP(secret).at(step * 30))
        page.click("button[type=submit].primary")
        page.wait_for_load_state("networkidle")
        continue_link = page.locator("a.button.primary")  # the recovery codes page after enrolment
        if "恢复码" in page.content() and continue_link.count():
            continue_link.click()
            page.wait_for_load_state("networkidle")

    def do(username: str, password: str = PASSWORD) -> Any:
        page.goto(f"{live_demo.url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit].primary")
        page.wait_for_load_state("networkidle")
        second_factor(username)
        return page

    return do
