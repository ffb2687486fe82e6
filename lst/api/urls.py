"""The v1 API: each app owns its routes in `<app>/api/urls.py`."""

from django.urls import include, path

urlpatterns = [
    path("", include("catalog.api.urls")),
    path("", include("stores.api.urls")),
    path("", include("replenishment.api.urls")),
    path("", include("recommendations.api.urls")),
    path("", include("shoppers.api.urls")),
]
