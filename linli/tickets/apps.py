from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "linli.tickets"
    label = "tickets"
    verbose_name = "Requests"
