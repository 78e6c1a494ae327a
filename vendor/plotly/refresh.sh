#!/bin/sh
# Refresh the vendored plotly.js basic bundle from the npm registry at the version pinned in package.json.
#
# The bundle's major/minor version should match the plotly.js that the Python plotly package was built
# against (`python -c "import plotly.offline as o; print(o.get_plotlyjs_version())"`), because the figure
# JSON the pipeline writes follows that version's schema. To move to a new version: change the pin in
# package.json, run `npm install --ignore-scripts`, then this script, then `pytest tests/dashboard tests/browser`.
set -eu
cd "$(dirname "$0")/../.."
[ -d node_modules/plotly.js-basic-dist-min ] || npm ci --ignore-scripts --no-audit --no-fund
src=node_modules/plotly.js-basic-dist-min
cp "$src/plotly-basic.min.js" "$src/LICENSE" vendor/plotly/
version=$(node -p "require('./$src/package.json').version")
printf '%s\n' "$version" > vendor/plotly/VERSION
sha256sum vendor/plotly/plotly-basic.min.js
echo "vendor/plotly: plotly.js-basic-dist-min $version"
