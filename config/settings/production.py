"""Production: differs from base only by what the environment must provide and HTTPS.

``manage.py check --deploy`` passes with no warning under these settings (tests/test_deploy.py).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False

# No default: refuse to start without a key, with an empty one, or with the development one
# that base.py falls back to (it is public, in the repository).
SECRET_KEY = env("SECRET_KEY")  # noqa: F405
if not SECRET_KEY.strip() or SECRET_KEY.startswith("lectern-insecure-"):
    raise ImproperlyConfigured("Set SECRET_KEY to a long random value in production.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")  # noqa: F405
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the host names Lectern is served under.")

# Persistent connections (CONN_MAX_AGE > 0) are checked before reuse, so a database restart
# costs one failed ping instead of one failed request per thread.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# TLS ends at the reverse proxy, which must set (and never pass through) X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)  # noqa: F405
# Probes speak plain HTTP from inside the container or the load balancer.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
