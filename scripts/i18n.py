"""Refresh translations. Message ids are Simplified Chinese (the default UI language).

- zh_Hant is generated from the msgids with OpenCC (s2t) wherever a human has not translated it.
- en is human-translated in locale/en/LC_MESSAGES/django.po; this prints how many are missing
  (empty or fuzzy); scripts/i18n_todo.py lists them as JSON and merges translations back.
- .mo files are compiled with polib, so no gettext binary is needed at run time or in CI.

Needs gettext's xgettext for `makemessages` (Debian: gettext). Run: `make messages`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib
from opencc import OpenCC

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["en", "zh_Hant"]


def main() -> int:
    env = {**os.environ, "DEBUG": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--ignore=.venv/*", "--ignore=node_modules/*"]
        + [f"-l{loc}" for loc in LOCALES],
        cwd=ROOT,
        env=env,
        check=True,
    )
    s2t = OpenCC("s2t")
    for loc in LOCALES:
        po_path = ROOT / "locale" / loc / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_path))
        missing = 0
        for entry in po:
            if loc == "zh_Hant" and (not entry.msgstr or "fuzzy" in entry.flags):
                entry.msgstr = s2t.convert(entry.msgid)
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: s2t.convert(entry.msgid_plural)}
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                    entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            elif not entry.translated():
                missing += 1  # empty, or a fuzzy guess that is not shown
        po.save()
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{loc}: {len(po)} messages, {missing} without a translation")
        if missing:
            print(f"  list them: .venv/bin/python scripts/i18n_todo.py --locale {loc} list  (docs/translations.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
