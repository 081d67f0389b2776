#!/usr/bin/env bash
# Validates the deployment without a cluster and without a Docker engine:
#
#   1. renders the Kustomize base and every overlay (kustomize, pinned);
#   2. checks every rendered object against the Kubernetes OpenAPI schemas, strictly (unknown
#      fields are errors), for the oldest and newest Kubernetes versions we claim;
#   3. checks that nothing rendered is a Secret (tokens come from Secrets users create);
#   4. kata-otel's pod config passes `kata-otel validate`;
#   5. the Collector's pod config passes `kata-otelcol validate`, when the Collector can be had;
#   6. lints both Dockerfiles and the rendered manifests with checkov (static security checks).
#
# Not done here, because this machine and CI have neither: building the image (no Docker
# engine) and applying the manifests (no cluster). See README.md, "What CI checks".
#
# Tools are installed once into a cache folder: kustomize with `go install` from the Go module
# proxy (else `kubectl kustomize` is used), kubernetes-validate (which bundles the schemas) and
# checkov from PyPI into a virtualenv.
#
# Environment:
#   KATA_OTEL_CACHE_DIR   cache root (default ${XDG_CACHE_HOME:-~/.cache}/kata-otel)
#   KUBE_VERSIONS         Kubernetes versions to validate against (default "1.30.0 1.37.0")
#   KATA_OTELCOL          a kata-otelcol binary for step 5 (default: collector-config/builder/build.sh)
#   SKIP_COLLECTOR=1      skip step 5 (building the Collector takes minutes the first time)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${KATA_OTEL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kata-otel}/deploy-tools"
kube_versions="${KUBE_VERSIONS:-1.30.0 1.37.0}"

KUSTOMIZE_VERSION=v5.8.1          # the newest whose go.mod asks for no newer Go than 1.24
KUBERNETES_VALIDATE_VERSION=1.37.0
CHECKOV_VERSION=3.3.30

passed=0
failed=0
skipped=0
step() { echo "== $*"; }
ok() { echo "   ok: $*"; passed=$((passed + 1)); }
bad() { echo "   FAILED: $*" >&2; failed=$((failed + 1)); }
skip() { echo "   SKIPPED: $*"; skipped=$((skipped + 1)); }
die() { echo "validate.sh: $*" >&2; exit 1; }

mkdir -p "$cache"
# Two runs at once would race on the virtualenv and go install.
exec 9>"$cache/.lock"
flock 9

# ---- tools ----------------------------------------------------------------------------------
kustomize=()
if [ -x "$cache/bin/kustomize-$KUSTOMIZE_VERSION" ]; then
  kustomize=("$cache/bin/kustomize-$KUSTOMIZE_VERSION" build)
elif command -v go >/dev/null 2>&1; then
  echo "installing kustomize $KUSTOMIZE_VERSION (go install, about a minute)"
  tmpbin="$(mktemp -d "$cache/gobin.XXXXXX")"
  if GOBIN="$tmpbin" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >"$cache/kustomize-install.log" 2>&1; then
    mkdir -p "$cache/bin"
    mv "$tmpbin/kustomize" "$cache/bin/kustomize-$KUSTOMIZE_VERSION"
    rm -rf "$tmpbin"
    kustomize=("$cache/bin/kustomize-$KUSTOMIZE_VERSION" build)
  else
    tail -5 "$cache/kustomize-install.log" >&2
    rm -rf "$tmpbin"
    echo "go install of kustomize failed (log: $cache/kustomize-install.log); trying kubectl kustomize" >&2
  fi
