from django.apps import AppConfig


class DutiesConfig(AppConfig):
    name = "linli.duties"
    label = "duties"
    verbose_name = "Street duty lists and entry control"
