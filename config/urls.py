from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from .api_errors import api_not_found, api_server_error

# The admin logs in through allauth's login view, with its rate limits.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", include("agenda.urls")),
    path("", include("agenda.feed_urls")),
    path("api/", include("agenda.api_urls")),
    path("api/", include("accounts.api_urls")),
    path("api/", include("submissions.api_urls")),
    path("api/", include("grading.api_urls")),
    path("api/", include("autograder.api_urls")),
    path("", include("submissions.urls")),
    path("", include("grading.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/grading/", include("grading.admin_urls")),  # the grading workspace
    # The language switcher posts here. Without a CSRF token: it is in the footer of the
    # public pages, which are shared copies with nothing per visitor in them, and the most
    # a forged post can do is choose the visitor's language (docs/decisions/0022).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("", include("config.health_urls")),
]


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception):
    """Clients of ``/api/`` get problem details (JSON), people get the page."""
    if _is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return api_server_error(request)
    return defaults.server_error(request)
