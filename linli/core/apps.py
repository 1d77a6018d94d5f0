from typing import Any

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = "Linli core"

    def ready(self) -> None:
        from django.contrib.postgres.indexes import OpClass
        from django.db.models.indexes import IndexExpression

        from linli.core.lookups import PatternOps  # importing registers the `under` lookup

        # Index expressions may be wrapped in an opclass (django.contrib.postgres registers OpClass);
        # PatternOps is one that steps aside on SQLite, so it takes OpClass's place in the nesting order.
        wrappers: list[Any] = list(IndexExpression.wrapper_classes)  # classes (the stubs say instances)
        if PatternOps not in wrappers:
            wrappers.insert(wrappers.index(OpClass) + 1, PatternOps)
            IndexExpression.register_wrappers(*wrappers)
