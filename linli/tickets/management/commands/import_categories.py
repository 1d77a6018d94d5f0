"""``manage.py import_categories FILE.xlsx``: columns 一级分类, 二级分类, 三级分类; safe to run again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from openpyxl import load_workbook

from linli.core.errors import InvalidInput
from linli.tickets.categories import category_import

COLUMNS = ("一级分类", "二级分类", "三级分类")


class Command(BaseCommand):
    help = "Import the three-level request category tree from an Excel file (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            wb = load_workbook(options["file"], read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for unreadable files
            raise CommandError(f"无法读取 {options['file']}:{exc}") from exc
        ws = wb.active
        rows = ws.iter_rows(values_only=True)
        header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise CommandError(f"缺少列:{'、'.join(missing)}")
        idx = [header.index(c) for c in COLUMNS]
        data = [tuple("" if i >= len(row) or row[i] is None else str(row[i]) for i in idx) for row in rows]
        try:
            result = category_import(actor=None, rows=data)  # type: ignore[arg-type]
        except InvalidInput as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"新建 {result.created} 个分类,已存在 {result.existing} 个")
