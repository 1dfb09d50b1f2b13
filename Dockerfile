# The hmac-slo image: the collector and the demo (`hmac-slo collector`, `hmac-slo demo`).
# Runs the TypeScript sources with tsx and the `source` export condition, exactly as the tests and
# `npm start` do, so the image never runs code the test suite did not.
#   docker build -t hmac-slo .
#   docker run --rm -p 127.0.0.1:9464:9464 hmac-slo collector --listen 0.0.0.0:9464
FROM node:20.20.2-bookworm-slim

WORKDIR /app

# Dependencies first, in their own layer: only the manifests and the lock file decide it.
# Runtime dependencies only (tsx runs the sources; the OTel SDK and exporters drive the demo's
# services); test/deploy/compose.test.ts checks that everything src/ imports is one of them.
COPY package.json package-lock.json ./
COPY instrumentation/package.json instrumentation/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.base.json tsconfig.json ./
COPY instrumentation/src instrumentation/src
COPY src src
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
ENTRYPOINT ["node", "--conditions=source", "--import", "tsx", "src/cli.ts"]
CMD ["collector", "--listen", "0.0.0.0:9464", "--state-dir", "/var/lib/hmac-slo"]
