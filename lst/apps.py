from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LstConfig(AppConfig):
    name = "lst"
    verbose_name = _("LST")
