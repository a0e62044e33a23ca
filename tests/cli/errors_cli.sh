# Every bad command line ends with a non-zero exit status, exactly one line
# on stderr that names the file:line or the option, and no output directory
# (neither DIR nor DIR.tmp-*); plus the positive contract checks of the
# command line (version, help, params, the files a run writes, re-runs).
#
# usage: bash errors_cli.sh ARV ARV_TEST FIXTURES_DIR SOURCE_DIR
source "$(dirname "$0")/../support/cli_errors.sh"

# ---- usage errors -----------------------------------------------------------

new_case
expect_fail "no arguments" "missing command" "$ARV_TEST"
new_case
expect_fail "no arguments (arv)" "missing command" "$ARV"
new_case
expect_fail "unknown command" "'nosuch'" "$ARV_TEST" nosuch
new_case
expect_fail "unknown command (arv)" "'nosuch'" "$ARV" nosuch
new_case
expect_fail "unknown option" "'--sed'" "$ARV_TEST" run "$ENGINE" --sed 1 --out out
new_case
expect_fail "unknown option (arv)" "'--sed'" "$ARV" run "$ENGINE" --sed 1 --out out
new_case
expect_fail "single-dash option" "'-s'" "$ARV_TEST" run "$ENGINE" -s 1 --out out
new_case
expect_fail "option of another command" "'--markdown'" "$ARV_TEST" run "$ENGINE" --markdown --out out
new_case
expect_fail "option missing its value" "'--seed' needs a value" "$ARV_TEST" run "$ENGINE" --out out --seed
new_case
expect_fail "--out missing its value" "'--out' needs a value" "$ARV_TEST" run "$ENGINE" --out
new_case
expect_fail "flag given a value" "'--quiet' takes no value" "$ARV_TEST" run "$ENGINE" --quiet=yes --out out
new_case
expect_fail "run without a scenario" "missing scenario file" "$ARV_TEST" run --out out
new_case
expect_fail "run with two scenarios" "unexpected argument" "$ARV_TEST" run "$ENGINE" "$ENGINE" --out out
new_case
expect_fail "help for an unknown command" "'nosuch'" "$ARV_TEST" help nosuch
new_case
expect_fail "help for an unknown command (arv)" "'nosuch'" "$ARV" help nosuch

# ---- option values ----------------------------------------------------------

new_case
expect_fail "--seed too large" "--seed" "$ARV_TEST" run "$ENGINE" --seed 4294967296 --out out
new_case
expect_fail "--seed range printed in full" "[0, 4294967295]" "$ARV_TEST" run "$ENGINE" --seed 4294967296 --out out
new_case
expect_fail "--seed not a number" "--seed" "$ARV_TEST" run "$ENGINE" --seed abc --out out
new_case
expect_fail "--seed negative" "--seed" "$ARV_TEST" run "$ENGINE" --seed -1 --out out
new_case
expect_fail "--seed=VALUE" "--seed run.seed expects an integer" "$ARV_TEST" run "$ENGINE" --seed=1.5 --out out
new_case
expect_fail "--reps 0" "--reps" "$ARV_TEST" run "$ENGINE" --reps 0 --out out
new_case
expect_fail "--reps 100000" "--reps" "$ARV_TEST" run "$ENGINE" --reps 100000 --out out
new_case
expect_fail "bench --repeat 0" "--repeat 0: out of range [1, 50]" "$ARV_TEST" bench "$ENGINE" --repeat 0
new_case
expect_fail "bench --repeat not a number" "--repeat x: expects an integer" "$ARV_TEST" bench "$ENGINE" --repeat x
new_case
expect_fail "bench --households 0" "--households 0: out of range" "$ARV_TEST" bench "$ENGINE" --households 0
new_case
expect_fail "results too large to keep" "GiB of results" "$ARV" run "$SRC/scenarios/holf_trial.cfg" --reps 10000 --set run.months=1200 --out out
new_case
expect_fail "--threads 0" "--threads" "$ARV_TEST" run "$ENGINE" --threads 0 --out out
new_case
expect_fail "--threads abc" "--threads" "$ARV_TEST" run "$ENGINE" --threads abc --out out
new_case
expect_fail "--threads huge" "--threads" "$ARV_TEST" run "$ENGINE" --threads 99999999999999999999 --out out
new_case
expect_fail "--set without =" "--set run.months" "$ARV_TEST" run "$ENGINE" --set run.months --out out
new_case
expect_fail "--set with empty path" "--set =3" "$ARV_TEST" run "$ENGINE" --set =3 --out out
new_case
expect_fail "--set unknown path" "did you mean 'run.months'?" "$ARV_TEST" run "$ENGINE" --set run.monts=3 --out out
new_case
expect_fail "--set unknown path (arv)" "did you mean 'run.months'?" "$ARV" run "$tmp/in/plain.cfg" --set run.monts=3 --out out
new_case
expect_fail "--set near an alias" "did you mean 'work.theta_holf'?" "$ARV" run "$tmp/in/plain.cfg" --set work.theta_holff=0.2 --out out
new_case
printf 'followup: { holf: { effect: { work = 0.1; }; }; };\nwork: { theta_holf = 0.3; };\n' >"$tmp/in/path_and_alias.cfg"
expect_fail "a path and its alias in one file" \
    "path_and_alias.cfg:2: work.theta_holf sets the same parameter as line 1 (followup.holf.effect.work)" \
    "$ARV" run "$tmp/in/path_and_alias.cfg" --out out
