"""Settings shared by every shape of Lectern.

Everything that differs between the embedded default (``make run``) and the full stack
(PostgreSQL, Redis, Celery workers) comes from the environment; see ``.env.example``.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config.breaker import BreakerConnection

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The embedded default needs no configuration; production.py refuses to start without a key.
SECRET_KEY = env("SECRET_KEY", default="lectern-insecure-development-key-change-me-in-production")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies in front of Lectern append the client's address to
# X-Forwarded-For (nginx's $proxy_add_x_forwarded_for). 0: the header is ignored. The one
# rule for the client address (config/clientip.py): login rate limits and API throttles.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# CORS (config/cors.py): the public read endpoints answer any origin without credentials;
# the rest of /api/ only these origins (e.g. "https://app.example.org"), with credentials.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_CREDENTIALS = True
CORS_URLS_REGEX = r"^/api/.*$"
# X-Request-ID: a script can quote it when it reports a failure (config/request_id.py).
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After", "Location", "X-Request-ID"]
CORS_ALLOW_HEADERS = [
    "accept",
    "authorization",
    "content-type",
    "if-none-match",
    "if-modified-since",
    "idempotency-key",
    "x-csrftoken",
    "x-requested-with",
]

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
    "rest_framework.authtoken",  # only for the migration that hashed its tokens
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "allauth",
    "allauth.account",
    "accounts",
    "courses",
    "assignments",
    "agenda",
    "submissions",
    "grading",
    "autograder",
    "demo",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id, which the response echoes.
    "config.request_id.request_id_middleware",
    # Times everything below, and answers /metrics (to allowed scrapers only) before the
    # HTTPS redirect and the host check: Prometheus scrapes pods by address, in plain HTTP.
    "config.metrics_endpoint.metrics_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # 400 for NUL and non-UTF-8 bytes in the path, query, headers and forms, before any view.
    "config.request_guard.request_guard_middleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.cors.LecternCorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface language: the session's choice (the switcher), else the browser's.
    "django.middleware.locale.LocaleMiddleware",
    # Before CommonMiddleware, whose APPEND_SLASH would lose a POST's body.
    "config.api_paths.api_trailing_slash_middleware",
    "django.middleware.common.CommonMiddleware",
    "config.uploads.unsafe_upload_names_middleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

# Content-Security-Policy on every response (django-csp; docs/security.md). No inline script
# anywhere: scripts are static files of this site (the API docs load Swagger UI's start-up
# script from /api/docs/?script). A template that ever needs an inline script gives it
# nonce="{{ request.csp_nonce }}". Inline styles stay allowed: the admin, DRF's browsable
# API and Swagger UI write style attributes and <style> elements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

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
    # Concurrent writers wait their turn instead of failing with "database is locked":
    # - every transaction begins IMMEDIATE, taking the write lock first (waiting for it). A
    #   DEFERRED one that reads and then writes cannot wait: SQLite fails it at once when
    #   another connection writes, whatever the timeout (two groups handing in at once);
    # - the busy timeout (seconds) is how long a writer waits for the lock;
    # - WAL lets readers go on while a write is in flight (pages stay up during hand-ins).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
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
ACCOUNT_FORMS = {
    # The allow-list (LECTERN_SIGNUP_DOMAINS) applies to new addresses only, not to reset.
    "signup": "accounts.allauth_forms.AllowListSignupForm",
    "add_email": "accounts.allauth_forms.AllowListAddEmailForm",
}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Rate limits (docs/decisions/0016-trusted-proxies.md). A university NAT puts hundreds of
# students behind one address, so per-address limits are generous and failed logins are
# limited per account: 5 wrong passwords for one account in 5 minutes, then that account's
# logins wait. The per-address failure cap only stops one address guessing many accounts.
ACCOUNT_RATE_LIMITS = {
    "login": "1000/m/ip",
    "login_failed": "5/5m/key,100/m/ip",
    "signup": "100/m/ip",
    "reset_password": "100/m/ip,5/m/key",
    "reset_password_from_key": "100/m/ip",
}
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
STORAGES: dict[str, dict] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
# Object storage (docs/decisions/0023-object-storage.md): with a bucket named, hand-ins and
# page previews go to that S3-compatible bucket (django-storages), so every web node and
# worker reads what any of them stored; without one, MEDIA_ROOT on local disk. Credentials
# may also come from boto3's own chain (an instance role) when the two keys are empty.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)  # MinIO, Ceph, Garage, …
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
AWS_LOCATION = env("AWS_LOCATION", default="")  # a key prefix inside the bucket
# Seconds a bucket operation may wait (connecting, then each read) before the store counts
# as unavailable (503 with Retry-After for a hand-in); one retry on a transient error.
AWS_S3_TIMEOUT = env.float("AWS_S3_TIMEOUT", default=5.0)
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as BotoConfig

    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {}}
    AWS_S3_CLIENT_CONFIG = BotoConfig(
        connect_timeout=AWS_S3_TIMEOUT,
        read_timeout=AWS_S3_TIMEOUT,
        retries={"max_attempts": 2, "mode": "standard"},
        signature_version="s3v4",
        # Path-style (endpoint/bucket/key) for a self-hosted endpoint, whose host has no
        # per-bucket DNS names; AWS itself picks the virtual-hosted style.
        s3={
            "addressing_style": env(
                "AWS_S3_ADDRESSING_STYLE", default="path" if AWS_S3_ENDPOINT_URL else "auto"
            )
        },
    )
    AWS_DEFAULT_ACL = None  # private objects: nothing in the bucket is public
    AWS_QUERYSTRING_AUTH = True  # no public URLs; downloads are streamed by checked views
    AWS_S3_FILE_OVERWRITE = True  # stored names are random: no HEAD before each PUT
    # A file read whole (a PDF being previewed) spills to a temporary file past this size.
    AWS_S3_MAX_MEMORY_SIZE = 4 * 1024 * 1024
# /readyz says "not ready" when the upload volume has less free space than this (MiB), so a
# balancer stops sending hand-ins to a node whose disk is about to fill.
LECTERN_MEDIA_MIN_FREE_MB = env.int("LECTERN_MEDIA_MIN_FREE_MB", default=512)

REDIS_URL = env("REDIS_URL", default="")
# Seconds any Redis operation (cache, throttles, rate limits, publishing a task) may wait for
# the server — connecting or answering — before it counts as down. Redis answers in well
# under a millisecond; a frozen or unreachable one must cost a request at most this, and
# after one failure the process skips it for a few seconds (config/breaker.py).
REDIS_TIMEOUT = env.float("REDIS_TIMEOUT", default=0.25)
# The one place the cache is configured (docs/decisions/0007-caching.md). The cache is an
# accelerator: django-redis answers a miss when Redis is down (IGNORE_EXCEPTIONS, logged)
# instead of failing the request, gives up fast (short timeouts) rather than holding it,
# and skips a server that just failed (the breaker in its connections).


def redis_cache(location: str) -> dict:
    """The cache settings for a Redis at ``location`` (also used by the fault tests)."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": location,
        "KEY_PREFIX": "lectern",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_TIMEOUT,
            "CONNECTION_POOL_KWARGS": {"connection_class": BreakerConnection},
            "IGNORE_EXCEPTIONS": True,
        },
    }


