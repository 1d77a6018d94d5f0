"""List, merge and check the human translations that `make messages` cannot generate (English).

After `make messages` (scripts/i18n.py) has extracted new Chinese msgids, the English catalogue
has entries with an empty msgstr and entries gettext marked ``fuzzy`` (a guess from a similar
older msgid, usually wrong). The round trip is:

    .venv/bin/python scripts/i18n_todo.py list > /tmp/todo.json     # what needs an English text
    # fill in "msgstr" (or "msgstr_plural": ["one", "other"]) of each item in a copy of the file
    .venv/bin/python scripts/i18n_todo.py merge /tmp/done.json      # writes django.po and django.mo
    .venv/bin/python scripts/i18n_todo.py check                     # exit 1 on any remaining problem
    .venv/bin/python scripts/i18n_todo.py templates                 # Chinese in templates not wrapped

``list --chunk 100`` prints at most 100 items, so long lists can be translated in pieces. For a fuzzy
entry the item carries gettext's guess (``fuzzy_guess``) and the msgid it came from
(``previous_msgid``); merge replaces the guess and clears the flag. Items whose translation is
left empty are skipped, so a half-done file can be merged and the rest listed again.

merge refuses (and writes nothing) if a translation drops or invents a placeholder
(``%(name)s``, ``%s``, ``{name}``, ``{0}``) or an HTML tag, so a bad line cannot crash a page.
tests/test_i18n_complete.py runs the same check in CI.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOCALE = "en"

# %(name)s, %s, %d, %%  (python-format) and {name}, {0}, {} (python-brace-format / str.format)
PERCENT_RE = re.compile(r"%(?:\([^)]+\))?[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
BRACE_RE = re.compile(r"\{[A-Za-z0-9_.\[\]]*(?:![rsa])?(?::[^{}]*)?\}")
TAG_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)\b[^>]*>")


# Chinese characters and the full-width punctuation that would show on an English page.
BARE_CJK_RE = re.compile(r"[\u3400-\u9fff\u3001-\u3011\uff01-\uff5e]+")
TEMPLATE_COMMENT_RE = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
BLOCKTRANS_RE = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
TEMPLATE_TAG_RE = re.compile(r"{%.*?%}", re.S)
MARKED_ARG_RE = re.compile(r"_\((['\"]).*?\1\)")


def bare_chinese(text: str) -> list[tuple[int, str]]:
    """(line, text) of Chinese in a template that no {% translate %} / {% blocktranslate %} / _("…") wraps."""

    def blank(m: re.Match[str]) -> str:
        return re.sub(r"[^\n]", " ", m.group(0))

    def tag(m: re.Match[str]) -> str:
        if re.match(r"{%\s*trans(?:late)?\b", m.group(0)):
            return blank(m)
        rest = MARKED_ARG_RE.sub("", m.group(0))  # {% include … with label=_("…") %}
        return rest if BARE_CJK_RE.search(rest) else blank(m)

    text = TEMPLATE_TAG_RE.sub(tag, BLOCKTRANS_RE.sub(blank, TEMPLATE_COMMENT_RE.sub(blank, text)))
    return [(n, m.group(0)) for n, line in enumerate(text.splitlines(), 1) for m in BARE_CJK_RE.finditer(line)]


def po_path(locale: str) -> Path:
    return ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"


def placeholders(text: str, *, brace: bool) -> Counter[str]:
    """The markers a translation must keep: printf and format fields and HTML tag names."""
    # "%%" counts too: blocktranslate bodies are %-formatted, so a lone "%" in their msgstr breaks the page.
    found: Counter[str] = Counter(m.group(0) for m in PERCENT_RE.finditer(text))
    if brace:
        found.update(m.group(0) for m in BRACE_RE.finditer(text))
    for m in TAG_RE.finditer(text):
        found["</" + m.group(1).lower() + ">" if m.group(0).startswith("</") else "<" + m.group(1).lower() + ">"] += 1
    return found


def uses_braces(entry: polib.POEntry) -> bool:
    # Only msgids that contain a brace field are format strings; a literal "{" in prose is rare here.
    return bool(BRACE_RE.search(entry.msgid)) or "python-brace-format" in entry.flags


def entry_problems(entry: polib.POEntry) -> list[str]:
    """Why this entry would show Chinese (or break) on an English page; empty when it is fine."""
    label = entry.msgid if not entry.msgctxt else f"{entry.msgctxt}|{entry.msgid}"
    if "fuzzy" in entry.flags:
        return [f"fuzzy: {label!r}"]
    texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    if not texts or not all(t.strip() for t in texts):
        return [f"untranslated: {label!r}"]
    problems = []
    brace = uses_braces(entry)
    for i, text in enumerate(texts):
        source = entry.msgid if (not entry.msgid_plural or i == 0) else entry.msgid_plural
        want, got = placeholders(source, brace=brace), placeholders(text, brace=brace)
        if entry.msgid_plural and i > 0:
            # English "one" may spell the number out, but never invent a marker.
            want = placeholders(entry.msgid_plural, brace=brace)
        if entry.msgid_plural and set(got) - set(want):
            problems.append(f"plural form {i} adds {sorted(set(got) - set(want))}: {label!r}")
        elif not entry.msgid_plural and want != got:
            problems.append(f"placeholders {sorted(want.elements())} != {sorted(got.elements())}: {label!r}")
    return problems


def catalogue_problems(po: polib.POFile) -> list[str]:
    return [p for e in po if not e.obsolete for p in entry_problems(e)]


def todo_items(po: polib.POFile) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for e in po:
        if e.obsolete or not entry_problems(e):
            continue
        item: dict[str, object] = {"msgid": e.msgid}
        if e.msgctxt:
            item["msgctxt"] = e.msgctxt
        if e.msgid_plural:
            item["msgid_plural"] = e.msgid_plural
            item["msgstr_plural"] = ["", ""]
        else:
            item["msgstr"] = ""
        if "fuzzy" in e.flags:
            item["fuzzy_guess"] = e.msgstr or [e.msgstr_plural[k] for k in sorted(e.msgstr_plural)]
            if e.previous_msgid:
                item["previous_msgid"] = e.previous_msgid
        item["where"] = [f"{path}:{line}" if line else path for path, line in e.occurrences[:3]]
        items.append(item)
    return items


def merge(po: polib.POFile, items: list[dict[str, object]]) -> tuple[int, list[str]]:
    """Apply translated items; returns (how many changed, problems). Nothing is applied on problems."""
    index = {(e.msgctxt or None, e.msgid): e for e in po if not e.obsolete}
    staged: list[tuple[polib.POEntry, object]] = []
    problems: list[str] = []
    for item in items:
        key = (item.get("msgctxt") or None, item["msgid"])
        entry = index.get(key)  # type: ignore[arg-type]
        if entry is None:
            problems.append(f"not in catalogue (rerun `make messages`?): {item['msgid']!r}")
            continue
        value = item.get("msgstr_plural") if entry.msgid_plural else item.get("msgstr")
        if not value or (isinstance(value, list) and not all(str(v).strip() for v in value)):
            continue  # left for later
        trial = polib.POEntry(msgid=entry.msgid, msgid_plural=entry.msgid_plural, flags=[])
        if entry.msgid_plural:
            trial.msgstr_plural = dict(enumerate(value))  # type: ignore[arg-type]
        else:
            trial.msgstr = str(value)
        bad = entry_problems(trial)
        if bad:
            problems.extend(bad)
            continue
        staged.append((entry, trial))
    if problems:
        return 0, problems
    for entry, trial in staged:
        if entry.msgid_plural:
            entry.msgstr_plural = trial.msgstr_plural  # type: ignore[attr-defined]
        else:
            entry.msgstr = trial.msgstr  # type: ignore[attr-defined]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
        entry.previous_msgid_plural = None
        entry.previous_msgctxt = None
    return len(staged), []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locale", default=DEFAULT_LOCALE)
    sub = parser.add_subparsers(dest="command", required=True)
    lister = sub.add_parser("list", help="print untranslated and fuzzy entries as JSON")
    lister.add_argument("--chunk", type=int, default=0, help="at most this many items")
    lister.add_argument("--count", action="store_true", help="print only how many")
    merger = sub.add_parser("merge", help="merge a JSON list of translated items, then compile the .mo")
    merger.add_argument("file", type=Path)
    sub.add_parser("check", help="exit 1 if anything is untranslated, fuzzy or has mismatched placeholders")
    bare = sub.add_parser("templates", help="list Chinese in templates that is not wrapped for translation")
    bare.add_argument("dirs", nargs="*", type=Path, default=[ROOT / "templates"])
    args = parser.parse_args(argv)

    if args.command == "templates":
        found = 0
        for folder in args.dirs:
            for template in sorted(folder.rglob("*.html")) + sorted(folder.rglob("*.txt")):
                for line, text in bare_chinese(template.read_text(encoding="utf-8")):
                    print(f"{template.relative_to(ROOT) if template.is_relative_to(ROOT) else template}:{line}: {text}")
                    found += 1
        return 1 if found else 0

    path = po_path(args.locale)
    po = polib.pofile(str(path))
    if args.command == "list":
        items = todo_items(po)
        if args.count:
            print(len(items))
            return 0
        if args.chunk:
            items = items[: args.chunk]
        json.dump(items, sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    if args.command == "merge":
        items = json.loads(args.file.read_text(encoding="utf-8"))
        changed, problems = merge(po, items)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            print(f"nothing merged: {len(problems)} problem(s)", file=sys.stderr)
            return 1
        po.save(str(path))
        po.save_as_mofile(str(path.with_suffix(".mo")))
        print(f"{args.locale}: merged {changed}, {len(todo_items(po))} still to do")
        return 0
    problems = catalogue_problems(po)
    for p in problems:
        print(p)
    print(f"{args.locale}: {len(po)} messages, {len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