new_case
expect_fail "--sweep a path and its alias" "--sweep: 'followup.holf.effect.work' is swept twice (as 'work.theta_holf')" \
    "$ARV" trial "$SRC/scenarios/holf_trial.cfg" --trials 5 --sweep work.theta_holf=0,0.2 \
    --sweep followup.holf.effect.work=1,2 --out out
new_case
expect_fail "--sweep a path twice" "--sweep: 'income.sa_takeup' is swept twice" \
    "$ARV" trial "$SRC/scenarios/holf_trial.cfg" --trials 5 --sweep income.sa_takeup=0.5,0.6 \
    --sweep income.sa_takeup=0.7 --out out
new_case
expect_fail "--set unknown path names --set" "--set run.monts" "$ARV_TEST" check "$ENGINE" --set run.monts=3
new_case
expect_fail "a bad --set checking two scenarios is said once" "--set : expected PATH=VALUE" \
    "$ARV_TEST" check "$ENGINE" "$SCEN/valid.cfg" --set=
new_case
expect_fail "shares not summing to 1 name the share set by --set" \
    "--set population.origin.norway: the population.origin.* shares sum to" \
    "$ARV" check "$SRC/scenarios/holf_trial.cfg" --set population.origin.norway=0
new_case
expect_fail "an unknown --set path checking two scenarios is said once" "--set run.monts" \
    "$ARV" check "$tmp/in/plain.cfg" "$SRC/scenarios/holf_trial.cfg" --set run.monts=3
new_case
expect_fail "--set wrong type" "--set run.months expects an integer" "$ARV_TEST" run "$ENGINE" --set run.months=abc --out out
new_case
expect_fail "--set bool wrong type" "--set test.draw expects true or false" "$ARV_TEST" run "$ENGINE" --set test.draw=2 --out out
new_case
expect_fail "--set out of range" "--set run.months = 0 is out of range" "$ARV_TEST" run "$ENGINE" --set run.months=0 --out out
new_case
expect_fail "--set out of range (double)" "--set test.p_up = 1.5 is out of range" "$ARV_TEST" run "$ENGINE" --set test.p_up=1.5 --out out
new_case
expect_fail "bad panel months" "--set run.panel_months" "$ARV_TEST" run "$ENGINE" --microdata --set run.panel_months=abc --out out
new_case
expect_fail "model rejects a combination" "test.p_up" "$ARV_TEST" run "$ENGINE" --set test.p_up=0.9 --set test.p_down=0.9 --out out

# ---- bad scenario files -----------------------------------------------------


