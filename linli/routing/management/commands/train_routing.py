"""``manage.py train_routing``: cross-validated macro-F1 and accuracy on the deployment's own closed
requests, then a new model version. ``--holdout FILE.csv`` instead measures on a labelled file (train on
75% of its groups, test on the other 25%) without touching the database: the figure in docs/routing.md."""

from __future__ import annotations

import csv
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from sklearn.model_selection import GroupShuffleSplit, StratifiedShuffleSplit

from linli.core.errors import Conflict
from linli.routing import classifier


class Command(BaseCommand):
    help = "Train the dispatch model on closed requests and print cross-validated macro-F1 / accuracy."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--holdout", metavar="FILE.csv", help="evaluate on a labelled CSV (标题, 内容, 分类[, 组])")
        parser.add_argument("--no-eval", action="store_true", help="skip cross-validation (faster)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["holdout"]:
            self._holdout(options["holdout"])
            return
        from linli.routing.services import model_train

        try:
            row = model_train(trigger="command", evaluate=not options["no_eval"])
        except Conflict as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"模型 v{row.version}:{row.trained_on} 条已办结诉求,{row.categories} 个分类,用时 {row.seconds:.1f} 秒"
        )
        if row.macro_f1 is not None:
            self.stdout.write(f"5 折交叉验证 macro-F1 = {row.macro_f1:.3f}  accuracy = {row.accuracy:.3f}")

    def _holdout(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.DictReader(fh))
        except OSError as exc:
            raise CommandError(f"无法读取 {path}:{exc}") from exc
        if not rows or not {"内容", "分类"} <= set(rows[0]):
            raise CommandError("文件应有列:标题, 内容, 分类(可选:组)")
        texts = [classifier.text_of(r.get("标题", ""), r["内容"]) for r in rows]
        for level, name in ((None, "末级分类"), (1, "一级分类")):
            labels = [r["分类"] if level is None else r["分类"].split("/")[0] for r in rows]
            if "组" in rows[0]:
                split: Any = GroupShuffleSplit(n_splits=1, test_size=0.25, random_state=0)
                train_idx, test_idx = next(split.split(texts, labels, groups=[r["组"] for r in rows]))
            else:
                split = StratifiedShuffleSplit(n_splits=1, test_size=0.25, random_state=0)
                train_idx, test_idx = next(split.split(texts, labels))
            started = time.monotonic()
            ev, _ = classifier.holdout(
                ([texts[i] for i in train_idx], [labels[i] for i in train_idx]),
                ([texts[i] for i in test_idx], [labels[i] for i in test_idx]),
            )
            self.stdout.write(
                f"{name}({len(set(labels))} 类):训练 {len(train_idx)} 条,留出测试 {ev.n} 条 → "
                f"macro-F1 = {ev.macro_f1:.3f}  accuracy = {ev.accuracy:.3f}  ({time.monotonic() - started:.1f} 秒)"
            )