# Not a traceback per ignored error (every cache call while Redis is down): the breaker
# logs once when a server stops answering and once when it answers again.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "lectern",
        }
    }
# allauth's rate limits (login, sign-up, password reset) live in the cache. While it is
# down they are not enforced — failing open, logged each time — for this many seconds;
# after that each process enforces them on its own, in memory (accounts/ratelimit.py).
LECTERN_RATELIMIT_FAIL_OPEN_SECONDS = env.int("LECTERN_RATELIMIT_FAIL_OPEN_SECONDS", default=300)

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
# A broker outage must not hold a web request: publishing tries once, bounded by
# REDIS_TIMEOUT, then gives up; the hand-in is kept, the publisher skips the broker for a
# few seconds (config/tasks.py), and the periodic sweeper sends what could not be queued.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 0,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
# A task taken by a worker that dies is handed to another after this many seconds
# (acks_late + reject_on_worker_lost); no task of ours runs for nearly as long.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT,
}
# No result backend is configured (tasks return nothing anyone waits for); should one be,
# it gives up as fast as the broker.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT
# Queues by role (docs/deployment.md, "Celery queues"): each has its own workers, so a burst
# of one kind of work — a class's PDFs to render, 10,000 final grades to recompute, a grade
# release's e-mails — never delays another, above all a receipt at the deadline. A worker
# started without --queues consumes them all (a one-worker stack, the fault tests).
# "celery", Celery's default name, is kept for the rest: messages queued before an upgrade
# are not stranded. Every task is routed here by name, so whoever adds a task chooses its
# queue; tests/test_celery_routes.py fails for a task without a route, a route to an
# undeclared queue, and a queue that docker-compose.yml or deploy/kubernetes/ gives no worker.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (
    Queue("celery"),  # bookkeeping: closing assignments, the orphan-file sweep
    Queue("mail"),  # receipts (the deadline path), pending receipts, deadline reminders
    Queue("previews"),  # rendering PDF pages for the grading workspace
    Queue("grading"),  # final grades (recompute), grade-release and regrade e-mails
    # The autograder's runs (docs/decisions/0024-autograder.md): long and CPU-bound, on
    # workers of their own sized to the cores they may take.
    Queue("autograde"),
)
CELERY_TASK_ROUTES = {
    "submissions.tasks.close_due_assignments": {"queue": "celery"},
    "submissions.tasks.remove_orphan_files": {"queue": "celery"},
    "submissions.tasks.send_receipt_email": {"queue": "mail"},
    "submissions.tasks.send_pending_receipts": {"queue": "mail"},
    "submissions.tasks.send_deadline_reminders": {"queue": "mail"},
    "submissions.tasks.render_submission_pages": {"queue": "previews"},
    "grading.tasks.recompute_final_grades": {"queue": "grading"},
    "grading.tasks.recompute_all_final_grades": {"queue": "grading"},
    # Grade e-mails come in bursts of a whole class at a release: kept off the receipts' queue.
    "grading.tasks.send_grade_released_emails": {"queue": "grading"},
    "grading.tasks.send_regrade_answer_email": {"queue": "grading"},
    "autograder.tasks.autograde_submission": {"queue": "autograde"},
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
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",  # size and nesting bounded
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: unauthenticated API clients get 401 with WWW-Authenticate.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # The throttles identify clients with config/clientip.py, which reads the same setting.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
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
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
SPECTACULAR_SETTINGS = {
    "TITLE": "Lectern API",
    "DESCRIPTION": "Course schedule, submissions and grades.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Request bodies get their own components (FooRequest): output fields are all required,
    # input fields as the serializer says.
    "COMPONENT_SPLIT_REQUEST": True,
    # OpenAPI 3.1 (JSON Schema 2020-12): a nullable object is oneOf [its schema, null], which
    # validators and client generators read alike (3.0's "nullable" beside allOf is not).
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.require_every_output_field",
    ],
    # Tags default to the resource after /api/v1/ (editions, me, assignments, …).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVERS": [{"url": SITE_URL.rstrip("/"), "description": "This Lectern"}],
    "TAGS": [
        {"name": "editions", "description": "Published editions and their schedule (public)"},
        {
            "name": "me",
            "description": "The signed-in user: enrolments, planner, submissions, grades",
        },
        {"name": "assignments", "description": "Hand-ins"},
        {"name": "submissions", "description": "One hand-in and its file"},
        {"name": "auth", "description": "Personal API tokens"},
        {"name": "grades", "description": "Released grades; final grades and exam marks (staff)"},
    ],
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
        "FileKindEnum": "assignments.models.FILE_KINDS",
        "RoleEnum": "courses.models.Membership.Role",
    },
}

