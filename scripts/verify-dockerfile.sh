#!/usr/bin/env bash
# Build and smoke-run a Dockerfile (FROM python:3.11-slim or debian:bookworm-slim)
# on a machine with no Docker engine and no Docker Hub: podman/buildah from Debian,
# base images made locally with debootstrap from the apt mirror.
# usage: verify-dockerfile.sh CONTEXT_DIR [DOCKERFILE]
#   env: WORK (cache dir), TAG, BUILD_ARGS (extra podman build args), RUN_ARGS (extra
#        podman run args), SMOKE_SECS (how long the daemon must stay up; 0 = run to
#        completion and require exit 0; none = build only, for a smoke test of your own)
set -euo pipefail
CTX=${1:?usage: verify-dockerfile.sh CONTEXT_DIR [DOCKERFILE]}
DF=${2:-$CTX/Dockerfile}
WORK=${WORK:-${TMPDIR:-/tmp}/verify-dockerfile}
TAG=${TAG:-localhost/app-under-test:ci}
SMOKE_SECS=${SMOKE_SECS:-5}
t0=$SECONDS; step() { echo "== [$((SECONDS-t0))s] $*"; }

step "tools"
if ! command -v podman >/dev/null || ! command -v buildah >/dev/null \
   || ! command -v runc >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    podman buildah runc debootstrap catatonit >/dev/null
fi
mkdir -p "$WORK/cfg"
cat > "$WORK/cfg/storage.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$WORK/storage"
runroot = "$WORK/runroot"
EOC
# This VM has no CAP_SYS_RESOURCE (podman's default nofile=1048576 is refused) and
# hybrid cgroups (crun refuses them), hence ulimits + runc + cgroupfs.
cat > "$WORK/cfg/containers.conf" <<EOC
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
EOC
export CONTAINERS_STORAGE_CONF=$WORK/cfg/storage.conf CONTAINERS_CONF=$WORK/cfg/containers.conf
have() { podman image exists "$1"; }

if ! have localhost/debian:bookworm-slim; then
  if [ ! -s "$WORK/rootfs.tar" ]; then
    MIRROR=$(awk '$1=="URIs:"{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
    [ -n "$MIRROR" ] || { echo "no apt mirror found in the apt sources"; exit 1; }
    step "debootstrap bookworm from $MIRROR"
    rm -rf "$WORK/rootfs"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log"
    rm -f "$WORK/rootfs/etc/apt/sources.list"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: %s-security\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$MIRROR" "$MIRROR" > "$WORK/rootfs/etc/apt/sources.list.d/debian.sources"
    rm -rf "$WORK"/rootfs/var/cache/apt/archives/*.deb "$WORK"/rootfs/var/lib/apt/lists/*
    tar --numeric-owner -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .
    rm -rf "$WORK/rootfs"
  fi
  step "import debian:bookworm-slim"
  ctr=$(buildah from scratch)
  buildah add "$ctr" "$WORK/rootfs.tar" / >/dev/null
  buildah config --cmd '["bash"]' \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$ctr"
  buildah commit -q --rm "$ctr" localhost/debian:bookworm-slim >/dev/null
fi

if ! have localhost/python:3.11-slim; then
  step "build python:3.11-slim stand-in (Debian python3 3.11.2)"
  B="$WORK/base-python"; rm -rf "$B"; mkdir -p "$B/certs"
  # this machine's egress CA, so pip/https inside builds trust the proxy here
  cp /usr/local/share/ca-certificates/*.crt "$B/certs/" 2>/dev/null || true
  cat > "$B/Containerfile" <<'EOC'
FROM localhost/debian:bookworm-slim
ENV LANG=C.UTF-8 PYTHON_VERSION=3.11
COPY certs/ /usr/local/share/ca-certificates/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv python3-pip ca-certificates \
 && ln -s /usr/bin/python3 /usr/local/bin/python3 \
 && ln -s /usr/bin/python3 /usr/local/bin/python \
 && ln -s /usr/bin/pip3 /usr/local/bin/pip \
 && ln -s /usr/bin/pip3 /usr/local/bin/pip3 \
 && rm -f /usr/lib/python3.11/EXTERNALLY-MANAGED \
 && rm -rf /var/lib/apt/lists/*
CMD ["python3"]
EOC
  podman build -q --pull=never --network host -t localhost/python:3.11-slim "$B" >/dev/null
fi
# aliases, so unmodified FROM lines resolve locally (--pull=never: no registry is asked).
# NB: the real python:3.11-slim moved to Debian 13 in Aug 2025; this stand-in = python:3.11-slim-bookworm.
for n in localhost/debian:bookworm-slim docker.io/library/debian:bookworm-slim; do
  podman tag localhost/debian:bookworm-slim "$n"; done
for n in python:3.11-slim python:3.11-slim-bookworm; do
  podman tag localhost/python:3.11-slim "localhost/$n" "docker.io/library/$n"; done

step "build $DF"
podman build --pull=never --network host ${BUILD_ARGS:-} -f "$DF" -t "$TAG" "$CTX"

step "smoke run"
name=verify-$$
if [ "$SMOKE_SECS" = none ]; then
  echo "skipped (SMOKE_SECS=none)"
elif [ "$SMOKE_SECS" = 0 ]; then
  podman run --rm --name "$name" --network host ${RUN_ARGS:-} "$TAG"
else
  podman run -d --name "$name" --network host ${RUN_ARGS:-} "$TAG" >/dev/null
  sleep "$SMOKE_SECS"
  running=$(podman inspect -f '{{.State.Running}}' "$name")
  podman logs "$name"
  podman stop -t 10 "$name" >/dev/null
  code=$(podman inspect -f '{{.State.ExitCode}}' "$name")
  podman rm "$name" >/dev/null
  [ "$running" = true ] || { echo "FAIL: container exited within ${SMOKE_SECS}s"; exit 1; }
  echo "stopped with exit code $code (0 or 143 = ended on SIGTERM; 137 = ignored it, SIGKILLed)"
fi
podman image prune -f >/dev/null
step "OK"
