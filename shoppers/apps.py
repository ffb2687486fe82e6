from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShoppersConfig(AppConfig):
    name = "shoppers"
    verbose_name = _("Shoppers")