new_case
expect_fail "missing file" "nosuch.cfg: cannot open" "$ARV_TEST" run nosuch.cfg --out out
new_case
expect_fail "missing file (arv)" "nosuch.cfg: cannot open" "$ARV" run nosuch.cfg --out out
new_case
expect_fail "directory" "$SCEN/sub: is a directory" "$ARV_TEST" run "$SCEN/sub" --out out
new_case
expect_fail "an executable" "$ARV_TEST:" "$ARV_TEST" run "$ARV_TEST" --out out
new_case
expect_fail "NUL byte on line 3" "$tmp/in/nul.cfg:3: NUL byte" "$ARV_TEST" run "$tmp/in/nul.cfg" --out out
new_case
expect_fail "binary garbage" "$tmp/in/garbage.cfg:1:" "$ARV_TEST" run "$tmp/in/garbage.cfg" --out out
new_case
# (libconfig 1.5 leaks the discarded string here: tests/lsan.supp)
printf 'run: { months = 3; };\nx = [ 1.0, 2.0"x"3 ];\n' >"$dir/string_then_error.cfg"
expect_fail "a syntax error after a string literal" "string_then_error.cfg:2: syntax error" \
    "$ARV" run string_then_error.cfg --out out
new_case
expect_fail "/dev/null" "/dev/null: not a regular file" "$ARV_TEST" run /dev/null --out out
new_case
expect_fail "include loop" "$SCEN/errors/loop_a.cfg:2: in @include" "$ARV_TEST" run "$SCEN/errors/loop_a.cfg" --out out
new_case
expect_fail "include loop names the loop" "include loop" "$ARV_TEST" run "$SCEN/errors/loop_a.cfg" --out out
new_case
expect_fail "syntax error" "$SCEN/errors/syntax.cfg:3: syntax error" "$ARV_TEST" run "$SCEN/errors/syntax.cfg" --out out
new_case
expect_fail "syntax error (arv)" "$SCEN/errors/syntax.cfg:3: syntax error" "$ARV" run "$SCEN/errors/syntax.cfg" --out out
new_case
expect_fail "unknown key" "$SCEN/errors/unknown_key.cfg:4: unknown parameter 'run.monts' (did you mean 'run.months'?)" \
    "$ARV_TEST" run "$SCEN/errors/unknown_key.cfg" --out out
new_case
expect_fail "unknown key (arv)" "$SCEN/errors/unknown_key.cfg:4:" "$ARV" check "$SCEN/errors/unknown_key.cfg"
new_case
expect_fail "out of range in a file" "$SCEN/errors/out_of_range.cfg:3:" "$ARV_TEST" run "$SCEN/errors/out_of_range.cfg" --out out
new_case
expect_fail "unterminated comment" "$SCEN/errors/unterminated_comment.cfg:2: unterminated" \
    "$ARV_TEST" check "$SCEN/errors/unterminated_comment.cfg"
new_case
expect_fail "default output dir not created" "$SCEN/errors/syntax.cfg:3:" "$ARV_TEST" run "$SCEN/errors/syntax.cfg"

# check with several files, one bad: non-zero, one line naming the bad one,
# the good ones reported ok
new_case
(cd "$dir" && "$ARV_TEST" check "$SCEN/valid.cfg" "$SCEN/errors/unknown_key.cfg" "$SCEN/base.cfg" \
    >"$tmp/stdout" 2>"$tmp/stderr")
status=$?
if [ "$status" -ne 0 ] && [ "$(count_lines "$tmp/stderr")" -eq 1 ] &&
    grep -qF "$SCEN/errors/unknown_key.cfg:4:" "$tmp/stderr" &&
    grep -qF "$SCEN/valid.cfg: ok" "$tmp/stdout" && grep -qF "$SCEN/base.cfg: ok" "$tmp/stdout" &&
    ! grep -qF "unknown_key.cfg: ok" "$tmp/stdout"; then
    pass
else
    fail "check with one bad file of three (status $status)"
    sed 's/^/    /' "$tmp/stdout" "$tmp/stderr"
fi

# ---- --out that must not be touched -----------------------------------------

new_case
echo "precious" >"$dir/results"
expect_fail "--out is a regular file" "--out results" "$ARV_TEST" run "$ENGINE" --out results

