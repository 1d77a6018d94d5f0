"""Translating tables of text kept as data (metric definitions): their values are marked with
``gettext_noop`` where they are written, so ``make messages`` extracts them, and translated here when shown."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext


def translated(table: Mapping[str, str]) -> dict[str, str]:
    """The table's values in the active language (its keys are codes and stay as they are)."""
    return {key: gettext(text) for key, text in table.items()}
