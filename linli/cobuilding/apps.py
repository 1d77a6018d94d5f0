from django.apps import AppConfig


class CobuildingConfig(AppConfig):
    name = "linli.cobuilding"
    label = "cobuilding"
