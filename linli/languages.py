"""The languages Linli speaks, in one place: ``linli/settings.py`` and the import's reader child
(``linli.people.sheet_process``, which configures just enough Django for ``gettext``) both use them.
No Django imports here, so the child can read it before anything is configured."""

from pathlib import Path

LANGUAGE_CODE = "zh-hans"  # Simplified Chinese first
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]
