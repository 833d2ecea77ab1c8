from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("agenda.urls")),
    path("", include("agenda.feed_urls")),
    path("api/", include("agenda.api_urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("config.health_urls")),
]
