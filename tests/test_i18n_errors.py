"""Errors raised by services speak the reader's language: an English request gets an English ``detail``.

Services raise ``LinliError`` subclasses (``linli.core.errors``, ``linli.core.ratelimit``) with a
Simplified Chinese message wrapped in ``gettext`` where it is raised, so the language of the request
that triggered it is used. The static test below keeps it that way: a new
``raise InvalidInput("中文")`` (or a Chinese message/label handed to a helper that raises) fails here.

Flash messages are held to the same rule: the text of ``messages.success(request, …)`` (any level), or of a
view helper that hands its parameter to one (``run(request, ok=…)``), is translated where it is written. And a
view module (``views*.py``, ``*_views.py``, ``forms*.py``) shows no Chinese without ``gettext`` at all, apart from
the export files listed in ``EXPORT_WRITERS``. tests/test_i18n_flash_messages.py shows the messages in English.
"""

from __future__ import annotations

import ast
import gc
import re
from pathlib import Path
from typing import Any

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
LINLI = ROOT / "linli"
JSON = "application/json"
CJK = re.compile(r"[\u3400-\u9fff]")

# Folders the scan leaves out: none. (A folder whose messages are left for later would be listed here and
# in docs/translations.md.)
SKIPPED_DIRS: set[Path] = set()

# Messages deliberately left in Chinese: a fragment of the reported "path:line: text" → why. None so far: the
# data that must stay Chinese (audit action names, import column headers, stored values) reaches no error.
LEFT_IN_CHINESE: dict[str, str] = {}

TRANSLATING = {"_", "gettext", "ngettext", "pgettext", "npgettext"}
# Marked for translation later: a label table (gettext_noop) or a form field's label (gettext_lazy). Enough for
# text handed to a helper or a form, never for the message of an error being raised.
MARKED = {"gettext_noop", "gettext_lazy", "pgettext_lazy"}
MESSAGE_PARAMS = {"message", "label", "what"}  # parameters whose text ends up in an error's message
BASE_ERRORS = {"LinliError"}
FLASH_LEVELS = {"debug", "info", "success", "warning", "error"}  # django.contrib.messages.<level>(request, text)

