from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "linli.teams"
    label = "teams"
    verbose_name = "Compound governance teams"
