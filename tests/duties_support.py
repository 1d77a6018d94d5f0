"""Helpers the street duty-list tests share (not a test module)."""

from __future__ import annotations

import io
import random
from typing import Any

from linli.duties import services as s
from linli.duties import services_tasks as st
from linli.duties.models import DutyCategory, EntryItem, StreetOffice
from linli.places.models import Place


def demo(street: Place) -> None:
    """The demo street's offices, lists and tasks (the hook the demo builder runs on the bigger sizes)."""
    from linli.duties.demo import build_demo_duties

    build_demo_duties(random.Random(7))


def offices(actor: Any, street: Place) -> dict[str, StreetOffice]:
    s.offices_adopt_defaults(actor=actor, street=street)
    return {o.name: o for o in StreetOffice.objects.filter(street=street, active=True)}


def category(code: str = "livelihood") -> DutyCategory:
    return DutyCategory.objects.get(code=code)


def duty(actor: Any, street: Place, title: str = "社会救助", *, office: str = "社会事务办公室", **extra: Any) -> Any:
    found = offices(actor, street)
    fields = s.DutyFields(
        category=category(extra.pop("code", "livelihood")), title=title, office=found[office], **extra
    )
    return s.duty_create(actor=actor, street=street, fields=fields)[0]


def entry(actor: Any, street: Place, title: str = "低保对象入户核查", **extra: Any) -> EntryItem:
    fields = s.EntryFields(title=title, department_name=extra.pop("department_name", "区民政局"), **extra)
    return s.entry_create(actor=actor, street=street, fields=fields)[0]


def task(actor: Any, street: Place, title: str = "低保复核", *, target: Place | None = None, **extra: Any) -> Any:
    fields = st.TaskFields(
        title=title, target=target or street, department_name=extra.pop("department_name", "区民政局"), **extra
    )
    return st.task_register(actor=actor, street=street, fields=fields)[0]


def workbook(header: list[str], rows: list[list[Any]]) -> io.BytesIO:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "list.xlsx"  # type: ignore[attr-defined]
    return out
