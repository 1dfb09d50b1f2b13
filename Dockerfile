# The hmac-slo image: the collector and the demo (`hmac-slo collector`, `hmac-slo demo`).
# Two stages: `npm run build` compiles the TypeScript and bundles the status page's script; the
# image then runs that compiled JavaScript (`node dist/src/cli.js`, the installed `hmac-slo` bin)
# with runtime dependencies only, exactly what test/build/compiled-bin.test.ts starts.
#   docker build -t hmac-slo .
#   docker run --rm -p 127.0.0.1:9464:9464 hmac-slo collector --listen 0.0.0.0:9464
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY instrumentation/package.json instrumentation/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json tsconfig.build.json ./
COPY instrumentation/tsconfig.json instrumentation/
COPY instrumentation/src instrumentation/src
COPY src src
COPY scripts/build-ui.mjs scripts/
RUN npm run build

FROM node:20.20.2-bookworm-slim

WORKDIR /app

# Dependencies first, in their own layer: only the manifests and the lock file decide it.
# Runtime dependencies only (the OTel SDK and exporters drive the demo's services; tsx, esbuild and
# TypeScript stay in the build stage); test/deploy/compose.test.ts checks that everything src/
# imports is one of them.
COPY package.json package-lock.json ./
COPY instrumentation/package.json instrumentation/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY --from=build /app/dist dist
COPY --from=build /app/instrumentation/dist instrumentation/dist
# The mixin sources, so `hmac-slo generate` works in the image too (it also needs a jsonnet binary,
# which the image does not ship: mount one and set JSONNET, or render outside the container).
COPY mixin.libsonnet config.libsonnet generate.jsonnet hmac-slo.example.yaml ./
COPY rules rules
COPY alerts alerts
COPY dashboards dashboards

ENV NODE_ENV=production
# State (snapshot + push log) lives here; mount a volume to keep it across container restarts.
# The demo's default state directory (only used when it runs its own collector) lives under /app.
RUN mkdir -p /var/lib/hmac-slo /app/.hmac-slo-state && chown node:node /var/lib/hmac-slo /app/.hmac-slo-state
USER node
EXPOSE 9464
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["collector", "--listen", "0.0.0.0:9464", "--state-dir", "/var/lib/hmac-slo"]
