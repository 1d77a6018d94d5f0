from django.apps import AppConfig


class PartylifeConfig(AppConfig):
    name = "linli.partylife"
    label = "partylife"
