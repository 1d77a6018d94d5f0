from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "linli.workdays"
    label = "workdays"
    verbose_name = "Working-day calendar"
