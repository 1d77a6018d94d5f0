"""``manage.py import_tickets FILE`` (.xlsx or .csv): columns 标题, 内容, 分类, 时间 (optional 小区, 地址),
imported as closed historical requests to learn from. 分类 is a category name or a path 一级/二级/三级;
rows with unknown categories are reported, not guessed, and then nothing is imported unless
``--skip-unknown``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from linli.places.models import Place
from linli.routing.services import HistoryRow, history_import

REQUIRED = ("标题", "内容", "分类", "时间")


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        it = wb.active.iter_rows(values_only=True)  # type: ignore[union-attr]
        header = [str(c).strip() if c is not None else "" for c in next(it, ())]
        return [dict(zip(header, row, strict=False)) for row in it if any(c not in (None, "") for c in row)]
    raise CommandError("只支持 .xlsx 或 .csv 文件")


class Command(BaseCommand):
    help = "Import labelled historical requests (closed) for training the dispatch model."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--place", type=int, help="id of the place for rows whose 小区 is blank or unknown")
        parser.add_argument("--skip-unknown", action="store_true", help="import the good rows, list the others")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"文件不存在:{path}")
        try:
            raw = read_rows(path)
        except CommandError:
            raise
        except Exception as exc:  # openpyxl / csv raise several types for unreadable files
            raise CommandError(f"无法读取 {path}:{exc}") from exc
        if not raw:
            raise CommandError("文件没有数据行")
        missing = [c for c in REQUIRED if c not in raw[0]]
        if missing:
            raise CommandError(f"缺少列:{'、'.join(missing)}")
        place = None
        if options["place"]:
            place = Place.objects.filter(pk=options["place"]).first()
            if place is None:
                raise CommandError(f"--place {options['place']} 不存在")
        rows = [
            HistoryRow(
                line=i,
                title=str(r.get("标题") or ""),
                description=str(r.get("内容") or ""),
                category=str(r.get("分类") or ""),
                at=r.get("时间"),
                compound=str(r.get("小区") or ""),
                address=str(r.get("地址") or ""),
            )
            for i, r in enumerate(raw, start=2)
        ]
        report = history_import(rows=rows, default_place=place, skip_unknown=options["skip_unknown"])
        for line in report.errors[:50]:
            self.stderr.write(line)
        if len(report.errors) > 50:
            self.stderr.write(f"……另有 {len(report.errors) - 50} 行有问题")
        if report.errors and not options["skip_unknown"]:
            raise CommandError(f"{len(report.errors)} 行无法导入,未导入任何数据(可加 --skip-unknown 只导入其余行)")
        self.stdout.write(
            f"已导入 {report.created} 条历史诉求" + (f",跳过 {len(report.errors)} 行" if report.errors else "")
        )
