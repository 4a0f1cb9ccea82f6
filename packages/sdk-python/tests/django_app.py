"""A small Django project in one module: settings, a view that raises, URLs."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

import syntra_sdk
from fixtures import parse_amount

SETTINGS = {
    "DEBUG": False,
    "SECRET_KEY": "test-only",
    "ROOT_URLCONF": "django_app",
    "ALLOWED_HOSTS": ["testserver"],
    "MIDDLEWARE": [],
    "INSTALLED_APPS": [],
    "DATABASES": {},
    "LOGGING_CONFIG": None,
}


def amount(request: HttpRequest, order_id: int) -> HttpResponse:
    syntra_sdk.set_user({"id": f"customer-{order_id}"})
    logging.getLogger("shop").warning("parsing amount of order %d", order_id)
    return JsonResponse({"amount": parse_amount(request.GET.get("raw", ""))})


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("orders/<int:order_id>/amount", amount), path("ok", ok)]
