# arv trial: every bad command line or scenario ends with a non-zero exit
# status, one line on stderr and nothing written (helpers as errors_cli.sh).
#
# usage: bash errors_trial.sh ARV ARV_TEST FIXTURES_DIR SOURCE_DIR
set -u

ARV=$1
ARV_TEST=$2
FIXTURES=$3
SCEN=$FIXTURES/scenarios
ENGINE=$FIXTURES/engine.cfg
SRC=$4

tmp=$(mktemp -d "${TMPDIR:-/tmp}/arv-errors-trial.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/in"
printf 'run: { months = 3; };\n' >"$tmp/in/plain.cfg" # for arv's own models
printf 'garbage \001\002\377\376 {{{ ]] \n more\n' >"$tmp/in/garbage.cfg"
printf 'run: { months = 3; };\n\nx\000y\n' >"$tmp/in/nul.cfg"

passed=0
failed=0
known=0
ncase=0

pass() { passed=$((passed + 1)); }
fail() {
    echo "FAIL: $*"
    failed=$((failed + 1))
}

# A fresh, empty working directory for the next case: $dir.
new_case() {
    ncase=$((ncase + 1))
    dir=$tmp/case$ncase
    mkdir "$dir"
}

# Every name under $dir, with the size and modification time of files.
snapshot() {
    (cd "$dir" && find . \( -type f -printf '%p %s %T@\n' \) -o -printf '%p\n' | LC_ALL=C sort)
}

# Number of lines in a file, counting an unterminated last line.
count_lines() { awk 'END { print NR }' "$1"; }

# expect_fail WHAT PATTERN COMMAND...
# Runs COMMAND in $dir (see new_case) and checks: exit status 1 or 2 (not
# 0, not a signal), exactly one line on stderr, PATTERN (fixed text) in it,
# and nothing created or changed in $dir. With KNOWN_BUG set to a
# description, a failure is reported as a known bug and not counted.
expect_fail() {
    local what=$1 pattern=$2
    shift 2
    local before status lines problems=""
    before=$(snapshot)
    (cd "$dir" && "$@" >"$tmp/stdout" 2>"$tmp/stderr")
    status=$?
    lines=$(count_lines "$tmp/stderr")
    [ "$status" -eq 1 ] || [ "$status" -eq 2 ] || problems="$problems; exit status $status"
    [ "$lines" -eq 1 ] || problems="$problems; $lines lines on stderr"
    grep -qF -- "$pattern" "$tmp/stderr" || problems="$problems; stderr lacks '$pattern'"
    [ "$(snapshot)" = "$before" ] ||
        problems="$problems; created or changed files: $(cd "$dir" && find . -mindepth 1 | head -5 | tr '\n' ' ')"
    if [ -z "$problems" ]; then
        pass
        [ -z "${KNOWN_BUG:-}" ] || echo "note: known bug '$KNOWN_BUG' seems fixed ($what)"
    elif [ -n "${KNOWN_BUG:-}" ]; then
        echo "KNOWN BUG (not counted): $what: $KNOWN_BUG${problems}"
        known=$((known + 1))
    else
        fail "$what${problems}"
        sed 's/^/    stderr: /' "$tmp/stderr" | head -5
    fi
}

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
