from django.apps import AppConfig


class LstConfig(AppConfig):
    name = "lst"
    verbose_name = "LST"
