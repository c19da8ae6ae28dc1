#!/usr/bin/env bash
# Rebuild assets/vendor/plotly-app.min.js (plotly.js with only the traces this app draws) from the
# npm registry, with the versions pinned in scripts/plotly-bundle/package-lock.json. Needs node >= 20
# and npm, at build time only: the app serves the committed file.
#
#   bash scripts/build-plotly-bundle.sh
#
# After changing the trace types (scripts/plotly-bundle/entry.js and TRACES in build.mjs), or the
# plotly version (which must stay the plotly.js that the installed `plotly` Python package ships,
# `python -c "from plotly.offline import get_plotlyjs_version as v; print(v())"`), run this and
# commit the result.
set -euo pipefail
cd "$(dirname "$0")/plotly-bundle"
npm ci --ignore-scripts --no-audit --no-fund
node build.mjs
