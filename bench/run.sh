#!/usr/bin/env bash
# make bench: requests/second and latency of the web tier on this machine, over loopback.
#
# Recreates the PostgreSQL database lectern_bench, migrates it, loads the demo edition
# (manage.py load_demo when it exists, else bench/seed.py) and the scale edition
# (bench/seed_scale.py: 1,000 students, 300 groups, 15 assignments), serves it with gunicorn
# under the production settings on 127.0.0.1:8200, and drives each endpoint with wrk: the
# schedule API, the calendar feed, the course page, a student's dashboard (session cookie,
# BENCH_DASHBOARD_CONNECTIONS) and hand-ins through the API (bench/wrk_upload.lua), next to
# /healthz at the same numbers of connections. Results go to bench/results/latest.json (and
# latest.md); docs/performance.md explains them.
#
# Knobs (environment): BENCH_DURATION (s per endpoint, 15), BENCH_WARMUP (s, 3),
# BENCH_CONNECTIONS (8), BENCH_DASHBOARD_CONNECTIONS (20), BENCH_WORKERS (2),
# BENCH_THREADS (4), BENCH_PORT (8200), BENCH_EDITION (info8010-2023), BENCH_USERS (20),
# BENCH_THINK (1.0 s) and BENCH_THINK_FAST (0.1 s) for the simulated users, BENCH_USERS_SECONDS (30),
# BENCH_OUTPUT (bench/results/latest.json), BENCH_WAIT_QUIET (s to wait for a quiet machine
# before measuring, 0) and BENCH_QUIET_LOAD (the 1-minute load average that counts as quiet, 1),
# BENCH_ONLY (the endpoints to measure by name, e.g. "healthz calendar edition_page archives";
# all by default; the simulated users run only with the dashboard), BENCH_DB (the database,
# lectern_bench) and BENCH_REDIS_PORT / BENCH_REDIS_DB (6379 / 14).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
GUNICORN=${GUNICORN:-.venv/bin/gunicorn}
HOST=127.0.0.1
PORT=${BENCH_PORT:-8200}
EDITION=${BENCH_EDITION:-info8010-2023}
DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-3}
CONNECTIONS=${BENCH_CONNECTIONS:-8}
DASHBOARD_CONNECTIONS=${BENCH_DASHBOARD_CONNECTIONS:-20}
QUIET_LOAD=${BENCH_QUIET_LOAD:-1.0}
WORKERS=${BENCH_WORKERS:-2}
THREADS=${BENCH_THREADS:-4}
OUTPUT=${BENCH_OUTPUT:-bench/results/latest.json}
DB_NAME=${BENCH_DB:-lectern_bench}
REDIS_PORT=${BENCH_REDIS_PORT:-6379}
REDIS_DB=${BENCH_REDIS_DB:-14}
ONLY=${BENCH_ONLY:-}
PG_ADMIN=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres -d postgres)

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ---- everything this script starts is stopped on the way out ---------------------------
run_dir=$(mktemp -d /tmp/lectern-bench.XXXXXX)
server_pid=""
cleanup() {
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    # The receipt e-mails the uploads queued (no worker runs here) go with the run.
    [[ -z ${redis_url:-} ]] || redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n "$REDIS_DB" flushdb >/dev/null 2>&1 || true
    rm -rf "$run_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- tools and services ----------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    [[ $(id -u) -eq 0 ]] || die "wrk is missing: sudo apt-get install -y wrk"
    log "installing wrk (Debian package)"
    apt-get install -y -q wrk >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
fi
[[ -x $PY && -x $GUNICORN ]] || die "no virtualenv: run 'make install-dev' (make bench does)"
command -v curl >/dev/null || die "curl is missing: apt-get install -y curl"
command -v ss >/dev/null || die "ss is missing: apt-get install -y iproute2"

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 -q || die "PostgreSQL is not answering on 127.0.0.1:5432"

if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    # Database 14 is the benchmark's own (CI uses 15); it holds only cache and throttle keys.
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n "$REDIS_DB" flushdb >/dev/null
    redis_url="redis://127.0.0.1:$REDIS_PORT/$REDIS_DB"
    cache="redis"
else
    log "no Redis on 127.0.0.1:$REDIS_PORT: cache and throttle state in process memory"
    redis_url=""
    cache="locmem"
fi

http_status() {  # path [accept [curl options]] -> HTTP status code, 000 when nothing answers
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Accept: ${2:-*/*}" "${@:3}" \
        "http://$HOST:$PORT$1" || true
}
[[ $(http_status /healthz) == 000 ]] || die "something already listens on $HOST:$PORT"

# ---- the server's environment: production settings, plain HTTP on loopback --------------
export DJANGO_SETTINGS_MODULE=config.settings.production
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export ALLOWED_HOSTS=$HOST
export DEBUG=False
export SECURE_SSL_REDIRECT=False
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME"
export CONN_MAX_AGE=60
export REDIS_URL=$redis_url
export CELERY_BROKER_URL=$redis_url
# With Redis, hand-ins queue their receipt e-mail as in production (no worker consumes it
# here); without it, tasks run in the request, as in the embedded default.
if [[ -n $redis_url ]]; then
    export CELERY_TASK_ALWAYS_EAGER=False
else
    export CELERY_TASK_ALWAYS_EAGER=True
fi
export EMAIL_URL=consolemail://
export LOG_LEVEL=WARNING
export STATIC_ROOT=$run_dir/static
export MEDIA_ROOT=$run_dir/media
# Throttling stays on (production pays for it) but never refuses: a per-second window keeps
# DRF's per-client history short, where "1000000/minute" would make every request unpickle
# a minute of timestamps for our single client IP.
export API_ANON_RATE=1000000/second
export API_USER_RATE=1000000/second

# ---- database and data -----------------------------------------------------------------
log "recreating database $DB_NAME"
"${PG_ADMIN[@]}" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)"
"${PG_ADMIN[@]}" -c "CREATE DATABASE $DB_NAME"
pg_version=$("${PG_ADMIN[@]}" -tA -c "SHOW server_version")

log "migrating"
"$PY" manage.py migrate --noinput --verbosity 0
"$PY" manage.py collectstatic --noinput --verbosity 0
if "$PY" manage.py help load_demo >/dev/null 2>&1; then
    log "loading demo data (manage.py load_demo)"
    "$PY" manage.py load_demo >"$run_dir/load_demo.log" 2>&1 \
        || { cat "$run_dir/load_demo.log" >&2; die "load_demo failed"; }
    seeded_by="manage.py load_demo"
else
    seeded_by="bench/seed.py"
fi
# No-op when load_demo already created the edition.
"$PY" bench/seed.py "$EDITION" >&2
log "seeding the scale edition (bench/seed_scale.py)"
"$PY" bench/seed_scale.py "$run_dir"
# shellcheck source=/dev/null
source "$run_dir/scale.env"
export BENCH_UPLOAD_FILE=$run_dir/upload.pdf BENCH_UPLOAD_TOKENS=$run_dir/tokens.txt
export BENCH_UPLOAD_PATH=$SCALE_UPLOAD_PATH

# ---- server ----------------------------------------------------------------------------
log "starting gunicorn: $WORKERS gthread workers x $THREADS threads on $HOST:$PORT"
"$GUNICORN" config.wsgi \
    --bind "$HOST:$PORT" \
    --worker-class gthread --workers "$WORKERS" --threads "$THREADS" \
    --timeout 30 --keep-alive 5 \
    --error-logfile "$run_dir/gunicorn.log" --log-level warning &
server_pid=$!
for _ in $(seq 1 60); do
    [[ $(http_status /healthz) == 200 ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$run_dir/gunicorn.log" >&2; die "gunicorn died"; }
    sleep 0.5
done
[[ $(http_status /healthz) == 200 ]] || die "/healthz did not answer 200 within 30 s"

# ---- load ------------------------------------------------------------------------------
# Another process busy on this 2-core machine shifts every number: the load average is
# recorded with the results, and the report flags a busy machine.
# BENCH_WAIT_QUIET=N waits up to N seconds for the 1-minute load average to drop under
# BENCH_QUIET_LOAD.
quiet_deadline=$((SECONDS + ${BENCH_WAIT_QUIET:-0}))
while ((SECONDS < quiet_deadline)) && ! awk -v q="$QUIET_LOAD" '{ exit !($1 < q) }' /proc/loadavg; do
    sleep 10
done
loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)
wrk_version=$(wrk --version 2>&1 | head -n1 | awk '{print $2}' || true)
cookie="Cookie: sessionid=$SCALE_SESSION"
# name path accept connections mode: get (anonymous GET), session (GET as the scale edition's
# student), upload (POST a PDF to the hand-in API with wrk_upload.lua, expecting 201)
endpoints=(
    "healthz /healthz text/plain $CONNECTIONS get"
    "schedule /api/v1/editions/$EDITION/schedule/ application/json $CONNECTIONS get"
    "calendar /editions/$EDITION/calendar.ics text/calendar $CONNECTIONS get"
    "edition_page /editions/$EDITION/ text/html $CONNECTIONS get"
    "archives /editions/$EDITION/archives/ text/html $CONNECTIONS get"
    "healthz_c$DASHBOARD_CONNECTIONS /healthz text/plain $DASHBOARD_CONNECTIONS get"
    "dashboard /editions/$SCALE_EDITION/dashboard/ text/html $DASHBOARD_CONNECTIONS session"
    "upload $SCALE_UPLOAD_PATH application/json $CONNECTIONS upload"
)
descendants() {  # pid -> that process and all its descendants
    local pid
    echo "$1"
    for pid in $(pgrep -P "$1" || true); do descendants "$pid"; done
}
worker_split() {  # connections each gunicorn worker holds now, most first: "5 3"
    ss -tnpH state established "( sport = :$PORT )" | grep -o 'pid=[0-9]*' | sort | uniq -c \
        | awk '{print $1}' | sort -rn | tr '\n' ' ' || true
}
probe() {  # path accept mode -> HTTP status of one request like those wrk will send
    case $3 in
        session) http_status "$1" "$2" -H "$cookie" ;;
        upload) curl -s -o /dev/null -w '%{http_code}' --max-time 30 \
            -H "Authorization: Token $(head -n1 "$BENCH_UPLOAD_TOKENS")" \
            -F "file=@$BENCH_UPLOAD_FILE;filename=report.pdf;type=application/pdf" \
            "http://$HOST:$PORT$1" || true ;;
        *) http_status "$1" "$2" ;;
    esac
}
: >"$run_dir/endpoints"
selected() { [[ -z $ONLY || " $ONLY " == *" $1 "* ]]; }
for entry in "${endpoints[@]}"; do
    read -r name path accept connections mode <<<"$entry"
    selected "$name" || continue
    echo "$name $connections $path" >>"$run_dir/endpoints"
    expected=200 script=bench/wrk_report.lua timeout_s=5
    # Each upload starts a file-check process: seconds, not milliseconds, when queued.
    [[ $mode == upload ]] && expected=201 script=bench/wrk_upload.lua timeout_s=30
    status=$(probe "$path" "$accept" "$mode")
    if [[ $status != "$expected" ]]; then
        log "$path answers HTTP $status: not measured (pending)"
        echo "$status" >"$run_dir/$name.status"
        continue
    fi
    wrk_args=(-t1 -c"$connections" --timeout "${timeout_s}s" -H "Accept: $accept" -s "$script")
    [[ $mode == session ]] && wrk_args+=(-H "$cookie")
    log "$path: ${WARMUP}s warm-up, ${DURATION}s measured, $connections connections"
    # wrk stops itself after -d; timeout is the backstop if it ever does not.
    timeout $((WARMUP + 60)) wrk "${wrk_args[@]}" -d"${WARMUP}s" "http://$HOST:$PORT$path" \
        >/dev/null
    # CPU spent by gunicorn (master, workers and their file-check servers, each with the
    # check processes it forked and reaped) and by this database's backends while wrk runs.
    app_pids=$(descendants "$server_pid")
    db_pids=$("${PG_ADMIN[@]}" -tA -c \
        "SELECT pid FROM pg_stat_activity WHERE datname = '$DB_NAME'" | tr '\n' ' ')
    # Each worker accepts connections for itself, and wrk keeps its connections open: now and
    # then every connection lands on one worker, and the run measures one process on one core
    # (half the req/s, the other core idle). Such a run is measured again (up to 3 times);
    # the split is recorded with the results.
    for attempt in 1 2 3; do
        app_before=$("$PY" bench/cpu.py $app_pids)
        db_before=$("$PY" bench/cpu.py $db_pids)
        timeout $((DURATION + 60)) wrk "${wrk_args[@]}" -d"${DURATION}s" \
            "http://$HOST:$PORT$path" >"$run_dir/$name.wrk" &
        wrk_pid=$!
        sleep 1
        split=$(worker_split)
        wait "$wrk_pid"
        echo "$app_before $("$PY" bench/cpu.py $app_pids) $db_before $("$PY" bench/cpu.py $db_pids)" \
            >"$run_dir/$name.cpu"
        (( WORKERS < 2 || $(wc -w <<<"$split") >= 2 )) && break
        log "$path: all connections went to one worker (attempt $attempt of 3)"
    done
    echo "$split" >"$run_dir/$name.split"
done

# The dashboard as people use it (the target's measure): 20 students with the page open, each
# reloading after a pause — about once a second (BENCH_THINK), then ten times as often
# (BENCH_THINK_FAST) to show the margin. wrk's closed loop above is the saturation test.
users_seconds=${BENCH_USERS_SECONDS:-30}
thinks=("${BENCH_THINK:-1.0}" "${BENCH_THINK_FAST:-0.1}")
selected dashboard || thinks=()
for think in "${thinks[@]}"; do
    log "dashboard with ${BENCH_USERS:-20} users thinking ${think}s between loads, ${users_seconds}s"
    "$PY" bench/users.py "http://$HOST:$PORT/editions/$SCALE_EDITION/dashboard/" \
        --users "${BENCH_USERS:-20}" --think "$think" --seconds "$users_seconds" \
        --cookie "sessionid=$SCALE_SESSION" --output "$run_dir/users-$think.json" >/dev/null
done

loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -z $(git status --porcelain 2>/dev/null) ]] || commit="$commit (uncommitted changes)"
cat >"$run_dir/config.json" <<JSON
{
  "summary": "gunicorn gthread $WORKERS workers x $THREADS threads, production settings, PostgreSQL $pg_version (CONN_MAX_AGE=60), cache $cache; wrk 1 thread, $CONNECTIONS connections ($DASHBOARD_CONNECTIONS for the dashboard), ${DURATION}s per endpoint after ${WARMUP}s warm-up; data from $seeded_by",
  "server": "gunicorn config.wsgi --worker-class gthread --workers $WORKERS --threads $THREADS",
  "load": "wrk -t1 -c$CONNECTIONS (dashboard -c$DASHBOARD_CONNECTIONS) -d${DURATION}s (after ${WARMUP}s warm-up)",
  "database": "PostgreSQL $pg_version, CONN_MAX_AGE=60",
  "cache": "$cache",
  "data": "$seeded_by, edition $EDITION; bench/seed_scale.py, edition $SCALE_EDITION",
  "throttle_rates": "$API_ANON_RATE anon, $API_USER_RATE user",
  "commit": "$commit"
}
JSON
BENCH_PG_VERSION=$pg_version BENCH_WRK_VERSION=$wrk_version \
    BENCH_LOADAVG_BEFORE="$loadavg_before" BENCH_LOADAVG_AFTER="$loadavg_after" \
    "$PY" bench/report.py "$run_dir" "$OUTPUT" | tee "${OUTPUT%.json}.md"
