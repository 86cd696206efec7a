#!/bin/sh
# Copies the CRDs from crds/ (their single source) into the chart, which can only read files inside
# itself. operator/src/helm-chart.test.ts fails when the copy drifts; run this to fix it.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$root/charts/cloudpos/files/crds"
cp "$root"/crds/*.yaml "$root/charts/cloudpos/files/crds/"
echo "copied $(ls "$root"/crds/*.yaml | wc -l) CRD file(s) into charts/cloudpos/files/crds/"
