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
# net monetary benefit with the value of an employment year drawn per
# replicate (parameter_draws rows 1e6 and 0): replicate r uses row r, so
# the mean is (NMB at 1e6 in replicate 0 + NMB at 0 in replicate 1) / 2,
# from runs of one and two replicates at fixed values
printf '@include "%s"\nparameter_draws: { paths = [ "costs.value.employment_year" ];\n  values = ( [ 1000000.0 ], [ 0.0 ] ); };\n' \
    "$scen/trial_holf.cfg" >"$tmp/holf_draws.cfg"
nmb() { # OUT: the mean net_monetary_benefit of the scenario against the baseline
    awk -F, '$2 == "all" && $3 == "net_monetary_benefit" && $1 != "usual_care" { print $4 }' \
        "$1/totals.csv"
}
few=(--set population.households=1500 --set run.months=24 --quiet)
"$arv" compare "$scen/trial_usual_care.cfg" "$tmp/holf_draws.cfg" --reps 2 --out "$tmp/d" "${few[@]}" &&
    "$arv" compare "$scen/trial_usual_care.cfg" "$scen/trial_holf.cfg" --reps 1 --out "$tmp/a" \
        "${few[@]}" --set costs.value.employment_year=1e6 &&
    "$arv" compare "$scen/trial_usual_care.cfg" "$scen/trial_holf.cfg" --reps 2 --out "$tmp/b" \
        "${few[@]}" --set costs.value.employment_year=0 &&
    "$arv" compare "$scen/trial_usual_care.cfg" "$scen/trial_holf.cfg" --reps 1 --out "$tmp/c" \
        "${few[@]}" --set costs.value.employment_year=0
check "compares with drawn and fixed values of an employment year" $?
awk -v d="$(nmb "$tmp/d")" -v a="$(nmb "$tmp/a")" -v b="$(nmb "$tmp/b")" -v c="$(nmb "$tmp/c")" \
    'BEGIN { e = d - (a + 2 * b - c) / 2; exit !(d != "" && (e < 0 ? -e : e) < 1e-6 * (d < 0 ? -d : d)) }'
check "net monetary benefit uses each replicate's drawn value" $?
# a count is 0 in a replicate where its group is empty: with 2,000
# households and 4 replicates the coordinator scenario's third group
# (usual) is empty in two of them (6, 0, 0 and 11 families), and families
# is 0 there, not left out (a mean of 4.25, not 8.5)
"$arv" compare "$scen/trial_usual_care.cfg" "$scen/trial_coordinator.cfg" --reps 4 \
    --set population.households=2000 --quiet --out "$tmp/fam"
check "compare with a sometimes empty group" $?
[ "$(grep -c '^coordinator,usual,0,families,4.25,.*,4$' "$tmp/fam/summary.csv")" -eq 1 ]
check "families of a sometimes empty group: mean over every replicate, 0 when empty" $?
# scenarios discounted differently are not compared
printf '@include "%s"\ncosts: { discount_rate = 0.0; };\n' "$scen/trial_holf.cfg" >"$tmp/r0.cfg"
"$arv" compare "$scen/trial_usual_care.cfg" "$tmp/r0.cfg" --reps 1 --out "$tmp/r0" "${few[@]}" \
    2>"$tmp/r0.err"
[ $? -ne 0 ] && grep -q "costs.discount_rate differs from the baseline's" "$tmp/r0.err"
check "a different discount rate is refused" $?
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
