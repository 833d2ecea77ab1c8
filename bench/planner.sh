#!/usr/bin/env bash
# The planner as 20 students use it: GET /api/v1/me/planner/ with each student's own token,
# reloaded every ~1 s (bench/users.py), against gunicorn under the production settings and
# PostgreSQL. Target (docs/performance.md): p99 < 50 ms.
#
# Recreates the database lectern_bench_planner, migrates it, seeds it (bench/seed_planner.py:
# 3 editions, 600 students, 8 assignments each, 3 versions per hand-in, grades), serves it on
# 127.0.0.1:8201 and writes bench/results/planner-latest.json, then the same users on /healthz
# (planner-latest-healthz.json) as a reference for the load of the machine at that moment.
#
# Knobs: BENCH_USERS (20), BENCH_THINK (1.0 s), BENCH_USERS_SECONDS (30), BENCH_WORKERS (2),
# BENCH_THREADS (4), BENCH_PORT (8201), BENCH_REDIS_URL (empty: local-memory cache),
# BENCH_OUTPUT (bench/results/planner-latest.json), BENCH_WAIT_QUIET (s to wait for the
# 1-minute load average to drop under BENCH_QUIET_LOAD, default 1.0, before measuring; 0).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}
HOST=127.0.0.1
PORT=${BENCH_PORT:-8201}
DB_NAME=lectern_bench_planner
OUTPUT=${BENCH_OUTPUT:-bench/results/planner-latest.json}
PG_ADMIN=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres -d postgres)

log() { printf 'bench: %s\n' "$*" >&2; }

run_dir=$(mktemp -d /tmp/lectern-bench-planner.XXXXXX)
server_pid=""
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$run_dir"
}
trap cleanup EXIT

export DJANGO_SETTINGS_MODULE=config.settings.production
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY ALLOWED_HOSTS=$HOST DEBUG=False SECURE_SSL_REDIRECT=False
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME" CONN_MAX_AGE=60
export REDIS_URL=${BENCH_REDIS_URL:-} CELERY_TASK_ALWAYS_EAGER=True
export EMAIL_URL=consolemail:// LOG_LEVEL=WARNING
export STATIC_ROOT=$run_dir/static MEDIA_ROOT=$run_dir/media
export API_ANON_RATE=1000000/second API_USER_RATE=1000000/second

log "recreating $DB_NAME"
"${PG_ADMIN[@]}" -c "DROP DATABASE IF EXISTS $DB_NAME" -c "CREATE DATABASE $DB_NAME"
"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py collectstatic --noinput >/dev/null
"$PY" bench/seed_planner.py "$run_dir"

log "starting gunicorn on $HOST:$PORT"
"$GUNICORN" config.wsgi --bind "$HOST:$PORT" --worker-class gthread \
    --workers "${BENCH_WORKERS:-2}" --threads "${BENCH_THREADS:-4}" \
    --error-logfile "$run_dir/gunicorn.log" --log-level warning &
server_pid=$!
for _ in $(seq 1 60); do
    curl -s -o /dev/null "http://$HOST:$PORT/healthz" && break
    sleep 0.5
done

quiet_deadline=$((SECONDS + ${BENCH_WAIT_QUIET:-0}))
while ((SECONDS < quiet_deadline)) && ! awk -v q="${BENCH_QUIET_LOAD:-1.0}" '{ exit !($1 < q) }' /proc/loadavg; do
    sleep 10
done
log "20 students reloading the planner (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
"$PY" bench/users.py "http://$HOST:$PORT/api/v1/me/planner/" \
    --users "${BENCH_USERS:-20}" --think "${BENCH_THINK:-1.0}" \
    --seconds "${BENCH_USERS_SECONDS:-30}" --tokens "$run_dir/tokens.txt" --output "$OUTPUT"

# The same users on /healthz, right after: what the machine gives any request at this load.
log "the same users on /healthz (reference)"
"$PY" bench/users.py "http://$HOST:$PORT/healthz" \
    --users "${BENCH_USERS:-20}" --think "${BENCH_THINK:-1.0}" \
    --seconds "${BENCH_USERS_SECONDS:-30}" --output "${OUTPUT%.json}-healthz.json"
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
