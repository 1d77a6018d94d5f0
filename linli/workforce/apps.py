from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "linli.workforce"
    label = "workforce"
    verbose_name = "Community worker register, pay grades and training"
