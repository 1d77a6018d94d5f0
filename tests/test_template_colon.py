"""A label's colon is spaced the way the reader's language spaces it (the English pages read "Label: value")."""

from __future__ import annotations

import pathlib
import re

from django.template import Context, Template
from django.utils import translation

TEMPLATES = pathlib.Path(__file__).resolve().parent.parent / "templates"


def render(language: str) -> str:
    with translation.override(language):
        return Template('{% load i18n labels %}{% translate "地点" %}{% colon %}{{ v }}').render(Context({"v": "X"}))


def test_chinese_writes_the_value_straight_after_the_colon():
    assert render("zh-hans") == "地点:X"
    assert render("zh-hant").endswith(":X")


def test_english_puts_a_space_after_the_colon():
    assert render("en") == "Place: X"


def test_no_template_glues_a_value_to_a_translated_label_with_a_bare_colon():
    glued = re.compile(r'\{% (?:translate "[^"]*"|endblocktranslate) %\}:(?! )')
    offenders = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if glued.search(p.read_text())]
    assert offenders == [], "use {% colon %} after the label: " + ", ".join(offenders)
