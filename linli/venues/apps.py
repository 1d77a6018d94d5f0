from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "linli.venues"
    label = "venues"
    verbose_name = "Venue booking and two-way opening"