# LOG_FORMAT=json: one JSON object per line (python-json-logger), for a log collector; each
# carries the request id (config/request_id.py), also on the lines of the tasks a request
# queued. "plain": the message alone, as before.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT is 'plain' or 'json', not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
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
LECTERN_CALENDAR_LECTURE_MINUTES = env.int("LECTERN_CALENDAR_LECTURE_MINUTES", default=180)
# Bounds on file checks (submissions/check_bounds.py, docs/file-checks.md "Bounds on checking").
LECTERN_HAND_IN_RATE = env("LECTERN_HAND_IN_RATE", default="10/minute")  # per user
LECTERN_FILE_CHECKS_PER_USER = env.int("LECTERN_FILE_CHECKS_PER_USER", default=1)
LECTERN_FILE_CHECKS_PER_PROCESS = env.int("LECTERN_FILE_CHECKS_PER_PROCESS", default=2)
LECTERN_FILE_CHECK_BYTES_PER_PROCESS = env.int(
    "LECTERN_FILE_CHECK_BYTES_PER_PROCESS", default=24 * 1024 * 1024
)
LECTERN_FILE_CHECK_WAIT_SECONDS = env.float("LECTERN_FILE_CHECK_WAIT_SECONDS", default=10.0)
LECTERN_FILE_CHECK_RETRY_AFTER = env.int("LECTERN_FILE_CHECK_RETRY_AFTER", default=10)
# The autograder (docs/autograder.md): where `manage.py autograder_env create` builds the
# environments the sandbox uses read-only; with in-process tasks (the embedded default),
# runs go to background threads of the web process, at most this many at once.
LECTERN_AUTOGRADER_ENV_DIR = env.path(
    "LECTERN_AUTOGRADER_ENV_DIR", default=VAR_DIR / "autograder-envs"
)
LECTERN_AUTOGRADE_IN_THREAD = env.bool("LECTERN_AUTOGRADE_IN_THREAD", default=True)
LECTERN_AUTOGRADE_THREADS = env.int("LECTERN_AUTOGRADE_THREADS", default=1)

# Metrics for Prometheus at /metrics (config/metrics_endpoint.py, docs/deployment.md): read
# with "Authorization: Bearer <METRICS_TOKEN>" or from an address in METRICS_ALLOWED_IPS
# (addresses or networks, e.g. "10.0.0.0/8"); anyone else gets 404, everyone when both are
# empty. Several gunicorn processes: set PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])

# Errors to Sentry when SENTRY_DSN is set (config/sentry.py); nothing at all otherwise.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
