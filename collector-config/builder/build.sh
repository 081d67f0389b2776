#!/usr/bin/env bash
# Builds kata-otelcol from manifest.yaml with the OpenTelemetry Collector Builder, once per
# manifest: the binary is cached under a directory named by the manifest's hash, so a second
# run (another CI job on the same machine, a developer's rebuild) reuses it in a second.
#
#   build.sh               build if needed, link bin/kata-otelcol to the cached binary
#   build.sh --print-path  print where the binary for this manifest lives (built or not)
#
# Environment: KATA_OTEL_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/kata-otel),
# KATA_OTELCOL (a prebuilt binary to use instead; nothing is built then).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
manifest="$here/manifest.yaml"
cache_root="${KATA_OTEL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/kata-otel}/otelcol"

fail() {
  echo "collector build: $*" >&2
  exit 1
}

# The builder must come from the same release line as the core components (its strict
# versioning checks them), so read the line off the OTLP receiver's entry.
builder_version="$(sed -nE 's#^.*go\.opentelemetry\.io/collector/receiver/otlpreceiver (v[0-9.]+).*$#\1#p' "$manifest" | head -1)"
[ -n "$builder_version" ] || fail "cannot find the otlpreceiver version in $manifest"

hash="$( (cat "$manifest"; echo "builder $builder_version") | sha256sum | cut -c1-16)"
binary="$cache_root/$hash/kata-otelcol"

if [ -n "${KATA_OTELCOL:-}" ]; then
  [ -x "$KATA_OTELCOL" ] || fail "KATA_OTELCOL=$KATA_OTELCOL is not an executable file"
  binary="$KATA_OTELCOL"
fi

if [ "${1:-}" = "--print-path" ]; then
  echo "$binary"
  exit 0
fi
[ $# -eq 0 ] || fail "unknown argument '$1' (usage: build.sh [--print-path])"

link() {
  mkdir -p "$here/bin"
  ln -sfn "$binary" "$here/bin/kata-otelcol"
  echo "kata-otelcol: $binary (linked as collector-config/builder/bin/kata-otelcol)"
}

if [ -x "$binary" ]; then
  link
  exit 0
fi

command -v go >/dev/null 2>&1 ||
  fail "Go is not installed. Install Go 1.25 or newer (https://go.dev/dl/), or set KATA_OTELCOL to a prebuilt kata-otelcol."

mkdir -p "$cache_root"
# Two builds of the same manifest at once would race on the module cache and the output;
# the second waits, then finds the binary.
exec 9>"$cache_root/.lock"
flock 9
if [ -x "$binary" ]; then
  link
  exit 0
fi

gobin="$cache_root/builder-$builder_version"
if [ ! -x "$gobin/builder" ]; then
  echo "collector build: installing the Collector Builder $builder_version (go install)"
  GOBIN="$gobin" go install "go.opentelemetry.io/collector/cmd/builder@$builder_version" ||
    fail "go install of the builder failed. Is the Go module proxy reachable? GOPROXY=$(go env GOPROXY)"
fi

work="$(mktemp -d "$cache_root/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp "$manifest" "$work/manifest.yaml"
echo "collector build: building kata-otelcol (first build downloads the modules; a few minutes)"
(cd "$work" && "$gobin/builder" --config=manifest.yaml >"$work/build.log" 2>&1) || {
  grep -vE '^go: downloading' "$work/build.log" | tail -20 >&2
  fail "the builder failed (log above). A '403' or 'not available' line names a module version the Go module proxy does not serve: move the manifest's release line, or add a replaces entry for a test-only module."
}
mkdir -p "$(dirname "$binary")"
mv "$work/_build/kata-otelcol" "$binary.tmp"
mv "$binary.tmp" "$binary"
"$binary" --version
link
