"""The session lists name a session's browser and system ("Chrome · Android"), not the raw
User-Agent string, which is long and meaningless to most people."""

from __future__ import annotations

from typing import Any

import pytest

from linli.accounts.models import UserSession, device_of


@pytest.mark.parametrize(
    ("agent", "device"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Mobile Safari/537.36",
            "Chrome · Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari · iPhone",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN",
            "WeChat · iPhone",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
            "Edge · Windows",
        ),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox · macOS"),
        ("python-requests/2.31.0", "python-requests/2.31.0"),
        ("x" * 80, "x" * 39 + "…"),
        ("", ""),
    ],
)
def test_a_user_agent_is_described_by_browser_and_system(agent: str, device: str) -> None:
    assert device_of(agent) == device


@pytest.mark.django_db
def test_my_sessions_show_the_device_and_keep_the_full_agent_as_a_tooltip(client_as: Any, users: Any) -> None:
    from django.utils import timezone

    agent = (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Mobile Safari/537.36"
    )
    now = timezone.now()
    UserSession.objects.create(
        session_key="k" * 32, user=users["grid"], user_agent=agent, created_at=now, last_seen_at=now
    )
    html = client_as("grid").get("/accounts/security/").content.decode()
    assert ">Chrome · Android</td>" in html
    assert f'title="{agent}"' in html
    assert f">{agent[:40]}" not in html
