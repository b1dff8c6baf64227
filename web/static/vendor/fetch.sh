#!/usr/bin/env bash
# Vendor the pinned front-end files from the npm registry (there is no CDN in production's CSP).
# Re-run after changing a version; commit the copied files.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PICO_VERSION=2.1.1
HTMX_VERSION=2.0.8  # htmx 2.x on purpose: htmx 4 is npm's "latest" and breaks 2.x markup
CHARTJS_VERSION=4.6.1  # the UMD build: one file, a global `Chart`, no bundler
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "@picocss/pico@${PICO_VERSION}" >/dev/null
npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null
npm pack --silent "chart.js@${CHARTJS_VERSION}" >/dev/null
tar -xzf "picocss-pico-${PICO_VERSION}.tgz" package/css/pico.min.css package/LICENSE.md
cp package/css/pico.min.css "$HERE/pico.min.css"
cp package/LICENSE.md "$HERE/pico.LICENSE.md"
rm -rf package
tar -xzf "htmx.org-${HTMX_VERSION}.tgz" package/dist/htmx.min.js package/LICENSE
cp package/dist/htmx.min.js "$HERE/htmx.min.js"
cp package/LICENSE "$HERE/htmx.LICENSE"
rm -rf package
tar -xzf "chart.js-${CHARTJS_VERSION}.tgz" package/dist/chart.umd.min.js package/LICENSE.md
cp package/dist/chart.umd.min.js "$HERE/chart.umd.min.js"
cp package/LICENSE.md "$HERE/chart.LICENSE.md"
echo "vendored pico ${PICO_VERSION}, htmx ${HTMX_VERSION} and chart.js ${CHARTJS_VERSION} into $HERE"
