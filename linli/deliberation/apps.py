from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "linli.deliberation"
    label = "deliberation"
