# syntax=docker/dockerfile:1
# kata-otel container image.
#
#   docker build -t kata-otel:0.1.0 .
#   docker run --read-only --tmpfs /tmp -v kata-otel-state:/var/lib/kata-otel kata-otel:0.1.0
#
# Every stage starts from the same Node 22 LTS image: better-sqlite3 is a native addon, and
# the binary built (or fetched as a prebuild) in the deps stage must match the runtime's Node
# ABI and glibc exactly.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- deps: production dependencies only, native addon built here ---------------------------
FROM ${NODE_IMAGE} AS deps
# Toolchain for node-gyp, used when no better-sqlite3 prebuild matches this Node.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the root package's `prepare` (tsc) must not run without sources, and no
# dependency's script runs unasked; better-sqlite3's is then run by name and proved to load.
# npm_config_nodedir: node-gyp takes this image's own headers instead of downloading them.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm_config_nodedir=/usr/local npm rebuild better-sqlite3 --foreground-scripts \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" \
 && npm cache clean --force

# ---- build: TypeScript → dist/ ------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
# Sources only: .dockerignore keeps out node_modules, dist, state, outputs and VCS data.
COPY . .
# tsconfig compiles the tests and benchmarks too; they are not shipped.
RUN npm run build \
 && rm -rf dist/test dist/bench

# ---- runtime ------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# A fixed numeric user (no name lookup needed for runAsNonRoot) that owns nothing in the
# image except the state folder.
RUN groupadd --system --gid 10001 kata-otel \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin kata-otel \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/kata-otel
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# dist/service/build-info.js reads the version from here.
COPY package.json ./
# The Kata Sigma rule pack the sigma processor loads (rules/kata relative to the package).
COPY rules ./rules
# The default config: the pod's (OTLP in from the node's Collector, OTLP back to it); the
# DaemonSet mounts its ConfigMap over this file.
COPY collector-config/kubernetes/base/kata-otel.yaml /etc/kata-otel/config.yaml

# The root filesystem can be read-only: the only writable places are the state folder
# (queues, checkpoints; a volume) and /tmp (SQLite's temporary files; a tmpfs or emptyDir).
ENV NODE_ENV=production \
    KATA_OTEL_STORAGE=/var/lib/kata-otel \
    TMPDIR=/tmp
VOLUME ["/var/lib/kata-otel"]
USER 10001:10001
EXPOSE 8888

# Hits /healthz with node itself (the image has no curl), on the address the sidecar's
# telemetry listens on; 0.0.0.0 and :: are reached through loopback.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const a=(process.env.KATA_OTEL_TELEMETRY_ADDRESS||'127.0.0.1:8888').replace(/^(0\\.0\\.0\\.0|\\[::\\]|):/,'127.0.0.1:');require('http').get('http://'+a+'/healthz',{timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]

# V8 heap settings for the sidecar: why in cli/node-flags.ts (a test keeps them equal).
ENTRYPOINT ["node", "--max-semi-space-size=32", "--initial-old-space-size=128", "--no-allocation-site-pretenuring", "/app/dist/cli/main.js"]
CMD ["run", "--config", "/etc/kata-otel/config.yaml"]
