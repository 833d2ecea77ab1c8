"""Calendar feeds, mounted at the site root (no app namespace)."""

from django.urls import path

from . import calendar

urlpatterns = [
    path(
        "editions/<slug:slug>/calendar.ics",
        calendar.edition_calendar,
        name="edition-calendar",
    ),
]