# Parts of view modules that write export files, whose Chinese is data (docs/translations.md, "Deliberately not
# translated"): module path -> names of the top-level functions or constants left out of the view scan.
EXPORT_WRITERS: dict[str, set[str]] = {
    "linli/audit/views.py": {"HEADER", "_row", "export"},  # the audit log's CSV/xlsx: headers, 成功/失败, sheet name
    "linli/tickets/views_problems.py": {"export"},  # problems.xlsx: sheet name and column headers
    "linli/people/views_ledger.py": {"ledger_export_view"},  # the file name 居民台账.xlsx
}


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request in English leaves English active in this thread; later tests expect Chinese."""
    yield
    translation.deactivate()


# -- end to end: the same refusal in three languages ------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "detail"),
    [("en", "The selected place does not exist"), ("zh-hans", "所选位置不存在"), ("zh-hant", "所選位置不存在")],
)
def test_an_api_error_from_a_service_is_in_the_language_of_the_request(api_as, language, detail):
    response = api_as("resident").post(
        "/api/v1/requests",
        {"description": "路灯不亮", "place_id": 987654321},
        content_type=JSON,
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 422
    assert response.json() == {"error": "invalid", "detail": detail, "field": "place_id"}


@pytest.mark.django_db
def test_a_message_with_values_translates_the_values_it_names_too(api_as):
    """The workflow's refusal names the request's status and the action: both come out in English."""
    resident, grid = api_as("resident"), api_as("grid")
    ticket_id = resident.post("/api/v1/requests", {"description": "垃圾未清运"}, content_type=JSON).json()["id"]

    english = grid.post(
        f"/api/v1/requests/{ticket_id}/actions/resolve", {"note": "x"}, content_type=JSON, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    chinese = grid.post(f"/api/v1/requests/{ticket_id}/actions/resolve", {"note": "x"}, content_type=JSON).json()

    assert english["error"] == chinese["error"] == "conflict"
    assert english["detail"].startswith("The request is “") and "“Close” is not possible" in english["detail"]
    assert not CJK.search(english["detail"])
    assert chinese["detail"].startswith("诉求当前状态为“") and chinese["detail"].endswith(",不能办结")


@pytest.mark.django_db
def test_the_default_not_found_of_a_scoped_lookup_is_translated(api_as):
    grid = api_as("grid")

    english = grid.get("/api/v1/requests/987654321", HTTP_ACCEPT_LANGUAGE="en")
    chinese = grid.get("/api/v1/requests/987654321")

    assert english.status_code == chinese.status_code == 404
    assert not CJK.search(english.json()["detail"])
    assert CJK.search(chinese.json()["detail"])


@pytest.mark.django_db
def test_an_error_page_is_in_english_too(client_as):
    page = client_as("admin").get("/audit/export.pdf", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 404
    assert "Only CSV or xlsx can be exported" in page.content.decode()


def test_the_rate_limit_refusal_counts_seconds_and_minutes_in_english():
    from linli.core.ratelimit import _refusal

    with translation.override("en"):
        assert _refusal(1) == "Too many attempts. Try again in 1 second"
        assert _refusal(30) == "Too many attempts. Try again in 30 seconds"
        assert _refusal(600) == "Too many attempts. Try again in 10 minutes"
    with translation.override("zh-hans"):
        assert _refusal(30) == "操作过于频繁,请 30 秒后再试"  # the text of the message before it was translatable


# -- static: no Chinese reaches an error without gettext ---------------------------------------------


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_translated(node: ast.expr) -> bool:
    """``_("…")`` or ``_("… %(n)s …") % {...}`` (also gettext / ngettext / pgettext)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        node = node.left
    return isinstance(node, ast.Call) and _name(node.func) in TRANSLATING


def _bare_chinese(node: ast.expr, *, marked_is_enough: bool = False) -> list[str]:
    """Chinese string literals in ``node`` that no gettext call wraps."""
    if marked_is_enough and isinstance(node, ast.Call) and _name(node.func) in MARKED:
        return []
    if _is_translated(node):
        call = node.left if isinstance(node, ast.BinOp) else node
        assert isinstance(call, ast.Call)
        found = [a for a in call.args[:1] if not isinstance(a, ast.Constant)]  # _(f"…") or _(x + "…")
        return [ast.unparse(a) for a in found if any(_bare_chinese_literal(n) for n in ast.walk(a))]
    if isinstance(node, ast.Call) and _name(node.func) in TRANSLATING:
        return []
    if _bare_chinese_literal(node) or (
        isinstance(node, ast.JoinedStr) and any(_bare_chinese_literal(n) for n in ast.walk(node))
    ):
        return [ast.unparse(node)]
    hits: list[str] = []
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr):
            hits += _bare_chinese(child, marked_is_enough=marked_is_enough)
    return hits


def _bare_chinese_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(CJK.search(node.value))


def _python_files() -> list[Path]:
    return [
        path
        for path in sorted(LINLI.rglob("*.py"))
        if "migrations" not in path.parts and not any(path.is_relative_to(d) for d in SKIPPED_DIRS)
    ]


