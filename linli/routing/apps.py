from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "linli.routing"
    label = "routing"
