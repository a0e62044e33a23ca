# arv trial: byte-identical outputs at 1 and 2 threads, the contract columns
# of power.csv, a results table for one trial, resolved.cfg reproducing the
# run, and a design sweep writing design.csv.
set -u
arv=$1 src=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
check() { # description, status
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}
scen=$src/scenarios/holf_trial.cfg
loud=(--set population.households=1500 --set run.burn_in=24 --set trial.month=12
      --set trial.boot_reps=49 --set trial.perm_reps=49)
small=("${loud[@]}" --quiet)
for t in 1 2; do
    "$arv" trial "$scen" --trials 6 --threads $t --out "$tmp/t$t" "${small[@]}"
    check "trial at $t threads" $?
done
for f in power.csv trials.csv icc.csv resolved.cfg manifest.json; do
    [ -s "$tmp/t1/$f" ]
    check "$f written" $?
done
for f in power.csv trials.csv icc.csv resolved.cfg; do
    cmp -s "$tmp/t1/$f" "$tmp/t2/$f"
    check "$f identical at 1 and 2 threads" $?
done
[ "$(head -1 "$tmp/t1/power.csv")" = \
  "outcome,estimator,true_effect,trials,rejection_rate,ci_coverage,mean_estimate,mean_se,rmse" ]
check "power.csv columns" $?
# six outcomes x six estimators, and six trials of each in trials.csv
[ "$(tail -n +2 "$tmp/t1/power.csv" | wc -l)" -eq 36 ]
check "power.csv rows" $?
[ "$(tail -n +2 "$tmp/t1/trials.csv" | wc -l)" -eq $((6 * 36)) ]
check "trials.csv rows" $?
for o in employment sa_receipt income housing_stable financial_strain child_inclusion; do
    grep -q "^$o,cr2," "$tmp/t1/power.csv"
    check "power.csv has $o" $?
done
# the true effect of a trial is the same for every estimator
awk -F, 'NR > 1 { k = $1 "," $2; if (k in t && t[k] != $4) bad = 1; t[k] = $4 } END { exit bad }' \
    "$tmp/t1/trials.csv"
check "one true effect per trial and outcome" $?
# from a household file with no burn-in: month 0's income comes from the
# file's state, not from what the thread's previous trial left
"$arv" synth "$scen" --set population.households=1500 --set run.burn_in=24 --out "$tmp/pop.csv" \
    --quiet
check "synth" $?
printf '@include "%s"\npopulation: { file = "pop.csv"; households = 1500; };\nrun: { burn_in = 0; };\n' \
    "$scen" >"$tmp/from_file.cfg"
for t in 1 2; do
    "$arv" trial "$tmp/from_file.cfg" --trials 4 --threads $t --out "$tmp/f$t" --quiet \
        --set trial.month=12 --set trial.boot_reps=49 --set trial.perm_reps=49
    check "trial from a household file at $t threads" $?
done
cmp -s "$tmp/f1/trials.csv" "$tmp/f2/trials.csv"
check "household file, no burn-in: trials.csv identical at 1 and 2 threads" $?
# resolved.cfg reproduces the trials
"$arv" trial "$tmp/t1/resolved.cfg" --trials 6 --out "$tmp/again" --quiet
check "trial from resolved.cfg" $?
cmp -s "$tmp/t1/trials.csv" "$tmp/again/trials.csv"
check "resolved.cfg reproduces trials.csv" $?
# ... with scaled effects too: resolved.cfg holds them scaled, not scaled again
"$arv" trial "$scen" --trials 3 --out "$tmp/scaled" "${small[@]}" --set trial.effect_scale=3 &&
    "$arv" trial "$tmp/scaled/resolved.cfg" --trials 3 --out "$tmp/scaled_again" --quiet
check "trial with trial.effect_scale = 3, and from its resolved.cfg" $?
cmp -s "$tmp/scaled/trials.csv" "$tmp/scaled_again/trials.csv"
check "resolved.cfg of a scaled trial reproduces trials.csv" $?
# one trial: a table like a paper's
out=$("$arv" trial "$scen" --trials 1 --out "$tmp/one" "${loud[@]}")
check "one trial" $?
echo "$out" | grep -q "95% CI" && echo "$out" | grep -q "^  financial_strain "
check "one trial prints the results table" $?
# a design sweep: 2 x 2 designs
"$arv" trial "$scen" --trials 3 --out "$tmp/sweep" "${small[@]}" \
    --sweep trial.offices=10,20 --sweep trial.effect_scale=0,10
check "sweep" $?
[ "$(head -1 "$tmp/sweep/design.csv")" = \
  "design,trial.offices,trial.effect_scale,offices,families,outcome,estimator,true_effect,trials,rejection_rate,ci_coverage,mean_estimate,mean_se,icc,mde" ]
check "design.csv columns" $?
[ "$(tail -n +2 "$tmp/sweep/design.csv" | wc -l)" -eq $((4 * 36)) ]
check "design.csv rows" $?
awk -F, 'NR > 1 && $2 == 20 && $3 == 0 && $4 != 20 { bad = 1 } END { exit bad }' "$tmp/sweep/design.csv"
check "design.csv offices follow trial.offices" $?
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
