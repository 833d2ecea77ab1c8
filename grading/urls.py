from django.urls import path

from . import views

app_name = "grading"

urlpatterns = [
    path("editions/<slug:slug>/grades/", views.mine, name="mine"),
    path(
        "editions/<slug:slug>/grades/<int:grade_id>/regrade/",
        views.regrade_request,
        name="regrade-request",
    ),
    path("editions/<slug:slug>/grades/staff/", views.staff_table, name="staff"),
    path("editions/<slug:slug>/grades/staff/recompute/", views.recompute, name="recompute"),
    path("editions/<slug:slug>/grades/export.csv", views.export_csv, name="export"),
    path("editions/<slug:slug>/grades/exam-import/", views.exam_import, name="exam-import"),
]