fi
if [ ${#kustomize[@]} -eq 0 ]; then
  command -v kubectl >/dev/null 2>&1 ||
    die "no kustomize: install Go (1.24 or newer, with the Go module proxy reachable) or kubectl"
  kustomize=(kubectl kustomize)
fi

venv="$cache/venv-kv$KUBERNETES_VALIDATE_VERSION-checkov$CHECKOV_VERSION"
if [ ! -x "$venv/bin/checkov" ] || [ ! -x "$venv/bin/kubernetes-validate" ]; then
  command -v python3 >/dev/null 2>&1 || die "python3 is needed for kubernetes-validate and checkov"
  echo "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION and checkov $CHECKOV_VERSION (pip, about a minute)"
  rm -rf "$venv"
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "checkov==$CHECKOV_VERSION" ||
    { rm -rf "$venv"; die "pip install failed: is PyPI reachable?"; }
fi

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# ---- 1. render --------------------------------------------------------------------------------
step "render (${kustomize[*]})"
targets=(base)
for d in "$here"/overlays/*/; do targets+=("overlays/$(basename "$d")"); done
for t in "${targets[@]}"; do
  f="$out/$(echo "$t" | tr / _).yaml"
  if "${kustomize[@]}" "$here/$t" >"$f" 2>"$f.err"; then
    ok "$t renders ($(grep -c '^kind:' "$f") objects)"
  else
    cat "$f.err" >&2
    bad "$t does not render"
    rm -f "$f"
  fi
done
rendered=("$out"/*.yaml)
[ -e "${rendered[0]}" ] || die "nothing rendered"

# ---- 2. schemas -------------------------------------------------------------------------------
for v in $kube_versions; do
  step "Kubernetes $v schemas, strict"
  for f in "${rendered[@]}"; do
    if "$venv/bin/kubernetes-validate" --strict --quiet --kubernetes-version "$v" "$f"; then
      ok "$(basename "$f" .yaml): every object valid for $v"
    else
      bad "$(basename "$f" .yaml): schema errors for Kubernetes $v (above)"
    fi
  done
done

# ---- 3. no Secret objects -------------------------------------------------------------------
step "no secrets in the manifests"
if grep -l '^kind: Secret$' "${rendered[@]}"; then
  bad "a rendered manifest holds a Secret: reference one the user creates instead"
else
  ok "no Secret objects rendered"
fi

# ---- 4. kata-otel config --------------------------------------------------------------------
step "kata-otel validate (base/kata-otel.yaml)"
if [ ! -f "$root/dist/cli/main.js" ]; then
  bad "dist/cli/main.js is missing: run npm run build first (npm run test:deploy does)"
elif node "$root/dist/cli/main.js" validate --config "$here/base/kata-otel.yaml"; then
  ok "kata-otel accepts its pod config"
else
  bad "kata-otel rejects base/kata-otel.yaml"
fi

# ---- 5. Collector config --------------------------------------------------------------------
step "kata-otelcol validate (base/otelcol.yaml + base/otelcol-k8s.yaml)"
otelcol="${KATA_OTELCOL:-}"
if [ "${SKIP_COLLECTOR:-}" = 1 ]; then
  skip "SKIP_COLLECTOR=1"
else
  if [ -z "$otelcol" ] && [ -x "$root/collector-config/builder/build.sh" ]; then
    # Cached by the manifest's hash: only the first run on a machine builds (minutes).
    if "$root/collector-config/builder/build.sh" >"$out/otelcol-build.log" 2>&1; then
      otelcol="$("$root/collector-config/builder/build.sh" --print-path)"
    else
      tail -20 "$out/otelcol-build.log" >&2
      bad "collector-config/builder/build.sh failed (above)"
    fi
  fi
  if [ -z "$otelcol" ]; then
    [ -x "$root/collector-config/builder/build.sh" ] ||
      skip "no kata-otelcol: collector-config/builder/build.sh is not here and KATA_OTELCOL is not set"
  # The variables the DaemonSet sets, with stand-in values (nothing is started or dialled).
  elif (cd "$out" && env POD_IP=127.0.0.1 OTELCOL_HEALTH_ENDPOINT=127.0.0.1:13133 KUBE_NODE_NAME=validate \
      OTELCOL_STORAGE_DIR="$out/file_storage" OTLP_BACKEND_ENDPOINT=backend.invalid:4317 OTLP_BACKEND_INSECURE=false \
      OTLP_BACKEND_AUTHORIZATION= "$otelcol" validate --config="$here/base/otelcol.yaml" --config="$here/base/otelcol-k8s.yaml"); then
    ok "kata-otelcol accepts its pod config"
  else
    bad "kata-otelcol rejects base/otelcol.yaml"
  fi
fi

# ---- 6. lint ----------------------------------------------------------------------------------
# Findings we accept, and why:
#   CKV_DOCKER_7  FROM ${NODE_IMAGE}: the ARG's default is a tagged image; checkov cannot see it.
#   CKV_K8S_43    image digests: the images are the user's own builds; pin digests in the overlay.
#   CKV_K8S_15    imagePullPolicy Always: tags are versioned; IfNotPresent spares the registry.
#   CKV_K8S_25    added capabilities: only the init container, CHOWN and FOWNER to hand the
#                 node's state folder to the runtime user, then it exits.
#   CKV_K8S_35    Secret as an env var: the Collector reads its header from ${env:...}; a file
#                 would make the optional Secret mandatory.
#   CKV_K8S_19    host network, in overlays/host-network only: that opt-in exists to receive
#                 Kata's spans on the node's loopback (components/host-network explains).
checkov_env=(env LOG_LEVEL=ERROR BC_SKIP_MAPPING=TRUE)
step "checkov: Dockerfiles"
for f in "$root/Dockerfile" "$here/kata-otelcol.Dockerfile"; do
  if "${checkov_env[@]}" "$venv/bin/checkov" --quiet --compact --skip-download --framework dockerfile \
      --skip-check CKV_DOCKER_7 -f "$f"; then
    ok "${f#"$root"/} passes checkov"
  else
    bad "${f#"$root"/}: checkov findings (above)"
  fi
done
step "checkov: rendered manifests"
for f in "${rendered[@]}"; do
  skips=CKV_K8S_43,CKV_K8S_15,CKV_K8S_25,CKV_K8S_35
  case "$(basename "$f")" in overlays_host-network.yaml) skips="$skips,CKV_K8S_19" ;; esac
  if "${checkov_env[@]}" "$venv/bin/checkov" --quiet --compact --skip-download --framework kubernetes \
      --skip-check "$skips" -f "$f"; then
    ok "$(basename "$f" .yaml) passes checkov"
  else
    bad "$(basename "$f" .yaml): checkov findings (above)"
  fi
done

echo
echo "Not run (no Docker engine, no cluster): docker build, kubectl apply, the probes against a live pod."
echo "deploy validation: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
