from django.apps import AppConfig


class CommonsConfig(AppConfig):
    name = "linli.commons"
    label = "commons"
    verbose_name = "Compound shared income ledger and its publication"
