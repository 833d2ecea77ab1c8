"""Settings shared by every shape of Lectern.

Everything that differs between the embedded default (``make run``) and the full stack
(PostgreSQL, Redis, Celery workers) comes from the environment; see ``.env.example``.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The embedded default needs no configuration; production.py refuses to start without a key.
SECRET_KEY = env("SECRET_KEY", default="lectern-insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # its widget templates, for the project-wide form renderer
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "accounts",
    "courses",
    "assignments",
    "agenda",
    "submissions",
    "grading",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface language: the session's choice (the switcher), else the browser's.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.uploads.unsafe_upload_names_middleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lectern.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a write is in flight; the busy timeout turns
    # brief lock contention into a wait instead of "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Sessions are read from the cache (Redis in production) and written through to the
# database: one round trip instead of a query on every signed-in page.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/me/"
LOGIN_URL = "account_login"

# allauth: e-mail is the login and must be verified; allauth's default rate limits apply
# (kept in the cache below, so shared by every web node when REDIS_URL is set).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Only these e-mail domains may sign up (empty: any), e.g. "student.uliege.be,uliege.be".
LECTERN_SIGNUP_DOMAINS = [d.lower() for d in env.list("LECTERN_SIGNUP_DOMAINS", default=[])]

LANGUAGE_CODE = "en-gb"
# The interface is translated; course content stays as the instructor wrote it. The .mo
# files are committed beside their .po (`make messages` regenerates both).
LANGUAGES = [("en-gb", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Form errors next to their field, once, with aria-invalid (templates/forms/).
FORM_RENDERER = "config.forms.LecternFormRenderer"

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "/media/"  # never served publicly: uploads are streamed by permission-checked views
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640

REDIS_URL = env("REDIS_URL", default="")
# The one place the cache is configured (docs/decisions/0007-caching.md). The cache is an
# accelerator: django-redis answers a miss when Redis is down (IGNORE_EXCEPTIONS, logged)
# instead of failing the request, and gives up fast (short timeouts) rather than holding it.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lectern",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "lectern",
        }
    }

# Celery: Redis when REDIS_URL (or CELERY_BROKER_URL) is set, otherwise tasks run in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic work: crontab entries only, each idempotent, no long ETA tasks
# (docs/decisions/0009-background-work.md).
# A broker outage must not hold a web request: publishing gives up fast, the hand-in is
# kept, and the periodic sweeper below sends what could not be queued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# A task taken by a worker that dies is handed to another after this many seconds
# (acks_late + reject_on_worker_lost); no task of ours runs for nearly as long.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BEAT_SCHEDULE = {
    "close-due-assignments": {
        "task": "submissions.tasks.close_due_assignments",
        "schedule": crontab(minute="*/5"),
    },
    "deadline-reminders": {
        "task": "submissions.tasks.send_deadline_reminders",
        "schedule": crontab(minute="*/10"),
    },
    "pending-receipt-emails": {
        "task": "submissions.tasks.send_pending_receipts",
        "schedule": crontab(minute="*/5"),
    },
    "orphan-files": {
        "task": "submissions.tasks.remove_orphan_files",
        "schedule": crontab(minute=17, hour=3),
    },
    "recompute-final-grades": {
        "task": "grading.tasks.recompute_all_final_grades",
        "schedule": crontab(hour=3, minute=17),
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Lectern <lectern@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "config.schema.LecternAutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: unauthenticated API clients get 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonFixedWindowThrottle",
        "config.throttling.UserFixedWindowThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", default="600/minute"),
        "user": env("API_USER_RATE", default="2000/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Lectern API",
    "DESCRIPTION": "Course schedule, submissions and grades.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page loads Swagger UI from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "kind"; name each choice set after its owner.
    "ENUM_NAME_OVERRIDES": {
        "LinkKindEnum": "courses.models.Link.Kind",
        "LectureKindEnum": "courses.models.Lecture.Kind",
        "AssignmentKindEnum": "assignments.models.Assignment.Kind",
        "ScheduleItemKindEnum": "agenda.selectors.SCHEDULE_KINDS",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own loggers print through the root's handler only: with its default
    # "console" handler too, every warning (a 404, …) was printed twice.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}


def _edition_url(edition) -> str:
    from django.urls import reverse

    return reverse("agenda:edition", kwargs={"slug": edition.slug})


# The public page of an edition (templates' edition.get_absolute_url, the admin's "View on
# site") is served by agenda; courses, below it, does not name agenda's URLs.
ABSOLUTE_URL_OVERRIDES = {"courses.edition": _edition_url}

# Lectern's own settings.
# The scheme and host the site is served under, for links in e-mails (config/links.py).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
LECTERN_CALENDAR_LECTURE_MINUTES = env.int("LECTERN_CALENDAR_LECTURE_MINUTES", default=180)
