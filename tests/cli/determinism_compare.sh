# arv compare: the contract files and columns, common random numbers (no
# difference at month 0, before any policy acts), byte-identical outputs at
# 1 and 2 threads, and differences that match the scenarios' own results.
set -u
arv=$1 src=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
check() { # description, status
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}
scen=$src/scenarios/compare
small=(--reps 3 --set population.households=1500 --set run.months=24 --quiet)
for t in 1 2; do
    "$arv" compare "$scen/trial_usual_care.cfg" "$scen/trial_coordinator.cfg" \
        "$scen/trial_holf.cfg" --threads $t --out "$tmp/c$t" "${small[@]}"
    check "compare at $t threads" $?
done
for f in summary.csv young_adults.csv totals.csv diff.csv diff_young_adults.csv \
    resolved.cfg resolved_holf.cfg; do
    [ -s "$tmp/c1/$f" ]
    check "$f written" $?
done
for f in summary.csv young_adults.csv totals.csv diff.csv diff_young_adults.csv; do
    cmp -s "$tmp/c1/$f" "$tmp/c2/$f"
    check "$f identical at 1 and 2 threads" $?
done
# the manifest names every scenario's files, each once
for s in trial_usual_care trial_coordinator trial_holf; do
    [ "$(sed -n '/"scenario_files"/,/]/p' "$tmp/c1/manifest.json" | grep -c "/$s.cfg\"")" -eq 1 ]
    check "manifest lists $s.cfg once" $?
done
[ "$(head -1 "$tmp/c1/diff.csv")" = "scenario,baseline,month,metric,diff,lo,hi,reps" ]
check "diff.csv columns" $?
[ "$(head -1 "$tmp/c1/diff_young_adults.csv")" = "scenario,baseline,age,metric,diff,lo,hi,reps" ]
check "diff_young_adults.csv columns" $?
# month 0 comes before any follow-up: common random numbers make every
# difference exactly zero there
awk -F, 'NR > 1 && $3 == "0" && ($5 != 0 || $6 != 0 || $7 != 0) { bad = 1 } END { exit bad }' \
    "$tmp/c1/diff.csv"
check "no difference at month 0" $?
# totals rows have an empty month; the HOLF scenario's programme cost is
# all difference
grep -q '^holf,usual_care,,cost_programme,' "$tmp/c1/diff.csv"
check "totals rows in diff.csv" $?
for m in net_monetary_benefit incremental_cost_discounted cost_per_employment_year; do
    grep -q "^holf,all,$m," "$tmp/c1/totals.csv"
    check "totals.csv has $m" $?
done
# the mean difference equals the difference of the scenarios' means (paired
# replicates, all defined): employment at month 24
a=$(awk -F, '$1 == "usual_care" && $2 == "all" && $3 == "24" && $4 == "employment_rate" { print $5 }' "$tmp/c1/summary.csv")
b=$(awk -F, '$1 == "holf" && $2 == "all" && $3 == "24" && $4 == "employment_rate" { print $5 }' "$tmp/c1/summary.csv")
d=$(awk -F, '$1 == "holf" && $3 == "24" && $4 == "employment_rate" { print $5 }' "$tmp/c1/diff.csv")
awk -v a="$a" -v b="$b" -v d="$d" 'BEGIN { e = b - a - d; exit !(a != "" && (e < 0 ? -e : e) < 1e-9) }'
check "diff = difference of means ($b - $a vs $d)" $?
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
