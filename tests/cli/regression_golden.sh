# Golden outputs: the shipped scenarios reproduce tests/regression/golden
# exactly. A difference means the results changed: if that was intended,
# regenerate with tests/regression/update.sh and review the diff.
set -u
arv=$1 src=$4
here=$src/tests/regression
. "$here/runs.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
for name in "${!runs[@]}"; do
    # shellcheck disable=SC2086
    "$arv" run "$src/scenarios/${runs[$name]}" --out "$tmp/$name" --quiet ${args[$name]} ||
        { failed=$((failed + 1)); echo "FAIL: $name did not run"; continue; }
    for f in summary.csv totals.csv young_adults.csv; do
        if diff -u "$here/golden/$name.$f" "$tmp/$name/$f" > "$tmp/diff"; then
            pass=$((pass + 1))
        else
            failed=$((failed + 1))
            echo "FAIL: $name $f differs from the golden output:"
            head -20 "$tmp/diff"
        fi
    done
done
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
