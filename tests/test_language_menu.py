"""The language menu names each language in its own words (English, 简体中文, 繁體中文), whatever the
page's language: a reader looking for their language must recognise it."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def menu(html: str) -> dict[str, str]:
    select = html.split('name="language"', 1)[1].split("</select>", 1)[0]
    return dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select))


@pytest.mark.parametrize("accept", ["zh-hans", "zh-hant", "en"])
def test_each_language_is_named_in_itself_on_every_pages_language(client: Any, accept: str) -> None:
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert menu(html) == {"zh-hans": "简体中文", "zh-hant": "繁體中文", "en": "English"}
    assert "英语" not in html and "英語" not in html


def test_the_current_language_is_selected_for_a_logged_in_user(client_as: Any) -> None:
    html = client_as("grid").get("/requests/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    select = html.split('name="language"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'<option value="en"[^>]* selected>English</option>', select)
    assert menu(html)["zh-hans"] == "简体中文"