def parse(text: str) -> ast.Module:
    """``ast.parse`` with the cyclic garbage collector paused. On CPython 3.11 an error raised while the
    parser turns its C tree into Python objects surfaces as "SystemError: AST constructor recursion
    depth mismatch" (CPython gh-106905). It happened once in a full CI run, after the live-server tests
    had left sockets and threads to collect: a collection running their finalizers mid-parse is the one
    such error this test can meet, so none runs during the parse. The files parse fine on their own."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(text)
    finally:
        if enabled:
            gc.enable()


def _error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """``LinliError`` and every class in linli/ that derives from it (NotFound, RateLimited, …)."""
    names = set(BASE_ERRORS)
    classes = [n for tree in trees.values() for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
    grown = True
    while grown:
        grown = False
        for cls in classes:
            if cls.name not in names and any(_name(b) in names for b in cls.bases):
                names.add(cls.name)
                grown = True
    return names


def _message_positions(tree: ast.Module, path: Path, defs: dict[Path, dict[str, list[str]]]) -> dict[str, set[int]]:
    """For functions callable by name in this module (defined here or imported from linli), the positions
    of their ``message`` / ``label`` / ``what`` parameters."""
    callable_here = _callable_here(tree, path, defs)
    return {
        name: {i for i, p in enumerate(params) if p in MESSAGE_PARAMS}
        for name, params in callable_here.items()
        if MESSAGE_PARAMS & set(params)
    }


def _flash_text(node: ast.Call) -> ast.expr | None:
    """The text of ``messages.success(request, text)`` (any level) or ``messages.add_message(request, level, text)``."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "messages"):
        return None
    index = 1 if func.attr in FLASH_LEVELS else 2 if func.attr == "add_message" else None
    if index is None:
        return None
    if len(node.args) > index:
        return node.args[index]
    return next((k.value for k in node.keywords if k.arg == "message"), None)


def _flash_helpers(tree: ast.Module) -> dict[str, tuple[list[str], set[str]]]:
    """Functions of a module that show a parameter as a flash message as it is (``def run(request, action, *,
    ok, back)`` … ``messages.success(request, ok)``): name -> (positional parameters, those shown)."""
    helpers = {}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        params = [a.arg for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs]
        shown = {
            text.id
            for node in ast.walk(fn)
            if isinstance(node, ast.Call) and isinstance(text := _flash_text(node), ast.Name) and text.id in params
        }
        if shown:
            helpers[fn.name] = ([a.arg for a in fn.args.posonlyargs + fn.args.args], shown)
    return helpers


def _callable_here(tree: ast.Module, path: Path, per_module: dict[Path, dict[str, Any]]) -> dict[str, Any]:
    """Of ``per_module``'s functions, those callable by name in this module: its own and those imported from linli."""
    here = dict(per_module.get(path, {}))
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("linli."):
            source = ROOT.joinpath(*node.module.split(".")).with_suffix(".py")
            for alias in node.names:
                if alias.name in per_module.get(source, {}):
                    here[alias.asname or alias.name] = per_module[source][alias.name]
    return here


def unwrapped_messages(sources: dict[Path, str]) -> list[str]:
    """``path:line: text`` of Chinese that reaches an error's message or a flash message without gettext."""
    trees = {path: parse(text) for path, text in sources.items()}
    errors = _error_classes(trees)
    defs = {
        path: {
            n.name: [a.arg for a in n.args.posonlyargs + n.args.args]
            for n in tree.body
            if isinstance(n, ast.FunctionDef)
        }
        for path, tree in trees.items()
    }
    flash_defs = {path: _flash_helpers(tree) for path, tree in trees.items()}
    found: list[str] = []
    for path, tree in trees.items():
        positions = _message_positions(tree, path, defs)
        flashing = _callable_here(tree, path, flash_defs)
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for node in ast.walk(tree):
            raised: list[ast.expr] = []  # an error's or a flash message: must be translated right here
            suspects: list[ast.expr] = []  # text handed on to a helper: gettext_noop is enough
            if isinstance(node, ast.Call):
                name = _name(node.func)
                if name in errors:
                    raised += node.args[:1]
                    raised += [k.value for k in node.keywords if k.arg == "message"]
                if (text := _flash_text(node)) is not None:
                    raised.append(text)
                if name in flashing:
                    positional, shown = flashing[name]
                    raised += [node.args[i] for i, p in enumerate(positional) if p in shown and i < len(node.args)]
                    raised += [k.value for k in node.keywords if k.arg in shown]
                suspects += [node.args[i] for i in positions.get(name or "", ()) if i < len(node.args)]
                suspects += [k.value for k in node.keywords if k.arg in MESSAGE_PARAMS]
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                named = list(zip(reversed(args.posonlyargs + args.args), reversed(args.defaults), strict=False))
                named += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
                suspects += [d for a, d in named if a.arg in MESSAGE_PARAMS]
            for expr in raised:
                found += [f"{where}:{expr.lineno}: {text}" for text in _bare_chinese(expr)]
            for expr in suspects:
                found += [f"{where}:{expr.lineno}: {text}" for text in _bare_chinese(expr, marked_is_enough=True)]
    return sorted(set(found))


