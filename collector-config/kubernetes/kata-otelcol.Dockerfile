# syntax=docker/dockerfile:1
# Image of kata-otelcol, the OpenTelemetry Collector distribution of collector-config/builder/
# manifest.yaml, as the DaemonSet runs it beside kata-otel. Build from the repository root:
#
#   docker build -f collector-config/kubernetes/kata-otelcol.Dockerfile -t kata-otelcol:0.160.0 .
#
# The journald receiver runs journalctl, which the upstream Collector images lack, so the
# runtime is Debian with systemd's journalctl. Its systemd must be at least as new as the
# nodes' (an older journalctl cannot read journal files a newer journald wrote): trixie
# ships 257; use a newer base for nodes ahead of it.

# The builder's release line must match the manifest's components (strict versioning).
ARG OTELCOL_BUILDER_VERSION=0.160.0

FROM golang:1.26-trixie AS build
ARG OTELCOL_BUILDER_VERSION
RUN go install "go.opentelemetry.io/collector/cmd/builder@v${OTELCOL_BUILDER_VERSION}"
WORKDIR /build
COPY collector-config/builder/manifest.yaml ./
# A static binary: nothing from the build image's libc is needed at runtime.
RUN CGO_ENABLED=0 builder --config=manifest.yaml \
 && ./_build/kata-otelcol --version

FROM debian:trixie-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends systemd ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 otelcol \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin otelcol \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/otelcol/file_storage
COPY --from=build /build/_build/kata-otelcol /usr/local/bin/kata-otelcol
COPY collector-config/kubernetes/base/otelcol.yaml /etc/otelcol/config.yaml
VOLUME ["/var/lib/otelcol/file_storage"]
USER 10001:10001
EXPOSE 13133
# health_check answers 200 on /; no curl in the image, so bash's /dev/tcp asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/13133 && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/kata-otelcol"]
CMD ["--config=/etc/otelcol/config.yaml"]
