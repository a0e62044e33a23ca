# arv trial: every bad command line or scenario ends with a non-zero exit
# status, one line on stderr and nothing written (helpers as errors_cli.sh).
#
# usage: bash errors_trial.sh ARV ARV_TEST FIXTURES_DIR SOURCE_DIR
source "$(dirname "$0")/../support/cli_errors.sh"

TRIAL=$SRC/scenarios/holf_trial.cfg
small=(--set population.households=900 --set run.burn_in=12 --set trial.month=3
       --set trial.survey_month=0 --trials 2 --quiet)

new_case
expect_fail "--trials 0" "--trials" "$ARV" trial "$TRIAL" --trials 0 --out out
new_case
expect_fail "--trials not a number" "--trials abc: expects an integer" "$ARV" trial "$TRIAL" --trials abc --out out
new_case
expect_fail "--trials negative" "--trials" "$ARV" trial "$TRIAL" --trials -5 --out out
new_case
expect_fail "--trials of another command" "'--trials'" "$ARV" run "$TRIAL" --trials 5 --out out
new_case
expect_fail "one HOLF office" "at least 2 offices per arm" "$ARV" trial "$TRIAL" --set offices.holf=1 "${small[@]}" --out out
new_case
expect_fail "no coordinator offices" "offices.coordinator = 0" "$ARV" trial "$TRIAL" --set offices.coordinator=0 "${small[@]}" --out out
new_case
expect_fail "usual-care scenario" "at least 2 offices per arm" "$ARV" trial "$SRC/scenarios/compare/trial_usual_care.cfg" "${small[@]}" --out out
new_case
expect_fail "survey outcome month without a survey" "trial.survey_month 6 is not one of measurement.survey_months" \
    "$ARV" trial "$TRIAL" "${small[@]}" --set trial.survey_month=6 --out out
new_case
# trial.survey_month left at its default (12): the survey months the user set are blamed
expect_fail "survey months without the outcome month" \
    "--set measurement.survey_months: trial.survey_month 12 is not one of measurement.survey_months (0)" \
    "$ARV" trial "$TRIAL" --set population.households=900 --set run.burn_in=12 --set trial.month=3 \
    --trials 2 --quiet --set measurement.survey_months=0 --out out
new_case
expect_fail "unknown --set path" "did you mean" "$ARV" trial "$TRIAL" "${small[@]}" --set trial.month2=3 --out out
new_case
expect_fail "--sweep without values" "--sweep trial.offices: expects PATH=V1,V2" "$ARV" trial "$TRIAL" "${small[@]}" --sweep trial.offices --out out
new_case
expect_fail "--sweep of an unknown parameter" "--sweep: unknown parameter 'trial.ofices'" "$ARV" trial "$TRIAL" "${small[@]}" --sweep trial.ofices=10,20 --out out
new_case
expect_fail "--sweep value out of range" "trial.offices" "$ARV" trial "$TRIAL" "${small[@]}" --sweep trial.offices=10,-20 --out out
new_case
expect_fail "--sweep to one office per arm" "at least 2 offices per arm" "$ARV" trial "$TRIAL" "${small[@]}" --sweep trial.offices=6,3 --out out
new_case
expect_fail "a model without a trial" "this model has no virtual trial" "$ARV_TEST" trial "$ENGINE" --trials 2 --quiet --out out
new_case
mkdir "$dir/notarv" && echo keep >"$dir/notarv/file"
expect_fail "--out is a directory that is not an arv output" "notarv" "$ARV" trial "$TRIAL" "${small[@]}" --out notarv

total=$((passed + failed))
if [ "$known" -gt 0 ]; then
    echo "$known known bug(s) not counted"
fi
echo "$passed passed, $failed failed (of $total)"
[ "$failed" -eq 0 ]
