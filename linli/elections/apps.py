from django.apps import AppConfig


class ElectionsConfig(AppConfig):
    name = "linli.elections"
    label = "elections"
    verbose_name = "Owners' committee elections"
