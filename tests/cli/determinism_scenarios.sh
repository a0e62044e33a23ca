# Every shipped scenario gives byte-identical outputs at 1, 2 and 4 threads
# (the national scenario at reduced size to keep the suite fast), and its
# resolved.cfg reproduces the run; so does the calibrated national scenario
# with its posterior draws (parameter_draws, one per replicate).
set -u
arv=$1 src=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
check() { # description, status
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}
for cfg in "$src"/scenarios/*.cfg "$src"/scenarios/workshop/*.cfg \
    "$src"/scenarios/calibration/norway_fitted_draws.cfg; do
    name=$(basename "$cfg" .cfg)
    extra=(--reps 2 --microdata --quiet)
    case "$name" in
    national) extra+=(--set population.households=3000 --set offices.count=30 --set run.months=12) ;;
    norway_fitted_draws) # the posterior draws, one per replicate
        extra+=(--set population.households=2000 --set offices.count=20 --set run.months=6) ;;
    baseline) continue ;; # shared defaults only, covered by every other scenario
    esac
    for t in 1 2 4; do
        "$arv" run "$cfg" --threads $t --out "$tmp/$name-$t" "${extra[@]}" ||
            { check "$name: run at $t threads" 1; continue 2; }
    done
    for t in 2 4; do
        for f in summary.csv young_adults.csv totals.csv panel.csv; do
            cmp -s "$tmp/$name-1/$f" "$tmp/$name-$t/$f"
            check "$name: $f at 1 and $t threads" $?
        done
    done
    "$arv" run "$tmp/$name-1/resolved.cfg" --threads 2 --out "$tmp/$name-r" --reps 2 --quiet
    for f in summary.csv young_adults.csv totals.csv; do
        cmp -s "$tmp/$name-1/$f" "$tmp/$name-r/$f"
        check "$name: $f from resolved.cfg" $?
    done
done
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
