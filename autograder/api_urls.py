from django.urls import path

from . import api

app_name = "autograder-api"

urlpatterns = [
    path(
        "v1/submissions/<int:pk>/autograde/",
        api.AutogradeResultApi.as_view(),
        name="submission-autograde",
    ),
]
