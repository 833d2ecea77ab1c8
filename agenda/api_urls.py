"""The REST API (``/api/``): version 1 of the schedule, the OpenAPI schema and its docs page."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import api

app_name = "api"

urlpatterns = [
    path("v1/editions/", api.EditionListAPI.as_view(), name="edition-list"),
    path("v1/editions/<slug:slug>/", api.EditionDetailAPI.as_view(), name="edition-detail"),
    path("v1/editions/<slug:slug>/schedule/", api.ScheduleAPI.as_view(), name="edition-schedule"),
    path(
        "v1/editions/<slug:slug>/lectures/", api.LectureListAPI.as_view(), name="edition-lectures"
    ),
    path(
        "v1/editions/<slug:slug>/assignments/",
        api.AssignmentListAPI.as_view(),
        name="edition-assignments",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI is served from drf-spectacular-sidecar's static files (no CDN), and its
    # start-up script from this URL with ?script, not inline: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