def test_no_chinese_reaches_an_error_message_without_gettext():
    sources = {path: path.read_text(encoding="utf-8") for path in _python_files()}

    bare = [line for line in unwrapped_messages(sources) if not any(key in line for key in LEFT_IN_CHINESE)]

    assert bare == [], "wrap these in gettext (docs/translations.md):\n" + "\n".join(bare)


def _view_module(path: Path) -> bool:
    name = path.name
    return name.endswith(".py") and (name.startswith(("views", "forms")) or name.endswith("_views.py"))


def _shown_literals(node: ast.AST) -> list[tuple[int, str]]:
    """(line, text) of Chinese literals under ``node`` that no gettext call wraps, docstrings left out."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
        return []  # a docstring (or a string standing alone): never shown
    if isinstance(node, ast.expr):
        return [(node.lineno, text) for text in _bare_chinese(node, marked_is_enough=True)]
    hits: list[tuple[int, str]] = []
    for child in ast.iter_child_nodes(node):
        hits += _shown_literals(child)
    return hits


def bare_chinese_in_views(sources: dict[Path, str]) -> list[str]:
    """``path:line: text`` of Chinese in a view module that no gettext call wraps, except in ``EXPORT_WRITERS``."""
    found: list[str] = []
    for path, text in sources.items():
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        kept = EXPORT_WRITERS.get(where.as_posix(), set())
        for statement in parse(text).body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names = {statement.name}
            elif isinstance(statement, ast.Assign | ast.AnnAssign):
                targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                names = {t.id for t in targets if isinstance(t, ast.Name)}
            else:
                names = set()
            if names & kept:
                continue
            found += [f"{where}:{line}: {text}" for line, text in _shown_literals(statement)]
    return sorted(set(found))


def test_view_modules_show_no_chinese_without_gettext():
    """Flash messages, page titles, choices handed to a template, ``HttpResponse`` texts: all go through gettext
    (or ``gettext_noop`` / ``gettext_lazy`` for a table translated where it is shown)."""
    sources = {path: path.read_text(encoding="utf-8") for path in _python_files() if _view_module(path)}
    assert len(sources) > 40  # every app's views

    bare = bare_chinese_in_views(sources)

    assert bare == [], "wrap these in gettext (docs/translations.md):\n" + "\n".join(bare)


def test_the_view_scan_finds_bare_text_and_leaves_export_files_alone():
    code = (
        '"""视图。"""\n'  # 1: a docstring
        "LABELS = {'submit': gettext_noop('提交诉求'), 'import': '历史诉求导入'}\n"  # 2: one bare label
        "HEADER = ['时间', '操作人']\n"  # 3: an export file's header (kept for linli/audit/views.py)
        "def page(request):\n"
        "    return render(request, 'x.html', {'statuses': [('open', '未办结')], 'ok': _('已保存')})\n"  # 5
        "def export(request):\n"
        "    sheet.append(['时间'])\n"  # 7: an export writer's text (kept for linli/audit/views.py)
        "    return HttpResponse('导出失败')\n"  # 8
    )

    as_views = bare_chinese_in_views({LINLI / "tickets" / "views_x.py": code})
    as_audit = bare_chinese_in_views({LINLI / "audit" / "views.py": code})

    assert sorted({int(h.split(":")[1]) for h in as_views}) == [2, 3, 5, 7, 8]
    assert sorted({int(h.split(":")[1]) for h in as_audit}) == [2, 5]


def test_the_scan_finds_bare_messages_and_accepts_wrapped_ones():
    example = LINLI / "_scan_example"  # nothing is written: the scan reads these texts as if they were there
    errors = (
        "class LinliError(Exception):\n    pass\n\n"
        "class NotFound(LinliError):\n    pass\n\n"
        "class Conflict(LinliError):\n    pass\n\n"
        "class InvalidInput(LinliError):\n    pass\n"
    )
    helpers = (
        "class Refused(Conflict):\n    pass\n\n"
        "def require(actor, path, capability, message):\n    raise Refused(message)\n\n"
        "def clean(value, *, label='说明'):\n    raise InvalidInput(_('请填写%(label)s') % {'label': label})\n\n"
        "def step(target, label):\n    return (target, label)\n\n"
        "def act(request, action, ok, *, back='/'):\n    action()\n    messages.success(request, ok)\n"
    )
    code = (
        "from linli._scan_example.helpers import act, clean, require, step\n"
        "raise NotFound('未找到')\n"  # 2: bare
        "raise NotFound(_('未找到'))\n"
        "raise InvalidInput(f'第 {n} 行有误', field='x')\n"  # 4: bare f-string
        "raise InvalidInput(_('第 %(n)d 行有误') % {'n': n})\n"
        "raise InvalidInput(_(f'第 {n} 行有误'))\n"  # 6: an f-string inside gettext is never in the catalogue
        "raise Refused('不行')\n"  # 7: a subclass of a subclass
        "raise InvalidInput('not found')\n"
        "require(actor, path, 'manage', '您的岗位无权操作')\n"  # 9: a helper raises the message it is given
        "require(actor, path, 'manage', _('您的岗位无权操作'))\n"
        "clean(text, label='标题')\n"  # 11: a label that ends up in the message
        "clean(text, label=_('标题'))\n"
        "raise Conflict(message or '操作过于频繁')\n"  # 13: the fallback is bare
        "raise NotFound(gettext_noop('未找到'))\n"  # 14: marked, but nothing translates it when raised
        "step('accepted', gettext_noop('受理'))\n"  # a table label, translated where it is shown
        "audit_record(action='登录', reason='数据')\n"  # stored data, not a message
        "messages.success(request, '已保存')\n"  # 17: a flash message
        "messages.error(request, _('请选择照片'))\n"
        "messages.info(request, f'已登记 {number}')\n"  # 19
        "messages.add_message(request, messages.WARNING, '请注意')\n"  # 20
        "messages.success(request, pgettext('flash message', '已审核'))\n"
        "act(request, save, '已发布')\n"  # 22: a helper shows the text it is given
        "act(request, save, ok='已发布', back='/x/')\n"  # 23
        "act(request, save, _('已发布'), back='下一页')\n"  # ``back`` is not shown
        "act(request, save, gettext_noop('已发布'))\n"  # 25: marked, but the helper shows it untranslated
    )
    sources = {example / "errors.py": errors, example / "helpers.py": helpers, example / "code.py": code}

    hits = unwrapped_messages(sources)

    lines = sorted(int(h.split(":")[1]) for h in hits if "code.py" in h)
    assert lines == [2, 4, 6, 7, 9, 11, 13, 14, 17, 19, 20, 22, 23, 25]
    assert [h.split(": ", 1)[1] for h in hits if "helpers.py" in h] == ["'说明'"]  # a label parameter's default


# -- every message that is wrapped has an English translation --------------------------------------


def test_every_wrapped_message_in_linli_has_an_english_translation():
    """``make messages`` was run and the English filled in (tests/test_i18n_complete.py checks the catalogue
    itself; this checks the code against it, so a wrapped message cannot be forgotten)."""
    english = {
        e.msgid: e for e in polib.pofile(str(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po")) if not e.msgctxt
    }
    missing = []
    for path in sorted(LINLI.rglob("*.py")):
        for node in ast.walk(parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in {"_", "gettext", "ngettext", "gettext_noop"}:
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and CJK.search(first.value):
                    entry = english.get(first.value)
                    if entry is None or not entry.translated():
                        missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {first.value}")
    assert missing == [], "run make messages and translate (docs/translations.md):\n" + "\n".join(missing)
