from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "linli.insights"
    label = "insights"
