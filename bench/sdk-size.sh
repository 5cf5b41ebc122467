#!/usr/bin/env bash
# The JavaScript SDK's size next to Firebase's: the same functions (Firestore reads,
# writes, queries, listeners, batches, transactions; Auth with email and Google) imported
# by an app, bundled and minified by esbuild, then gzip -9. Also the whole SDK file
# minified, as /__/hearth/sdk.js could be. Prints a table; installs its npm packages
# (firebase, esbuild, pinned) into a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
FIREBASE_VERSION="${FIREBASE_VERSION:-13.2.0}"
ESBUILD_VERSION="${ESBUILD_VERSION:-0.28.2}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm install --prefix "$work" --no-audit --no-fund --silent \
  "firebase@$FIREBASE_VERSION" "esbuild@$ESBUILD_VERSION" >/dev/null 2>&1
esbuild="$work/node_modules/.bin/esbuild"
cp bench/sdk/firebase-entry.mjs "$work/"
sizes() {  # file -> "min_bytes gz_bytes"
  echo "$(wc -c <"$1") $(gzip -9c "$1" | wc -c)"
}
"$esbuild" "$work/firebase-entry.mjs" --bundle --minify --format=esm --platform=browser \
  --outfile="$work/firebase.js" --log-level=error
"$esbuild" bench/sdk/hearth-entry.mjs --bundle --minify --format=esm --platform=browser \
  --outfile="$work/hearth.js" --log-level=error
"$esbuild" sdk/js/hearth.js --minify --format=esm --outfile="$work/whole.js" --log-level=error
read -r fb_min fb_gz < <(sizes "$work/firebase.js")
read -r h_min h_gz < <(sizes "$work/hearth.js")
read -r w_min w_gz < <(sizes "$work/whole.js")
kib() { awk -v b="$1" 'BEGIN { printf "%.1f KiB", b / 1024 }'; }
echo "| bundle (same app imports) | minified | minified + gzip |"
echo "|---|---|---|"
echo "| Firebase $FIREBASE_VERSION (firebase/app + firestore + auth) | $(kib "$fb_min") | $(kib "$fb_gz") |"
echo "| Hearth SDK (sdk/js/hearth.js), tree-shaken | $(kib "$h_min") | $(kib "$h_gz") |"
echo "| Hearth SDK, the whole file | $(kib "$w_min") | $(kib "$w_gz") |"
awk -v a="$fb_gz" -v b="$h_gz" 'BEGIN { printf "\nHearth is %.1f%% of Firebase'"'"'s size (min + gzip); target: < 40 KiB.\n", 100 * b / a }'