new_case
mkdir "$dir/mine"
echo "my notes" >"$dir/mine/notes.txt"
mkdir "$dir/mine/sub"
echo "more" >"$dir/mine/sub/data.csv"
expect_fail "--out is someone else's directory" "refusing" "$ARV_TEST" run "$ENGINE" --out mine
new_case
mkdir "$dir/mine"
echo "my notes" >"$dir/mine/notes.txt"
expect_fail "--out is someone else's directory (slash)" "refusing" "$ARV_TEST" run "$ENGINE" --out mine/

# ---- failed writes ------------------------------------------------------------

# A file size limit of 1 MiB makes the writes of larger files fail as a
# full disk does (SIGXFSZ ignored: write() returns EFBIG): one line naming
# the file in the output directory asked for, and nothing left behind. (A
# much lower limit breaks LLVM's OpenMP runtime in the tsan build, which
# maps a file of its own at start-up.)
limited() { (trap '' XFSZ; ulimit -f 1024; exec "$@"); }
new_case
expect_fail "a failed write (run --microdata, a 5 MB panel)" "res/panel.csv: write failed" \
    limited "$ARV" run "$SRC/scenarios/workshop/no_coordinators.cfg" --out res --quiet --microdata \
    --set population.households=10000 --set run.months=13 --set run.burn_in=6
new_case
expect_fail "a failed write (synth, 1.6 MB)" "pop.csv: write failed" limited "$ARV" synth \
    "$SRC/scenarios/national.cfg" --out pop.csv --set population.households=20000 --set run.burn_in=6

# Standard output that cannot be written (a full disk): exit 1 and one line.
for cmd in "--version" "help" "check $SRC/scenarios/workshop/no_coordinators.cfg"; do
    # shellcheck disable=SC2086
    if "$ARV" $cmd >/dev/full 2>"$tmp/stderr"; then
        fail "arv $cmd > /dev/full exited 0"
    elif [ "$(count_lines "$tmp/stderr")" -ne 1 ] ||
        ! grep -qF "arv: standard output: write failed" "$tmp/stderr"; then
        fail "arv $cmd > /dev/full: $(head -c 200 "$tmp/stderr")"
    else
        pass
    fi
done

# ---- positive checks ---------------------------------------------------------

# expect_ok WHAT COMMAND...: exit 0, nothing on stderr; stdout in $tmp/stdout.
expect_ok() {
    local what=$1
    shift
    "$@" >"$tmp/stdout" 2>"$tmp/stderr"
    local status=$?
    if [ "$status" -eq 0 ] && [ ! -s "$tmp/stderr" ]; then
        return 0
    fi
    fail "$what: exit status $status"
    sed 's/^/    stderr: /' "$tmp/stderr" | head -5
    return 1
}

for exe in "$ARV" "$ARV_TEST"; do
    if expect_ok "--version" "$exe" --version; then
        if grep -qE '^arv [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/stdout" && [ "$(count_lines "$tmp/stdout")" -eq 1 ]; then
            pass
        else
            fail "--version prints '$(head -c 100 "$tmp/stdout")', expected 'arv X.Y.Z'"
        fi
    fi
    if expect_ok "help run" "$exe" help run; then
        if grep -qE -- '--seed' "$tmp/stdout"; then pass; else fail "help run does not list --seed"; fi
    fi
    # COMMAND --help (or -h) anywhere after the command is `help COMMAND`, even
    # beside options that would be errors
    cp "$tmp/stdout" "$tmp/help_run"
    for args in "run --help" "run -h" "run nosuch.cfg --sed 1 --help"; do
        # shellcheck disable=SC2086
        if expect_ok "$args" "$exe" $args; then
            if cmp -s "$tmp/stdout" "$tmp/help_run"; then pass; else fail "'$args' is not 'help run'"; fi
        fi
    done
    if expect_ok "params" "$exe" params; then
        if grep -qE '^run\.months .*; source: H20$' "$tmp/stdout"; then
            pass
        else
            fail "params does not list run.months with its source"
        fi
    fi
done
# DESIGN.md's example override, work.theta_holf, is an alias of
# followup.holf.effect.work: the same run and resolved.cfg as the path
new_case
for how in work.theta_holf followup.holf.effect.work; do
    if expect_ok "--set $how" "$ARV" run "$SRC/scenarios/workshop/holf_everywhere.cfg" \
        --set "$how=0.2" --out "$dir/$how" --quiet; then pass; fi
