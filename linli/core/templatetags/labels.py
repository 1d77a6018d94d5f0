"""``{% translate "负责" %}{% colon %}``: the colon after a label, spaced the way the reader's language spaces it.

Chinese writes the value straight after the colon ("负责:张三"); English and the other languages we offer
want a space ("Assigned to: Zhang San"). The label stays its own translatable string."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def colon() -> str:
    return ":" if (get_language() or "zh-hans").startswith("zh") else ": "
