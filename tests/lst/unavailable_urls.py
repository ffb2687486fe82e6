"""Views for tests/lst/test_unavailable.py: one writes the session, so the session middleware
saves it on the way out; one fails with something else than the database."""

from django.http import HttpRequest, HttpResponse
from django.urls import path


def touch_session(request: HttpRequest) -> HttpResponse:
    request.session["seen"] = True
    return HttpResponse("ok")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, not an outage")


urlpatterns = [
    path("api/v1/touch-session/", touch_session),
    path("pages/touch-session/", touch_session),
    path("api/v1/broken/", broken),
]
