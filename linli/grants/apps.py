from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "linli.grants"
    label = "grants"
    verbose_name = "Public-benefit venture and social-assistance service projects"
