from django.apps import AppConfig


class GuideConfig(AppConfig):
    name = "linli.guide"
    label = "guide"
    verbose_name = "Community service list (社区服务清单 / 办事指南)"
