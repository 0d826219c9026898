#!/usr/bin/env bash
# Build the image, run `casewatch demo` in it without a network, then run it as in
# production: the config mounted at /config, the database in a /data volume, a seed feed
# served on this host's 127.0.0.1 (reached with --network host). Checks /readyz, /healthz, the image's own HEALTHCHECK and /metrics after
# a poll, then stops the container with SIGTERM and requires the daemon's exit code 0.
# Prints the build time, image size, the demo's run time, time to ready, time from SIGTERM
# to exit and the size of /metrics. Any failure ends the script with "FAIL: ..." and a non-zero status.
#   usage: scripts/container-smoke.sh      env: WORK (image cache), TAG, PYTHON
set -euo pipefail
cd "$(dirname "$0")/.."
export WORK=${WORK:-${TMPDIR:-/tmp}/verify-dockerfile}
TAG=${TAG:-localhost/casewatch:ci}
PYTHON=${PYTHON:-.venv/bin/python}
NAME=casewatch-smoke-$$
VOLUME=casewatch-smoke-data-$$
SMOKE=$(mktemp -d "${TMPDIR:-/tmp}/casewatch-smoke.XXXXXX")
feed_pid=

fail() {
  echo "FAIL: $*" >&2
  if podman container exists "$NAME" 2>/dev/null; then
    echo "--- container log" >&2
    podman logs "$NAME" >&2 || true
  fi
  exit 1
}
cleanup() {
  podman rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  [ -z "$feed_pid" ] || kill "$feed_pid" 2>/dev/null || true
  rm -rf "$SMOKE"
}
trap cleanup EXIT
free_port() { "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
since() { "$PYTHON" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$(now)"; }
# GET a path of the container's HTTP server; prints the body, fails on non-2xx.
# With a second argument, sends it as the bearer token.
get() { "$PYTHON" -c "import sys, urllib.request; headers = {'Authorization': 'Bearer ' + sys.argv[2]} if len(sys.argv) > 2 else {}; sys.stdout.write(urllib.request.urlopen(urllib.request.Request(sys.argv[1], headers=headers), timeout=5).read().decode())" "http://127.0.0.1:$PORT$1" "${@:2}"; }
# the HTTP status of a GET without credentials
status_of() { "$PYTHON" -c "import sys, urllib.error, urllib.request
try: print(urllib.request.urlopen(sys.argv[1], timeout=5).status)
except urllib.error.HTTPError as exc: print(exc.code)" "http://127.0.0.1:$PORT$1"; }
TOKEN=$("$PYTHON" -c 'import secrets; print(secrets.token_hex(16))')
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what: not within ${limit}s"
    podman container exists "$NAME" && [ "$(podman inspect -f '{{.State.Running}}' "$NAME")" = true ] \
      || fail "$what: the container stopped"
    sleep 0.5
  done
}

echo "== build $TAG"
built=$(now)
SMOKE_SECS=none BUILD_ARGS="--format docker ${BUILD_ARGS:-}" TAG=$TAG \
  bash scripts/verify-dockerfile.sh . || fail "the image did not build"
build_secs=$(since "$built")
export CONTAINERS_STORAGE_CONF=$WORK/cfg/storage.conf CONTAINERS_CONF=$WORK/cfg/containers.conf

echo "== serve the seed feed on 127.0.0.1"
FEED_PORT=$(free_port)
PYTHONPATH="$PWD" "$PYTHON" - "$SMOKE/site" "http://127.0.0.1:$FEED_PORT" <<'EOF'
import sys
from pathlib import Path
from monitor.demo import article_html, feed_xml, load_seed_articles

site, base = Path(sys.argv[1]), sys.argv[2]
site.mkdir()
articles = load_seed_articles()
(site / "feed.xml").write_text(feed_xml(articles, base), encoding="utf-8")
for a in articles:
    (site / f"{a.slug}.html").write_text(article_html(a, f"{base}/{a.slug}.html"),
                                         encoding="utf-8")
print(f"{len(articles)} seed articles at {base}/feed.xml")
EOF
"$PYTHON" -m http.server "$FEED_PORT" --bind 127.0.0.1 --directory "$SMOKE/site" \
  >"$SMOKE/feed.log" 2>&1 &
feed_pid=$!

cat >"$SMOKE/casewatch.toml" <<EOF
# The demo's case and seed feed, run as the daemon: database in the /data volume.
[service]
database = "/data/casewatch.db"
allow_private_addresses = true   # the seed pages are on 127.0.0.1
alert_on_first_poll = true
delivery_interval = "1s"

[[sources]]
id = "seed-news"
kind = "feed"
url = "http://127.0.0.1:$FEED_PORT/feed.xml"
interval = "5s"
extract = true

[[cases]]
id = "doe-v-twitter"
caption = "John Doe #1 and John Doe #2 v. Twitter, Inc."
aliases = ["Doe v. Twitter"]
parties = ["Twitter", "John Doe"]
court = "cand"
docket_number = "3:21-cv-00485"
notify = ["stdout"]

[[channels]]
id = "stdout"
kind = "console"
EOF

echo "== casewatch check in the image"
# the image listens on every interface, so the case pages need a token
if refused=$(podman run --rm --network none --no-healthcheck \
    -v "$SMOKE/casewatch.toml:/config/casewatch.toml:ro" "$TAG" check 2>&1); then
  fail "casewatch check takes pages on 0.0.0.0 without a token"
fi
grep -qF "the case pages need a token" <<<"$refused" || fail "no clear error without a token: $refused"
echo "without CASEWATCH_HTTP_TOKEN: refused (the case pages need a token)"
checked=$(podman run --rm --network none --no-healthcheck -e CASEWATCH_HTTP_TOKEN="$TOKEN" \
  -v "$SMOKE/casewatch.toml:/config/casewatch.toml:ro" "$TAG" check) \
  || fail "casewatch check refuses the config"
echo "${checked%%$'\n'*}"

echo "== casewatch demo in the image, without a network"
demoed=$(now)
demo=$(podman run --rm --network none --no-healthcheck "$TAG" demo) \
  || fail "casewatch demo failed in the image"
demo_secs=$(since "$demoed")
summary=$(grep -F ' entries → ' <<<"$demo") || fail "the demo printed no summary"
echo "$summary"
grep -qF "→ 2 developments, each from the court and the press; 2 alerts sent" <<<"$summary" \
  || fail "the demo did not make 2 developments told by the court and the press"

echo "== run the container"
PORT=$(free_port)
podman volume create "$VOLUME" >/dev/null
started=$(now)
podman run -d --name "$NAME" --network host \
  -e CASEWATCH_HTTP="0.0.0.0:$PORT" -e CASEWATCH_HTTP_TOKEN="$TOKEN" \
  -v "$SMOKE/casewatch.toml:/config/casewatch.toml:ro" \
  -v "$VOLUME:/data" \
  "$TAG" >/dev/null || fail "podman run"
wait_for 60 "/readyz answers 200" get /readyz
ready_secs=$(since "$started")
[ "$(get /healthz)" = '{"status": "ok"}' ] || fail "/healthz is not ok"
# (without systemd, podman logs errors about healthcheck timers; the check itself runs here)
podman healthcheck run "$NAME" || fail "the image's HEALTHCHECK reports unhealthy"
echo "HEALTHCHECK: healthy"

metrics_ok() {
  get /metrics >"$SMOKE/metrics.txt" || return 1
  grep -Eq '^casewatch_polls_total\{source="seed-news"\} [1-9]' "$SMOKE/metrics.txt" \
    && grep -Eq '^casewatch_alerts_total\{channel="stdout",outcome="sent"\} [1-9]' "$SMOKE/metrics.txt" \
    && grep -Eq '^casewatch_outbox_rows\{status="pending"\} 0' "$SMOKE/metrics.txt"
}
wait_for 90 "a poll of the seed feed and its alerts in /metrics" metrics_ok
grep -E '^casewatch_(polls|items_new|matches|developments|alerts)_total|^casewatch_outbox_rows' \
  "$SMOKE/metrics.txt"
podman exec "$NAME" test -s /data/casewatch.db || fail "no database in the /data volume"
[ "$(status_of /)" = 401 ] || fail "the case pages answer without the token"
get / "$TOKEN" | grep -qF 'href="/cases/doe-v-twitter"' || fail "the cases page lists no case"
developments=$(get /cases/doe-v-twitter "$TOKEN" | grep -c '<li id="dev-') \
  || fail "the case page shows no development"
[ "$developments" = 2 ] || fail "the case page shows $developments developments, not 2"
get /cases/doe-v-twitter/feed.xml "$TOKEN" | grep -q '<entry>' || fail "the case's Atom feed is empty"
echo "case pages: 401 without the token; with it, the seed case's 2 developments and its feed"
user=$(podman exec "$NAME" id -u)
[ "$user" != 0 ] || fail "the daemon runs as root"

echo "== stop with SIGTERM"
stopping=$(now)
podman stop -t 10 "$NAME" >/dev/null || fail "podman stop"
stop_secs=$(since "$stopping")
code=$(podman inspect -f '{{.State.ExitCode}}' "$NAME")
podman logs "$NAME" >"$SMOKE/container.log" 2>&1
grep -q "=== \[development\] doe-v-twitter" "$SMOKE/container.log" \
  || fail "no alert in the container's output"
grep -Eq '"event": "stopped".*"casewatch\.scheduler"|casewatch\.scheduler: stopped' \
  "$SMOKE/container.log" || fail "the daemon did not log its clean stop"
[ "$code" = 0 ] || fail "exit code $code after SIGTERM (0 expected: the daemon's own handler)"

size=$(podman image inspect -f '{{.Size}}' "$TAG")
echo "== OK"
echo "build (incl. base images when not cached): ${build_secs}s"
echo "image size: $((size / 1000000)) MB"
echo "casewatch demo in the image: ${demo_secs}s"
echo "start to /readyz 200: ${ready_secs}s"
echo "SIGTERM to exit: ${stop_secs}s, exit code $code"
echo "/metrics: $(wc -c <"$SMOKE/metrics.txt") bytes, $(grep -vc '^#' "$SMOKE/metrics.txt") samples"
