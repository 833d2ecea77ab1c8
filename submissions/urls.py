from django.urls import path

from . import calendar, views

app_name = "submissions"

urlpatterns = [
    path("me/", views.home, name="home"),
    path("join/", views.enrol, name="enrol"),
    path("editions/<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("editions/<slug:slug>/group/", views.group_page, name="group"),
    path("assignments/<int:pk>/", views.assignment_page, name="assignment"),
    path("submissions/<int:pk>/receipt/", views.receipt_download, name="receipt"),
    path("submissions/<int:pk>/file/", views.file_download, name="file"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_action, name="tokens"),
    path("calendar/<str:token>.ics", calendar.personal_calendar, name="personal-calendar"),
    path("staff/submissions/<int:pk>/pages/<int:number>.png", views.page_image, name="page-image"),
    path("staff/receipts/verify/", views.receipt_verify, name="verify-receipt"),
]
