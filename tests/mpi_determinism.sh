# The MPI engine: 1 and 2 ranks (and the run without mpirun) give
# byte-identical outputs (run with microdata joined across ranks, compare,
# trial, calibrate with and without a resume).
set -u
arv=$1 mpirun=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
launch=("$mpirun" --oversubscribe)
[ "$(id -u)" -eq 0 ] && launch+=(--allow-run-as-root)
opts=(--reps 5 --microdata --quiet --set population.households=1500 --set run.months=13)
"$arv" run "$src/scenarios/holf_trial.cfg" --out "$tmp/plain" "${opts[@]}" || exit 1
for n in 1 2; do
    "${launch[@]}" -np $n "$arv" run "$src/scenarios/holf_trial.cfg" --out "$tmp/np$n" "${opts[@]}" ||
        { echo "mpirun -np $n failed"; exit 1; }
done
pass=0 failed=0
for n in 1 2; do
    for f in summary.csv young_adults.csv totals.csv panel.csv; do
        if cmp -s "$tmp/plain/$f" "$tmp/np$n/$f"; then pass=$((pass + 1)); else
            failed=$((failed + 1)); echo "FAIL: $f differs with $n ranks"; fi
    done
done
# compare: scenarios one after the other, each one's replicates shared out
copts=(--reps 3 --quiet --set population.households=1500 --set run.months=13)
c=("$src/scenarios/compare/trial_usual_care.cfg" "$src/scenarios/compare/trial_holf.cfg")
"$arv" compare "${c[@]}" --out "$tmp/cplain" "${copts[@]}" || exit 1
"${launch[@]}" -np 2 "$arv" compare "${c[@]}" --out "$tmp/cnp2" "${copts[@]}" ||
    { echo "mpirun -np 2 compare failed"; exit 1; }
for f in summary.csv totals.csv diff.csv diff_young_adults.csv; do
    if cmp -s "$tmp/cplain/$f" "$tmp/cnp2/$f"; then pass=$((pass + 1)); else
        failed=$((failed + 1)); echo "FAIL: compare $f differs with 2 ranks"; fi
done
# arv trial shares the virtual trials between the ranks: same files
topts=(--trials 5 --quiet --set population.households=1500 --set run.burn_in=24
       --set trial.month=12 --set trial.boot_reps=49 --set trial.perm_reps=49)
"$arv" trial "$src/scenarios/holf_trial.cfg" --out "$tmp/trial-plain" "${topts[@]}" || exit 1
for n in 1 2; do
    "${launch[@]}" -np $n "$arv" trial "$src/scenarios/holf_trial.cfg" --threads 1 \
        --out "$tmp/trial-np$n" "${topts[@]}" || { echo "mpirun -np $n trial failed"; exit 1; }
    for f in power.csv trials.csv icc.csv; do
        if cmp -s "$tmp/trial-plain/$f" "$tmp/trial-np$n/$f"; then pass=$((pass + 1)); else
            failed=$((failed + 1)); echo "FAIL: trial $f differs with $n ranks"; fi
    done
done
# calibrate shares each batch of candidates between the ranks: the same
# posterior, generations and fit (ABC-SMC on level targets; rejection on
# trial targets), and a run stopped after two generations and resumed
# under 2 ranks equal to the uninterrupted one
cal=$src/tests/fixtures/calibration
"$arv" calibrate "$cal/cli_three.cfg" --targets "$cal/cli_targets.csv" --quiet \
    --out "$tmp/cal-plain" || exit 1
"$arv" calibrate "$cal/cli_trial.cfg" --targets "$cal/cli_trial_targets.csv" --quiet \
    --out "$tmp/caltr-plain" || exit 1
for n in 1 2; do
    "${launch[@]}" -np $n "$arv" calibrate "$cal/cli_three.cfg" --targets "$cal/cli_targets.csv" \
        --threads 1 --quiet --out "$tmp/cal-np$n" || { echo "mpirun -np $n calibrate failed"; exit 1; }
    "${launch[@]}" -np $n "$arv" calibrate "$cal/cli_trial.cfg" \
        --targets "$cal/cli_trial_targets.csv" --threads 1 --quiet --out "$tmp/caltr-np$n" ||
        { echo "mpirun -np $n calibrate (trial targets) failed"; exit 1; }
    for f in posterior.csv generations.csv fit.csv; do
        if cmp -s "$tmp/cal-plain/$f" "$tmp/cal-np$n/$f"; then pass=$((pass + 1)); else
            failed=$((failed + 1)); echo "FAIL: calibrate $f differs with $n ranks"; fi
        if cmp -s "$tmp/caltr-plain/$f" "$tmp/caltr-np$n/$f"; then pass=$((pass + 1)); else
            failed=$((failed + 1)); echo "FAIL: calibrate (trial targets) $f differs with $n ranks"; fi
    done
done
"${launch[@]}" -np 2 "$arv" calibrate "$cal/cli_two.cfg" --targets "$cal/cli_targets.csv" \
    --threads 1 --quiet --out "$tmp/cal-resume" || { echo "mpirun -np 2 calibrate (two) failed"; exit 1; }
"${launch[@]}" -np 2 "$arv" calibrate "$cal/cli_three.cfg" --targets "$cal/cli_targets.csv" \
    --threads 1 --quiet --out "$tmp/cal-resume" --resume ||
    { echo "mpirun -np 2 calibrate --resume failed"; exit 1; }
for f in posterior.csv generations.csv; do
    if cmp -s "$tmp/cal-plain/$f" "$tmp/cal-resume/$f"; then pass=$((pass + 1)); else
        failed=$((failed + 1)); echo "FAIL: calibrate resumed under 2 ranks: $f differs"; fi
done
grep -q '"mpi_ranks": 2' "$tmp/cal-np2/manifest.json" && pass=$((pass + 1)) ||
    { failed=$((failed + 1)); echo "FAIL: calibrate manifest does not record 2 ranks"; }
grep -q '"mpi_ranks": 2' "$tmp/np2/manifest.json" && pass=$((pass + 1)) ||
    { failed=$((failed + 1)); echo "FAIL: manifest does not record 2 ranks"; }
echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
