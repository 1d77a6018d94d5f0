from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "linli.rota"
    label = "rota"
    verbose_name = "Rest-day duty rota and compensatory days"
