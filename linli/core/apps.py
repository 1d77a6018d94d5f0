from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "linli.core"
    label = "core"
    verbose_name = "Linli core"

    def ready(self) -> None:
        from linli.core import lookups  # noqa: F401  registers the `under` lookup