done
if cmp -s "$dir/work.theta_holf/resolved.cfg" "$dir/followup.holf.effect.work/resolved.cfg" &&
    cmp -s "$dir/work.theta_holf/summary.csv" "$dir/followup.holf.effect.work/summary.csv" &&
    grep -A6 '^  holf: {' "$dir/work.theta_holf/resolved.cfg" | grep -q 'work = 0.2;'; then
    pass
else
    fail "--set work.theta_holf=0.2 is not --set followup.holf.effect.work=0.2"
fi
# ... and in a scenario file, in parameter_draws, in --sweep and among the
# priors, each output naming the path
printf '@include "%s/scenarios/workshop/holf_everywhere.cfg"\nwork: { theta_holf = 0.2; };\n' "$SRC" \
    >"$tmp/in/alias_file.cfg"
if expect_ok "alias in a scenario file" "$ARV" run "$tmp/in/alias_file.cfg" --out "$dir/file" --quiet \
    --set run.name=holf_everywhere; then
    if cmp -s "$dir/file/resolved.cfg" "$dir/followup.holf.effect.work/resolved.cfg"; then
        pass
    else
        fail "work: { theta_holf = 0.2; } is not --set followup.holf.effect.work=0.2"
    fi
fi
for how in work.theta_holf followup.holf.effect.work; do
    printf '@include "%s/scenarios/workshop/holf_everywhere.cfg"\nparameter_draws: { paths = [ "%s" ]; values = ( [ 0.1 ], [ 0.2 ] ); };\n' \
        "$SRC" "$how" >"$tmp/in/draws_$how.cfg"
    if expect_ok "draws of $how" "$ARV" run "$tmp/in/draws_$how.cfg" --reps 2 --out "$dir/draws_$how" \
        --quiet --set run.name=draws; then pass; fi
done
if cmp -s "$dir/draws_work.theta_holf/resolved.cfg" "$dir/draws_followup.holf.effect.work/resolved.cfg" &&
    [ "$(grep params_sha256 "$dir/draws_work.theta_holf/manifest.json")" = \
        "$(grep params_sha256 "$dir/draws_followup.holf.effect.work/manifest.json")" ]; then
    pass
else
    fail "parameter_draws under the alias are not written and fingerprinted as under the path"
fi
if expect_ok "--sweep an alias" "$ARV" trial "$SRC/scenarios/holf_trial.cfg" --trials 5 --quiet \
    --sweep work.theta_holf=0,0.2 --out "$dir/sweep"; then
    if head -n 1 "$dir/sweep/design.csv" | grep -q '^design,followup\.holf\.effect\.work,'; then
        pass
    else
        fail "design.csv of a swept alias does not name the path"
    fi
fi
sed 's/path = "work.beta.somalia"; prior = "normal"; mean = -1.7; sd = 0.5; min = -5.0; max = 2.0;/path = "work.theta_holf"; prior = "normal"; mean = 0.0; sd = 0.5; min = -3.0; max = 3.0;/' \
    "$FIXTURES/calibration/cli_three.cfg" | sed "s|\.\./\.\./\.\./scenarios|$SRC/scenarios|" \
    >"$tmp/in/alias_cal.cfg"
if expect_ok "calibrate an alias" "$ARV" calibrate "$tmp/in/alias_cal.cfg" --quiet \
    --targets "$FIXTURES/calibration/cli_targets.csv" --out "$dir/cal"; then
    if head -n 1 "$dir/cal/posterior.csv" | grep -q '^particle,weight,followup\.holf\.effect\.work,' &&
        ! grep -q theta "$dir/cal/calibrated.cfg"; then
        pass
    else
        fail "a calibrated alias is not written as its path"
    fi
fi
if expect_ok "params (test model)" "$ARV_TEST" params; then
    if grep -qE '^test\.p_up ' "$tmp/stdout"; then pass; else fail "params does not list test.p_up"; fi
fi
if expect_ok "check" "$ARV_TEST" check "$SCEN/valid.cfg" "$SCEN/sub/child.cfg"; then
    if [ "$(grep -c ': ok' "$tmp/stdout")" -eq 2 ]; then pass; else fail "check does not report 2 files ok"; fi
