#!/usr/bin/env bash
# Fails when generated/ differs from what the generator makes from spec/argocd.yaml's release.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsx codegen/cli.ts --check
