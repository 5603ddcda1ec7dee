#!/usr/bin/env bash
# Durable appends of this checkout against the foundation (the last commit before the
# transparency log, when events had no leaves), measured in one sitting: the two release
# binaries take turns, round after round, so both see the same machine. Prints the median
# appends/s per writer count and the ratio.
#
#   scripts/bench-append-vs-foundation.sh [sqlite | postgres://USER@HOST:PORT/DB]
#
# Environment: ROUNDS (default 3), WRITERS (default 1,64), SECONDS_EACH (default 4),
# FOUNDATION (default e46f023).
set -euo pipefail
backend=${1:-sqlite}
rounds=${ROUNDS:-3}
writers=${WRITERS:-1,64}
seconds=${SECONDS_EACH:-4}
foundation=${FOUNDATION:-e46f023}
root=$(git rev-parse --show-toplevel)
target=${CARGO_TARGET_DIR:-$root/target}
work=$(mktemp -d)
cleanup() {
  git -C "$root" worktree remove --force "$work/foundation" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

git -C "$root" worktree add --detach "$work/foundation" "$foundation" >/dev/null
echo "building the foundation ($foundation) and this checkout..." >&2
(cd "$work/foundation" && CARGO_TARGET_DIR="$target/foundation" cargo build --release --quiet --bin docket)
(cd "$root" && CARGO_TARGET_DIR="$target" cargo build --release --quiet --bin docket)
cp "$target/foundation/release/docket" "$work/docket-foundation"
cp "$target/release/docket" "$work/docket-current"

for round in $(seq "$rounds"); do
  for which in foundation current; do
    echo "round $round: $which" >&2
    "$work/docket-$which" bench append --backend "$backend" --seconds "$seconds" --rounds 1 \
      --writers "$writers" | grep '^| Docket append' | sed "s/^/$which /"
  done
done | awk -F'|' '
  function median(list,   n, v, i, j, t) {
    n = split(list, v, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  {
    split($1, w, " "); which = w[1]
    key = $2; gsub(/^ *Docket append, | *$/, "", key)
    runs[which, key] = runs[which, key] " " $3 + 0
    if (!(key in seen)) { seen[key] = 1; order[++k] = key }
  }
  END {
    print "| writers | foundation appends/s (runs) | with leaves appends/s (runs) | ratio |"
    print "|---|---:|---:|---:|"
    for (i = 1; i <= k; i++) {
      key = order[i]; f = median(runs["foundation", key]); c = median(runs["current", key])
      printf "| %s | %.0f (%s) | %.0f (%s) | **%.0f%%** |\n", key, f, substr(runs["foundation", key], 2), c, substr(runs["current", key], 2), 100 * c / f
    }
  }'
