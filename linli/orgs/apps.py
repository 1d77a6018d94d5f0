from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "linli.orgs"
    label = "orgs"
    verbose_name = "Organisations"
