# syntax=docker/dockerfile:1
# Lectern web, Celery worker and Celery beat share this image; docker-compose.yml picks the
# command. Built from the lock file so the image runs exactly what CI tested.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/data/media \
    PORT=8000 \
    WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=4

WORKDIR /app

# bubblewrap: the autograder's sandbox (docs/autograder.md).
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first: this layer is rebuilt only when the lock file changes.
COPY requirements/base.lock requirements/base.lock
RUN python -m pip install -r requirements/base.lock

RUN groupadd --system --gid 10001 lectern \
    && useradd --system --uid 10001 --gid lectern --home-dir /app --no-create-home lectern \
    && mkdir -p /data/media /app/staticfiles \
    && chown lectern:lectern /data/media

COPY --chown=root:root . .

# Static files are part of the image (served by WhiteNoise with hashed names). Settings are
# imported to find them, so production's required variables get throwaway build-time values.
RUN SECRET_KEY=collectstatic-only-not-a-runtime-key \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/collectstatic.sqlite3 \
    python manage.py collectstatic --noinput --verbosity 0

# The probe speaks plain HTTP to the local gunicorn (/healthz is exempt from the HTTPS
# redirect) and sends a Host that ALLOWED_HOSTS accepts, or Django would answer 400.
COPY <<'PYEOF' /usr/local/bin/lectern-healthcheck
#!/usr/bin/env python
import os
import sys
import urllib.request

hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
request = urllib.request.Request(
    f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz", headers={"Host": host}
)
try:
    with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:  # noqa: BLE001
    print(f"healthcheck failed: {exc}", file=sys.stderr)
    sys.exit(1)
PYEOF
RUN chmod 0755 /usr/local/bin/lectern-healthcheck

USER lectern:lectern
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["lectern-healthcheck"]

# gthread: WEB_CONCURRENCY processes (gunicorn reads it) x GUNICORN_THREADS threads each.
# Two processes per core with a few threads keeps a slow request (a PDF upload being
# validated) from blocking the schedule API. Recycling workers bounds any slow leak.
CMD ["sh", "-c", "exec gunicorn config.wsgi \
    --bind 0.0.0.0:${PORT} \
    --worker-class gthread --threads ${GUNICORN_THREADS} \
    --timeout 60 --graceful-timeout 30 --keep-alive 5 \
    --max-requests 2000 --max-requests-jitter 200 \
    --worker-tmp-dir /dev/shm \
    --access-logfile - --error-logfile -"]
