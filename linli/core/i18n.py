"""Translating tables of text kept as data (metric definitions): their values are marked with
``gettext_noop`` where they are written, so ``make messages`` extracts them, and translated here when shown."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext


def translated(table: Mapping[str, str]) -> dict[str, str]:
    """The table's values in the active language (its keys are codes and stay as they are)."""
    return {key: gettext(text) for key, text in table.items()}


def seeded(text: str) -> str:
    """Reference data the platform seeds in Chinese (care tags, visit checklists, the privacy register),
    in the reader's language. The seed migrations mark these texts with ``gettext_noop``; anything staff
    typed themselves has no translation and shows as typed. Empty stays empty (gettext("") would answer
    the catalogue's header)."""
    return gettext(text) if text else text
