"""Routes of the recommenders: purchase suggestions, shelf plans, assortment suggestions."""

from django.urls import include, path

urlpatterns = [
    path("", include("recommendations.api.urls_purchase")),
    path("", include("recommendations.api.urls_shelf")),
    path("", include("recommendations.api.urls_assortment")),
]
