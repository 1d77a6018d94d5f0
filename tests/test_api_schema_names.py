"""Every API schema class has its own name: django-ninja names OpenAPI components after the class, so
two apps' ``FiguresOut`` would silently make one endpoint document the other's answer."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import linli.api  # noqa: F401  imports every router, so every schema class exists


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    stack = [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return found


def test_every_linli_schema_has_a_unique_class_name():
    by_name: dict[str, list[str]] = defaultdict(list)
    for cls in _all_subclasses(Schema):
        if cls.__module__.startswith("linli."):
            by_name[cls.__name__].append(cls.__module__)
    clashes = {name: mods for name, mods in by_name.items() if len(mods) > 1}
    assert clashes == {}
