from django.urls import path

from . import api

app_name = "accounts-api"

urlpatterns = [
    path("v1/auth/token/", api.TokenApi.as_view(), name="token"),
]
