"""Every audit action code has a readable label, shown on the audit page and in its exports.

The codes are found by reading the source: ``action="x.y"`` literals (as ``grep`` would), and
the ``action=`` argument of every ``audit_record(...)`` call, following module constants
(``action=LOGIN_OK``), conditional expressions (``"a" if x else "b"``) and a parameter passed
through a helper (``_end(request, user, "logout.idle", …)``). A new code without a label in
``linli/audit/actions.py`` fails here.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

import linli
from linli.audit.actions import ACTION_LABELS, action_label
from linli.audit.services import audit_record

SOURCE = Path(linli.__file__).parent
LITERAL = re.compile(r'action="([a-z_0-9]+\.[a-z_0-9.]+)"')


class _Source:
    def __init__(self) -> None:
        self.trees: dict[str, ast.Module] = {}
        for path in sorted(SOURCE.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = ".".join(("linli", *path.relative_to(SOURCE).with_suffix("").parts))
            self.trees[module.removesuffix(".__init__")] = ast.parse(path.read_text(), filename=str(path))
        self.problems: list[str] = []

    def constant(self, module: str, name: str, seen: frozenset[tuple[str, str]] = frozenset()) -> str | None:
        """A module-level ``NAME = "…"`` in ``module``, or in the module it was imported from."""
        tree = self.trees.get(module)
        if tree is None or (module, name) in seen:
            return None
        for node in tree.body:
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AnnAssign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                value = node.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    return value.value
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if (alias.asname or alias.name) == name:
                        return self.constant(node.module, alias.name, seen | {(module, name)})
        return None

    def codes(self, expr: ast.expr, module: str, func: ast.FunctionDef | None, where: str) -> set[str]:
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self.codes(expr.body, module, func, where) | self.codes(expr.orelse, module, func, where)
        if isinstance(expr, ast.Name):
            value = self.constant(module, expr.id)
            if value is not None:
                return {value}
            if func is not None:
                return self.passed_through(expr.id, module, func, where)
        self.problems.append(
            f"{where}: cannot tell which action code {ast.unparse(expr)!r} is; use a literal or a constant"
        )
        return set()

    def passed_through(self, param: str, module: str, func: ast.FunctionDef, where: str) -> set[str]:
        """The values callers in the same module pass for ``param`` of ``func``."""
        args = [a.arg for a in (*func.args.posonlyargs, *func.args.args)]
        found: set[str] = set()
        calls = 0
        for node in ast.walk(self.trees[module]):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == func.name:
                calls += 1
                value = next((k.value for k in node.keywords if k.arg == param), None)
                if value is None and param in args and args.index(param) < len(node.args):
                    value = node.args[args.index(param)]
                if value is None:
                    self.problems.append(f"{where}: a call of {func.name} passes no {param}")
                    continue
                found |= self.codes(value, module, None, f"{where} via {func.name}")
        if not calls:
            self.problems.append(
                f"{where}: {param!r} is a parameter of {func.name}, which is never called in its module"
            )
        return found

    def recorded(self) -> set[str]:
        found: set[str] = set()
        for module, tree in self.trees.items():
            enclosing: dict[ast.AST, ast.FunctionDef] = {}
            for node in ast.walk(tree):  # outer functions come first: inner ones overwrite them
                if isinstance(node, ast.FunctionDef):
                    enclosing.update(dict.fromkeys(ast.walk(node), node))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if callee != "audit_record":
                    continue
                where = f"{module}:{node.lineno}"
                action = next((k.value for k in node.keywords if k.arg == "action"), None)
                if action is None:
                    self.problems.append(f"{where}: audit_record without action=")
                    continue
                found |= self.codes(action, module, enclosing.get(node), where)
        return found


def recorded_action_codes() -> tuple[set[str], list[str]]:
    source = _Source()
    codes = source.recorded()
    for path in SOURCE.rglob("*.py"):
        codes |= set(LITERAL.findall(path.read_text()))
    return codes, source.problems


def test_every_recorded_action_code_has_a_label():
    codes, problems = recorded_action_codes()
    assert not problems, "\n".join(problems)
    # The scan itself works: it follows constants, helpers and conditional expressions.
    assert {"login.success", "login.failed", "login.locked", "login.password_ok"} <= codes
    assert {"logout.idle", "logout.absolute", "resident.untagged"} <= codes
    assert len(codes) > 150
    assert "logout" in codes  # a code without a dot, which a grep for "x.y" misses
    missing = sorted(codes - ACTION_LABELS.keys())
    assert not missing, f"add a label to linli/audit/actions.py for: {missing}"


def test_the_scan_refuses_codes_it_cannot_read():
    source = _Source()
    source.trees = {
        "linli.fake": ast.parse(
            'PREFIX = "x"\n'
            "def made_up(kind):\n"
            '    audit_record(action=f"fake.{kind}")\n'
            "def passed(action):\n"
            "    audit_record(action=action)\n"
            'passed("fake.passed")\n'
            'passed(PREFIX + ".joined")\n'
        )
    }
    assert source.recorded() == {"fake.passed"}
    assert len(source.problems) == 2 and all("cannot tell" in p for p in source.problems)


def test_labels_are_distinct_non_empty_and_written_once():
    assert all(label.strip() for label in ACTION_LABELS.values())
    labels = list(ACTION_LABELS.values())
    assert len(set(labels)) == len(labels), "two codes share a label: an assessor could not tell them apart"
    tree = ast.parse((SOURCE / "audit" / "actions.py").read_text())
    keys = [
        k.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for k in node.keys
        if isinstance(k, ast.Constant)
    ]
    assert len(keys) == len(set(keys)), "a code is listed twice in ACTION_LABELS"


def test_an_unknown_code_is_shown_as_it_is():
    assert action_label("login.success") == "登录成功"
    assert action_label("test.nothing_like_it") == "test.nothing_like_it"


@pytest.mark.django_db
def test_the_audit_page_shows_the_label_beside_the_code(client_as, users):
    audit_record(action="resident.reveal", actor=users["street"], target_label="王小明", reason="核实低保")
    audit_record(action="test.unlabelled", actor_label="someone")
    page = client_as("admin").get("/audit/", {"actor": "street"}).content.decode()
    assert "查看完整证件号/电话" in page
    assert "<code>resident.reveal</code>" in page  # still there to search for and filter by
    page = client_as("admin").get("/audit/", {"action": "test."}).content.decode()
    assert "<code>test.unlabelled</code>" in page


@pytest.mark.django_db
def test_the_action_filter_still_matches_codes(client_as, users):
    audit_record(action="resident.reveal", actor=users["street"], target_label="王小明", reason="核实低保")
    audit_record(action="login.failed", actor_label="grid", success=False)
    page = client_as("admin").get("/audit/", {"action": "resident."}).content.decode()
    assert "查看完整证件号/电话" in page and "登录失败" not in page


@pytest.mark.django_db
def test_the_csv_export_has_the_label_column(client_as, users):
    audit_record(action="vote.proxy_registered", actor=users["community"], target_label="加装电梯表决")
    response = client_as("admin").get("/audit/export.csv", {"action": "vote."})
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header = rows[0]
    assert header[3] == "操作代码" and header[-1] == "操作"
    assert [(r[3], r[-1]) for r in rows[1:]] == [("vote.proxy_registered", "登记代理投票委托")]


@pytest.mark.django_db
def test_the_xlsx_export_has_the_label_column(client_as, users):
    audit_record(action="login.failed", actor_label="grid", success=False)
    audit_record(action="test.unlabelled", actor_label="grid", success=False)
    response = client_as("admin").get("/audit/export.xlsx", {"actor": "grid"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == "操作代码" and rows[0][-1] == "操作"
    assert {(r[3], r[-1]) for r in rows[1:]} == {("login.failed", "登录失败"), ("test.unlabelled", "test.unlabelled")}
