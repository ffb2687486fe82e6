"""The v1 API routes: each app adds its own module here."""

from django.urls import path

urlpatterns: list = []  # type: ignore[type-arg]
path  # noqa: B018 - imported for the apps' route modules that extend this list