fi

# A run writes the contract's files, with their exact headers, and no
# temporary directory is left anywhere.
new_case
small="--set population.households=300 --set run.months=6 --set run.reps=2"
# shellcheck disable=SC2086
if expect_ok "run" "$ARV_TEST" run "$ENGINE" --out "$dir/res" $small; then
    for f in manifest.json resolved.cfg summary.csv young_adults.csv totals.csv; do
        if [ -s "$dir/res/$f" ]; then pass; else fail "run did not write $f"; fi
    done
    check_header() {
        local got
        got=$(head -n 1 "$dir/res/$1" 2>/dev/null)
        if [ "$got" = "$2" ]; then pass; else fail "$1 header is '$got', expected '$2'"; fi
    }
    check_header summary.csv "scenario,group,month,metric,mean,sd,lo,hi,reps"
    check_header young_adults.csv "scenario,group,age,metric,mean,sd,lo,hi,reps"
    check_header totals.csv "scenario,group,metric,mean,sd,lo,hi,reps"
    if [ -z "$(find "$dir" -name '*.tmp-*' -o -name '*.old-*')" ]; then
        pass
    else
        fail "a run left temporary directories: $(find "$dir" -name '*.tmp-*' -o -name '*.old-*')"
    fi
    if grep -q '"seed": 12345' "$dir/res/manifest.json"; then pass; else fail "manifest.json lacks the seed"; fi
    if grep -qE '"params_sha256": "[0-9a-f]{64}"' "$dir/res/manifest.json"; then
        pass
    else
        fail "manifest.json lacks params_sha256"
    fi
    if expect_ok "check resolved.cfg" "$ARV_TEST" check "$dir/res/resolved.cfg"; then pass; fi

    # re-running into the same --out replaces the previous output whole
    echo stale >"$dir/res/stale.txt"
    old_summary=$(md5sum <"$dir/res/summary.csv")
    # shellcheck disable=SC2086
    if expect_ok "re-run" "$ARV_TEST" run "$ENGINE" --out "$dir/res" --seed 7 $small; then
        if [ ! -e "$dir/res/stale.txt" ] && grep -q '"seed": 7' "$dir/res/manifest.json" &&
            [ "$(md5sum <"$dir/res/summary.csv")" != "$old_summary" ]; then
            pass
        else
            fail "re-running into the same --out did not replace the previous output"
        fi
        if [ "$(find "$dir" -mindepth 1 -maxdepth 1 | wc -l)" -eq 1 ]; then
            pass
        else
            fail "re-run left other entries: $(find "$dir" -mindepth 1 -maxdepth 1 | tr '\n' ' ')"
        fi
    fi
    # a failed run into an existing output leaves it as it was
    before=$(snapshot)
    if ! (cd "$dir" && "$ARV_TEST" run "$ENGINE" --out res --set run.months=0 >/dev/null 2>&1) &&
        [ "$(snapshot)" = "$before" ]; then
        pass
    else
        fail "a failed run changed the previous output"
    fi
fi

# compare: one scenario, a name twice, scenarios that cannot share random numbers
new_case
expect_fail "compare with one scenario" "missing argument" "$ARV" compare "$SRC/scenarios/holf_trial.cfg"
new_case
expect_fail "compare with one name twice" "give one a run.name" "$ARV" compare \
    "$SRC/scenarios/holf_trial.cfg" "$SRC/scenarios/holf_trial.cfg"
new_case
printf '@include "%s"\nrun: { seed = 5; };\n' "$SRC/scenarios/holf_trial.cfg" >"$tmp/in/seed5.cfg"
expect_fail "compare across seeds" "seed5.cfg: its run.seed differs" "$ARV" compare \
    "$SRC/scenarios/holf_trial.cfg" "$tmp/in/seed5.cfg"
new_case
printf '@include "%s"\nrun: { months = 12; name = "short"; };\n' "$SRC/scenarios/holf_trial.cfg" \
    >"$tmp/in/short.cfg"
expect_fail "compare across horizons" "short.cfg: its horizon" "$ARV" compare \
    "$SRC/scenarios/holf_trial.cfg" "$tmp/in/short.cfg"
