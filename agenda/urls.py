from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("", views.edition_list, name="edition-list"),
    path("editions/<slug:slug>/", views.edition_detail, name="edition"),
    path("editions/<slug:slug>/archives/", views.edition_archives, name="archives"),
]
