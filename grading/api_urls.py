from django.urls import path

from . import api

app_name = "grading-api"

urlpatterns = [
    path("v1/me/grades/", api.MyGradesApi.as_view(), name="my-grades"),
    path("v1/me/planner/", api.PlannerApi.as_view(), name="planner"),
    path("v1/editions/<slug:slug>/grades/", api.EditionGradesApi.as_view(), name="edition-grades"),
    path(
        "v1/grades/<int:grade_id>/regrade-requests/",
        api.RegradeRequestCreateApi.as_view(),
        name="regrade-request-create",
    ),
    path("v1/editions/<slug:slug>/exam-marks/", api.ExamMarkSetApi.as_view(), name="exam-mark-set"),
]