new_case
expect_fail "compare with a bad file" "nonexistent.cfg" "$ARV" compare \
    "$SRC/scenarios/holf_trial.cfg" "$tmp/in/nonexistent.cfg"

# calibrate: no targets, bad targets, no calibration group, a prior beyond
# its parameter's range, an unknown path, --resume without a checkpoint
CAL=$FIXTURES/calibration
new_case
expect_fail "calibrate without --targets" "--targets FILE is required" "$ARV" calibrate "$CAL/cli_three.cfg"
new_case
expect_fail "calibrate with an unknown metric" "bad_metric.csv: line" "$ARV" calibrate \
    "$CAL/cli_three.cfg" --targets "$CAL/bad_metric.csv"
new_case
expect_fail "calibrate without a calibration group" "no calibration group" "$ARV" calibrate \
    "$SRC/scenarios/holf_trial.cfg" --targets "$CAL/cli_targets.csv"
new_case
sed 's/min = -5.0; max = 2.0; //' "$CAL/cli_three.cfg" | sed "s|\.\./\.\./\.\./scenarios|$SRC/scenarios|" \
    >"$tmp/in/unbounded.cfg"
expect_fail "calibrate with an unbounded prior" "unbounded.cfg:10: calibration: the prior of 'work.beta.somalia' reaches outside" \
    "$ARV" calibrate "$tmp/in/unbounded.cfg" --targets "$CAL/cli_targets.csv"
new_case
sed 's/work.beta.somalia/work.beta.somalai/' "$CAL/cli_three.cfg" | sed "s|\.\./\.\./\.\./scenarios|$SRC/scenarios|" \
    >"$tmp/in/typo.cfg"
expect_fail "calibrate with an unknown path" "did you mean 'work.beta.somalia'" \
    "$ARV" calibrate "$tmp/in/typo.cfg" --targets "$CAL/cli_targets.csv"
new_case
sed 's/path = "work.beta.somalia"; prior = "normal"; mean = -1.7; sd = 0.5; min = -5.0; max = 2.0;/path = "followup.holf.effect.work"; prior = "normal"; mean = 0.0; sd = 0.5; min = -3.0; max = 3.0;/' \
    "$CAL/cli_three.cfg" | sed "s|\.\./\.\./\.\./scenarios|$SRC/scenarios|" |
    sed 's/^  );/    ,{ path = "work.theta_holf"; prior = "normal"; mean = 0.0; sd = 0.5; min = -3.0; max = 3.0; }\n  );/' \
        >"$tmp/in/alias_prior.cfg"
expect_fail "calibrate with a path and its alias" \
    "alias_prior.cfg:12: work.theta_holf already has a prior (line 10, as followup.holf.effect.work)" \
    "$ARV" calibrate "$tmp/in/alias_prior.cfg" --targets "$CAL/cli_targets.csv"
new_case
expect_fail "calibrate --resume without a checkpoint" "no checkpoint" "$ARV" calibrate \
    "$CAL/cli_three.cfg" --targets "$CAL/cli_targets.csv" --out res --resume
new_case
# (sa_childhood is a young adults' group: no household reports in it)
printf 'id,kind,metric,group,time,value,se,source\nx,level,employment_rate,sa_childhood,12,0.5,0.1,t\n' \
    >"$tmp/in/age_for_month.csv"
expect_fail "calibrate with a target the run never defines" \
    "line 2: employment_rate of group sa_childhood is undefined" \
    "$ARV" calibrate "$CAL/cli_three.cfg" --targets "$tmp/in/age_for_month.csv"
new_case
printf 'id,kind,metric,group,time,value,se,source\nx,trial_null,employment_rate,holf,24,0,,t\n' \
    >"$tmp/in/trial_metric.csv"
expect_fail "calibrate with a trial target that is not a trial outcome" \
    "line 2: a trial_null target names a trial outcome (employment, sa_receipt" \
    "$ARV" calibrate "$CAL/cli_trial.cfg" --targets "$tmp/in/trial_metric.csv"
new_case
printf 'id,kind,metric,group,time,value,se,source\nx,trial_effect,employment,usual,24,0,0.1,t\n' \
    >"$tmp/in/trial_group.csv"
