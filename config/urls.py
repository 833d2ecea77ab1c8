from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

# The admin logs in through allauth's login view, with its rate limits.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", include("agenda.urls")),
    path("", include("agenda.feed_urls")),
    path("api/", include("agenda.api_urls")),
    path("api/", include("submissions.api_urls")),
    path("api/", include("grading.api_urls")),
    path("", include("submissions.urls")),
    path("", include("grading.urls")),
    path("accounts/", include("allauth.urls")),
    # The language switcher posts here (django.views.i18n.set_language).
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("config.health_urls")),
]
