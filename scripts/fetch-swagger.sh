#!/usr/bin/env bash
# Prints Argo CD's swagger.json for a release tag, e.g.: scripts/fetch-swagger.sh v2.14.21 > /tmp/v2.14.21.json
# Argo CD keeps it in its repository at assets/swagger.json. A running argocd-server also serves it at
# <server>[/rootpath]/swagger.json, which `argocd-mcp-gateway generate --spec <server URL>` reads directly.
set -euo pipefail
tag="${1:?usage: scripts/fetch-swagger.sh vX.Y.Z}"
case "$tag" in v*) ;; *) tag="v$tag" ;; esac
curl -fsSL "https://raw.githubusercontent.com/argoproj/argo-cd/${tag}/assets/swagger.json"
