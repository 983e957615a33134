#!/usr/bin/env bash
# Builds the real kube-apiserver and etcd the Kubernetes tests run against, from Go modules
# (scripts/kube/kube-apiserver/go.mod, scripts/kube/etcd/go.mod), with the machine's own Go.
#
# The binaries are cached outside the clone, keyed by release and by a hash of the module files
# and build flags, so every later run, worktree and fresh clone on this machine reuses them:
#   ${LAUNCHPAD_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/launchpad/kube}/<name>/<release>-<hash>/<name>
# A cold build downloads the modules and compiles both (see docs/compatibility.md for the minutes).
#
# Prints one line per binary, `<name>=<absolute path>`, and nothing else on stdout.
# Usage: bash scripts/setup-kube.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${LAUNCHPAD_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/launchpad/kube}"
# The go.mod files name the release; a toolchain download is never wanted (GOTOOLCHAIN=local), and
# the launchpad repository's own VCS state is not the binaries' (-buildvcs=false).
export GOTOOLCHAIN=local
export GOFLAGS="-buildvcs=false"

if ! command -v go >/dev/null 2>&1; then
  echo "setup-kube.sh: Go is needed to build kube-apiserver and etcd (the module in scripts/kube/ says which)" >&2
  exit 1
fi

log() { echo "setup-kube: $*" >&2; }

# module_field <module dir> <module path> <template>: a field of the module version the go.mod selects.
module_field() {
  (cd "$1" && go list -m -f "$3" "$2")
}

# build <name> <module dir> <package> <release> <ldflags> <tags>
build() {
  local name="$1" dir="$2" package="$3" release="$4" ldflags="$5" tags="$6"
  local hash out
  hash="$(cat "$dir/go.mod" "$dir/go.sum" <(printf '%s\n%s\n%s\n' "$package" "$ldflags" "$tags") |
    sha256sum | cut -c1-12)"
  out="$cache/$name/$release-$hash"
  if [ ! -x "$out/$name" ]; then
    mkdir -p "$cache/$name"
    # Several test runs or worktrees may ask at once: one builds, the others wait for it.
    exec {lock}>"$cache/$name/.lock"
    flock "$lock"
    if [ ! -x "$out/$name" ]; then
      log "building $name $release (a cold build downloads modules and compiles for several minutes)"
      local tmp started=$SECONDS
      tmp="$(mktemp -d "$cache/$name/.build.XXXXXX")"
      chmod 0755 "$tmp"
      (cd "$dir" && go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$tmp/$name" "$package") >&2
      "$tmp/$name" --version >&2
      rm -rf "$out"
      mv "$tmp" "$out"
      log "built $name $release in $((SECONDS - started)) s"
    fi
    exec {lock}>&-
  fi
  echo "$name=$out/$name"
}

apiserver_dir="$root/scripts/kube/kube-apiserver"
kube_release="$(module_field "$apiserver_dir" k8s.io/kubernetes '{{.Version}}')"
kube_minor="${kube_release#v1.}"
kube_minor="${kube_minor%%.*}"
# The release's build date (the tag's time, from the module proxy) keeps the build reproducible.
kube_date="$(module_field "$apiserver_dir" k8s.io/kubernetes '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}')"
# The version stamp Kubernetes' own build sets (hack/lib/version.sh, kube::version::ldflags), so
# `kube-apiserver --version` and GET /version report the release. -s -w and the tags are its
# non-debug build's (hack/lib/golang.sh, kube::golang::build_binaries).
kube_ldflags="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  kube_ldflags+=" -X $pkg.gitVersion=$kube_release -X $pkg.gitMajor=1 -X $pkg.gitMinor=$kube_minor"
  kube_ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$kube_date"
done
build kube-apiserver "$apiserver_dir" k8s.io/kubernetes/cmd/kube-apiserver "$kube_release" \
  "$kube_ldflags" selinux,notest,grpcnotrace

etcd_dir="$root/scripts/kube/etcd"
etcd_release="$(module_field "$etcd_dir" go.etcd.io/etcd/server/v3 '{{.Version}}')"
# etcd's version is a constant of go.etcd.io/etcd/api/v3/version; only its git SHA is a flag.
build etcd "$etcd_dir" go.etcd.io/etcd/server/v3 "$etcd_release" "-s -w" ""
