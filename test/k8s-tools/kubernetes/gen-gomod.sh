#!/usr/bin/env bash
# Usage: test/k8s-tools/kubernetes/gen-gomod.sh vX.Y.Z [outdir]; then `go mod tidy` in outdir.
# Generates <outdir>/go.mod (module cloudpos.local/k8s-tools) requiring k8s.io/kubernetes@vX.Y.Z
# with replace k8s.io/<staging> => k8s.io/<staging> v0.Y.Z for every k8s.io/* requirement pinned at v0.0.0.
set -euo pipefail
KVER=${1:?usage: gen-gomod.sh vX.Y.Z [outdir]}
OUT=${2:-.}
export GOWORK=off GOTOOLCHAIN=local
STAGING_VER="v0.${KVER#v1.}"          # v1.37.2 -> v0.37.2
GOMOD=$(go mod download -json "k8s.io/kubernetes@${KVER}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
[ -f "$GOMOD" ] || { echo "cannot find go.mod for k8s.io/kubernetes@${KVER}" >&2; exit 1; }
GOLINE=$(awk '$1=="go"{print $2; exit}' "$GOMOD")
# every k8s.io/<x> requirement pinned at exactly v0.0.0 (both in require blocks and single-line requires)
mapfile -t STAGING < <(awk '
  /^require \(/ {inreq=1; next}
  inreq && /^\)/ {inreq=0; next}
  inreq {print $1, $2; next}
  /^require / {print $2, $3}
' "$GOMOD" | awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0" {print $1}' | sort -u)
{
  echo "module cloudpos.local/k8s-tools"
  echo
  echo "go ${GOLINE}"
  echo
  echo "require k8s.io/kubernetes ${KVER}"
  echo
  echo "replace ("
  for m in "${STAGING[@]}"; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING_VER"; done
  echo ")"
} > "${OUT}/go.mod"
echo "wrote ${OUT}/go.mod: ${#STAGING[@]} staging modules replaced at ${STAGING_VER}" >&2
