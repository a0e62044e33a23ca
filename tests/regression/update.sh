#!/usr/bin/env bash
# Regenerates the golden outputs of the shipped scenarios after an intended
# change of the model (then review `git diff tests/regression` before
# committing: every changed number is a changed result).
#   tests/regression/update.sh [build/arv]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arv=${1:-$here/../../build/arv}
. "$here/runs.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in "${!runs[@]}"; do
    # shellcheck disable=SC2086
    "$arv" run "$here/../../scenarios/${runs[$name]}" --out "$tmp/$name" --quiet ${args[$name]}
    for f in summary.csv totals.csv young_adults.csv; do
        cp "$tmp/$name/$f" "$here/golden/$name.$f"
    done
done
echo "golden outputs written to $here/golden"
