from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "linli.people"
    label = "people"
    verbose_name = "People"
