from django.urls import path

from . import api

app_name = "submissions-api"

urlpatterns = [
    path("v1/me/", api.MeApi.as_view(), name="me"),
    path("v1/me/submissions/", api.MySubmissionsApi.as_view(), name="my-submissions"),
    path(
        "v1/assignments/<int:pk>/submissions/",
        api.SubmissionCreateApi.as_view(),
        name="submission-create",
    ),
    path("v1/submissions/<int:pk>/", api.SubmissionDetailApi.as_view(), name="submission"),
    path("v1/submissions/<int:pk>/file/", api.SubmissionFileApi.as_view(), name="submission-file"),
]
