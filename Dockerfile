# syntax=docker/dockerfile:1
# argocd-mcp-gateway: the MCP gateway for Argo CD, serving Streamable HTTP on 0.0.0.0:8080.
#
#   docker build -t argocd-mcp-gateway .
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp \
#     -e ARGOCD_BASE_URL=https://argocd.example.com -e ARGOCD_API_TOKEN="$(argocd account generate-token)" \
#     -e ARGOCD_MCP_API_KEYS_FILE=/keys/api-keys -v "$PWD/api-keys:/keys/api-keys:ro" argocd-mcp-gateway
#
# Binding 0.0.0.0 needs inbound auth (ARGOCD_MCP_API_KEYS_FILE or ARGOCD_MCP_AUTH_ISSUER) or an explicit
# ARGOCD_MCP_ALLOW_UNAUTHENTICATED=true with ARGOCD_MCP_ALLOWED_HOSTS; without one of them the gateway stops at
# start-up and says so.

# Node.js 24, an LTS line in support (20 left support in April 2026). Any image with node and npm at
# /usr/local/bin works: scripts/build-image.sh passes one it makes locally where no registry is reachable.
ARG NODE_IMAGE=node:24-alpine

# --- build: all dependencies, bundle dist/, then pack exactly what package.json "files" publishes -------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The Argo CD simulator (an npm workspace) is built into the demo's chunk of dist/, so the build needs its dependencies.
COPY packages/argocd-simulator/package.json packages/argocd-simulator/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node scripts/build.mjs --clean \
 && npm pack --ignore-scripts --pack-destination /tmp >/dev/null \
 && tar -xzf /tmp/argocd-mcp-gateway-*.tgz -C /tmp \
 && mv /tmp/package /pkg

# --- deps: production dependencies only ----------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime: node, production dependencies, dist + generated + spec; no npm, no shell needed, non-root -------
FROM ${NODE_IMAGE} AS runtime
# npm, corepack and yarn are not needed to run the gateway: drop them (smaller, less to patch).
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /usr/local/bin/npm /usr/local/bin/npx \
      /usr/local/bin/corepack /opt/yarn-* /usr/local/bin/yarn /usr/local/bin/yarnpkg
WORKDIR /app
COPY --from=deps --chown=0:0 /app/node_modules ./node_modules
COPY --from=build --chown=0:0 /pkg/ ./
ENV NODE_ENV=production \
    TMPDIR=/tmp \
    ARGOCD_MCP_TRANSPORT=http \
    ARGOCD_MCP_HOST=0.0.0.0 \
    ARGOCD_MCP_PORT=8080
# The files belong to root and are read-only for the gateway's user; it writes nothing outside /tmp (a CA bundle
# taken from an argocd CLI context), unless an audit file is configured.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ARGOCD_MCP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8080"]
