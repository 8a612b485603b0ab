from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "procurement.core"
    label = "procurement"
    verbose_name = "Organisations and people"