expect_fail "calibrate with a trial target of another group" "line 2: a trial_effect target is the trial's contrast" \
    "$ARV" calibrate "$CAL/cli_trial.cfg" --targets "$tmp/in/trial_group.csv"
new_case
printf 'id,kind,metric,group,time,value,se,source\nx,trial_effect,employment,holf,30,0,0.1,t\n' \
    >"$tmp/in/trial_month.csv"
expect_fail "calibrate with a trial target at a month the trial does not measure" \
    "line 2: the trial measures employment at month 24 (trial.month)" \
    "$ARV" calibrate "$CAL/cli_trial.cfg" --targets "$tmp/in/trial_month.csv"
new_case
sed 's/"cluster_t"/"cluster-t"/' "$CAL/cli_trial.cfg" | sed "s|\.\./\.\./\.\./scenarios|$SRC/scenarios|" \
    >"$tmp/in/trial_estimator.cfg"
expect_fail "calibrate with an unknown trial estimator" "trial_estimator.cfg:11: trial_estimator must name" \
    "$ARV" calibrate "$tmp/in/trial_estimator.cfg" --targets "$CAL/cli_trial_targets.csv"
new_case
sed 's/trial_estimator = "cluster_t";/trial_estimator = "cluster_t"; trial_scenario = "missing.cfg";/' \
    "$CAL/cli_trial.cfg" | sed "s|\.\./\.\./\.\./scenarios|$SRC/scenarios|" >"$tmp/in/trial_scen.cfg"
expect_fail "calibrate with a missing trial scenario" "trial_scen.cfg:11: trial_scenario: " \
    "$ARV" calibrate "$tmp/in/trial_scen.cfg" --targets "$CAL/cli_trial_targets.csv"

# parameter draws: a row that breaks the scenario, the trial and
# calibrate refusing draws
new_case
printf '@include "%s/scenarios/holf_trial.cfg"\nparameter_draws: {\n paths = [ "population.origin.norway" ];\n values = ( [ 0.48 ], [ 0.7 ] );\n};\n' \
    "$SRC" >"$tmp/in/draws_shares.cfg"
expect_fail "run with a draw whose shares do not add up" \
    "draws_shares.cfg:2: parameter_draws row 2: " "$ARV" run "$tmp/in/draws_shares.cfg" --reps 2
new_case
printf '@include "%s/scenarios/holf_trial.cfg"\nparameter_draws: {\n paths = [ "followup.holf.effect.work", "work.theta_holf" ];\n values = ( [ 0.1, 0.2 ] );\n};\n' \
    "$SRC" >"$tmp/in/draws_alias.cfg"
expect_fail "draws of a path and its alias" \
    "draws_alias.cfg:3: parameter_draws: 'work.theta_holf' is listed twice (as 'followup.holf.effect.work')" \
    "$ARV" run "$tmp/in/draws_alias.cfg"
new_case
printf '@include "%s/scenarios/holf_trial.cfg"\nparameter_draws: {\n paths = [ "income.sa_takeup" ];\n values = ( [ 0.6 ], [ 0.7 ] );\n};\n' \
    "$SRC" >"$tmp/in/draws_ok.cfg"
expect_fail "trial with parameter draws" "draws_ok.cfg:2: parameter_draws: arv trial runs every trial at one parameter set" \
    "$ARV" trial "$tmp/in/draws_ok.cfg" --trials 2
new_case
sed "s|\.\./\.\./\.\./scenarios|$SRC/scenarios|" "$CAL/cli_three.cfg" >"$tmp/in/cal_draws.cfg"
printf 'parameter_draws: {\n paths = [ "income.sa_takeup" ];\n values = ( [ 0.6 ] );\n};\n' >>"$tmp/in/cal_draws.cfg"
expect_fail "calibrate with parameter draws" "parameter_draws: a calibration sets its own parameter values" \
    "$ARV" calibrate "$tmp/in/cal_draws.cfg" --targets "$CAL/cli_targets.csv"

total=$((passed + failed))
if [ "$known" -gt 0 ]; then
    echo "$known known bug(s) not counted"
fi
echo "$passed passed, $failed failed (of $total)"
[ "$failed" -eq 0 ]
