# arv calibrate on a small problem: its files, the same posterior at 1 and
# 2 threads, and a run stopped after two generations and resumed to three
# equal to an uninterrupted three-generation run, byte for byte; trial
# targets; the calibrated scenario runs.
set -u
arv=$1 fixtures=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
check() { # description, status
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else failed=$((failed + 1)); echo "FAIL: $1"; fi
}
cal=$fixtures/calibration
targets=(--targets "$cal/cli_targets.csv" --quiet)
"$arv" calibrate "$cal/cli_three.cfg" "${targets[@]}" --threads 1 --out "$tmp/t1" --draws 2
check "calibrate at 1 thread" $?
"$arv" calibrate "$cal/cli_three.cfg" "${targets[@]}" --threads 2 --out "$tmp/t2"
check "calibrate at 2 threads" $?
for f in posterior.csv generations.csv fit.csv calibrated.cfg resolved.cfg manifest.json \
    calibrated-draws.cfg; do
    [ -s "$tmp/t1/$f" ]
    check "$f written" $?
done
[ "$(head -1 "$tmp/t1/posterior.csv")" = "particle,weight,work.beta.somalia,income.sa_takeup" ]
check "posterior.csv columns" $?
[ "$(wc -l <"$tmp/t1/generations.csv")" -eq 4 ]
check "three generations" $?
for f in posterior.csv generations.csv fit.csv; do
    cmp -s "$tmp/t1/$f" "$tmp/t2/$f"
    check "$f identical at 1 and 2 threads" $?
done
# stop after two generations, then resume to three
"$arv" calibrate "$cal/cli_two.cfg" "${targets[@]}" --out "$tmp/r"
check "two generations" $?
[ -s "$tmp/r.checkpoint" ]
check "checkpoint beside the output" $?
"$arv" calibrate "$cal/cli_three.cfg" "${targets[@]}" --out "$tmp/r" --resume
check "resume to three" $?
for f in posterior.csv generations.csv; do
    cmp -s "$tmp/t1/$f" "$tmp/r/$f"
    check "resumed $f identical to the uninterrupted run" $?
done
# trial targets: the virtual trial's estimate and p-value, the same at 1
# and 2 threads
ttargets=(--targets "$cal/cli_trial_targets.csv" --quiet)
"$arv" calibrate "$cal/cli_trial.cfg" "${ttargets[@]}" --threads 1 --out "$tmp/tr1"
check "calibrate to trial targets at 1 thread" $?
"$arv" calibrate "$cal/cli_trial.cfg" "${ttargets[@]}" --threads 2 --out "$tmp/tr2"
check "calibrate to trial targets at 2 threads" $?
for f in posterior.csv fit.csv; do
    cmp -s "$tmp/tr1/$f" "$tmp/tr2/$f"
    check "trial targets: $f identical at 1 and 2 threads" $?
done
# the trial_effect row's simulated mean is an estimate (finite), the
# trial_null row has no z and a predictive p in [0, 1]
awk -F, '$1 == "strain" && $7 + 0 == $7 && $7 != "" { ok = 1 } END { exit !ok }' "$tmp/tr1/fit.csv"
check "fit.csv has the trial effect" $?
awk -F, '$1 == "sa_null" && $10 == "" && $11 >= 0 && $11 <= 1 { ok = 1 } END { exit !ok }' \
    "$tmp/tr1/fit.csv"
check "fit.csv has the trial null" $?
# the draws carry the parameter uncertainty into a run: replicates 0 and 1
# use the two draws, whose values the resolved scenario lists
"$arv" run "$tmp/t1/calibrated-draws.cfg" --reps 2 --out "$tmp/draws" --quiet
check "arv run calibrated-draws.cfg" $?
grep -q "^parameter_draws: {" "$tmp/draws/resolved.cfg"
check "the run's resolved scenario holds the draws" $?
# the calibrated scenario is a scenario arv runs
"$arv" run "$tmp/t1/calibrated.cfg" --out "$tmp/run" --quiet
check "arv run calibrated.cfg" $?
value=$(awk '/somalia = / { v = $3; sub(/;$/, "", v); print v; exit }' "$tmp/t1/calibrated.cfg")
[ -n "$value" ] && [ "$value" != "-1.7" ] && grep -q "somalia = $value;" "$tmp/run/resolved.cfg"
check "the calibrated value ($value) is used" $?
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
