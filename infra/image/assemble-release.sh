#!/usr/bin/env bash
# Lays out what production runs, in one folder: every service and the embedded app compiled to
# JavaScript, the console's static files, and production dependencies only (no tsx, no test tools).
# The image's build stage runs this, and so does the end-to-end suite, so what is tested is what ships.
# Build first:
#   npx nx run-many -t build -p router gateway presence push webhooks embedded console
#   infra/image/assemble-release.sh <output folder>
set -euo pipefail
out=${1:?usage: assemble-release.sh <output folder>}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

deployables=(services/router services/gateway services/presence services/push services/webhooks apps/embedded)
for project in "${deployables[@]}" apps/console; do
  [[ -d $project/dist ]] || { echo "$project/dist is missing: build it first (npx nx build $(basename "$project"))" >&2; exit 1; }
done

rm -rf "$out" && mkdir -p "$out"
cp package.json package-lock.json "$out/"
cp -r patches "$out/"
# `npm ci` checks every workspace's manifest against the lockfile, so all of them go in; only the
# deployables (and the console they serve) bring their build.
for manifest in libs/*/package.json services/*/package.json apps/*/package.json; do
  mkdir -p "$out/$(dirname "$manifest")" && cp "$manifest" "$out/$manifest"
done
for project in "${deployables[@]}" apps/console; do
  cp -r "$project/dist" "$out/$project/dist"
done
cp infra/image/healthcheck.mjs "$out/healthcheck.mjs"

cd "$out"
npm ci --omit=dev --prefer-offline --no-audit --no-fund --loglevel=error
