from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "linli.interop"
    label = "interop"
    verbose_name = "Interoperability (Open311, webhooks, hotline hand-over)"
