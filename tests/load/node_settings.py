"""The production settings as the two-node test and benchmark serve them: unchanged but for
static files, whose URLs are built without a collected manifest (no ``collectstatic`` run
per test; the pages are read for their content, not their styles)."""

from config.settings.production import *  # noqa: F403

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
