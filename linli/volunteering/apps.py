from django.apps import AppConfig


class VolunteeringConfig(AppConfig):
    name = "linli.volunteering"
    label = "volunteering"
