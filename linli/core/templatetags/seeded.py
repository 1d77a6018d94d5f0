"""``{{ tag.name|seeded }}``: seeded reference data in the reader's language (see ``core.i18n.seeded``)."""

from __future__ import annotations

from django import template

from linli.core import i18n

register = template.Library()


@register.filter(name="seeded")
def seeded(value: object) -> object:
    return i18n.seeded(value) if isinstance(value, str) else value
