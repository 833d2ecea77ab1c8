"""Test settings: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set, else SQLite."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
CELERY_TASK_ALWAYS_EAGER = True
# The suite hands in far more often than a student; the tests of these bounds set their own.
LECTERN_HAND_IN_RATE = "100000/minute"
LECTERN_FILE_CHECKS_PER_USER = 100
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/minute", "user": "10000/minute"}  # noqa: F405
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["OPTIONS"] = {}  # noqa: F405
    # In-memory test database: parallel runs (and the dev database) never collide.
    DATABASES["default"]["TEST"] = {"NAME": ""}  # noqa: F405
LECTERN_MEDIA_MIN_FREE_MB = 16  # the readiness probe; tests/faults/test_full_disk.py fills a disk
# The autograder's environments built by the suite are kept between runs (building one
# takes pip a while); runs execute when their hand-in commits, in the test's thread, except
# in the tests of the background thread, which turn it on.
LECTERN_AUTOGRADER_ENV_DIR = VAR_DIR / "test-autograder-envs"  # noqa: F405
LECTERN_AUTOGRADE_IN_THREAD = False
