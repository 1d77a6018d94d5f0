from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "linli.privacy"
    label = "privacy"
