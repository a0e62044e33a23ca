# The household file (population.file) and `arv synth`, which writes it.
#
# Positive contract: synth writes the documented columns; a scenario that
# reads the file with no burn-in starts from exactly those households
# (synth of it writes the same file, byte for byte), and runs.
# Bad input: every bad cell is reported as "FILE: row R, column C: reason"
# (R counts the header as row 1), one line per bad cell and one bad cell
# per message (a check across cells does not repeat a cell's own error),
# then one closing line; exit status 1 and no output directory.
#
# usage: bash errors_household_file.sh ARV ARV_TEST FIXTURES_DIR SOURCE_DIR
source "$(dirname "$0")/../support/cli_errors.sh"

TRIAL=$SRC/scenarios/holf_trial.cfg
N=290
header="household,office,origin,adults,education_1,education_2,years_norway_1,years_norway_2,work_state_1,work_state_2,housing,on_sa,sa_months_last_year,arrears,child_ages,sex_1,sex_2,age_1,age_2"

# ---- synth and the round trip ---------------------------------------------

new_case
if (cd "$dir" && "$ARV" synth "$TRIAL" --out pop.csv --set population.households=$N \
    --set run.burn_in=12 >/dev/null 2>"$tmp/stderr"); then pass; else
    fail "synth of the trial scenario"; cat "$tmp/stderr"
fi
POP=$tmp/in/pop.csv
cp "$dir/pop.csv" "$POP"
[ "$(head -n 1 "$POP")" = "$header" ] && pass || fail "synth header: $(head -n 1 "$POP")"
[ "$(count_lines "$POP")" -eq $((N + 1)) ] && pass || fail "synth rows: $(count_lines "$POP")"
[ -z "$(find "$dir" -name '*.tmp-*')" ] && pass || fail "synth left a temporary file"

# A scenario in $dir reading $dir/pop.csv (a path relative to the scenario).
scenario() {
    printf '@include "%s"\npopulation: { file = "pop.csv"; households = %d; };\nrun: { burn_in = 0; };\n' \
        "$TRIAL" "${1:-$N}" >"$dir/from_file.cfg"
}

new_case
cp "$POP" "$dir/pop.csv"
scenario
if (cd "$dir" && "$ARV" synth from_file.cfg --out again.csv >/dev/null 2>"$tmp/stderr") &&
    cmp -s "$dir/pop.csv" "$dir/again.csv"; then pass; else
    fail "round trip: synth of the file's scenario differs from the file"
    diff "$dir/pop.csv" "$dir/again.csv" | head -5
fi
if (cd "$dir" && "$ARV" run from_file.cfg --out res --quiet --set run.months=3 2>"$tmp/stderr") &&
    [ -s "$dir/res/summary.csv" ] && [ ! -s "$tmp/stderr" ]; then pass; else
    fail "run from the file"; head -3 "$tmp/stderr"
fi
# resolved.cfg names the file absolute: it reproduces the run from anywhere
if (cd "$tmp" && "$ARV" run "$dir/res/resolved.cfg" --out again --quiet 2>"$tmp/stderr") &&
    cmp -s "$dir/res/summary.csv" "$tmp/again/summary.csv"; then pass; else
    fail "resolved.cfg of a run from a household file, run elsewhere"; head -3 "$tmp/stderr"
fi

new_case
expect_fail "synth without --out" "synth: --out FILE is required" "$ARV" synth "$TRIAL"
new_case
expect_fail "synth into a missing directory" "no/such/dir/pop.csv" "$ARV" synth "$TRIAL" \
    --set population.households=$N --out no/such/dir/pop.csv

# ---- bad cells ------------------------------------------------------------

# The file row (header = 1) of the first data row with `adults` = $1.
row_with_adults() { awk -F, -v a="$1" 'NR > 1 && $4 == a { print NR; exit }' "$POP"; }
ONE=$(row_with_adults 1)
TWO=$(row_with_adults 2)
[ -n "$ONE" ] && [ -n "$TWO" ] && pass || fail "the file has one- and two-adult rows"

# set CELL... : copies $POP to $dir/pop.csv with each ROW:COLUMN=VALUE set.
set_cells() {
    local script=""
    for cell in "$@"; do
        local row=${cell%%:*} rest=${cell#*:}
        local col=${rest%%=*} value=${rest#*=}
        local k
        k=$(echo "$header" | tr ',' '\n' | grep -nx -- "$col" | cut -d: -f1)
        script="$script NR == $row { \$$k = \"$value\" }"
    done
    awk -F, -v OFS=, "$script { print }" "$POP" >"$dir/pop.csv"
}

# expect_bad_cells WHAT N_BAD LINE... : the scenario reading $dir/pop.csv
# fails with exit status 1, N_BAD cell lines and the closing line, each
# LINE (fixed text) among them, and nothing written.
expect_bad_cells() {
    local what=$1 n_bad=$2
    shift 2
    scenario
    local before status problems=""
    before=$(snapshot)
    (cd "$dir" && "$ARV" run from_file.cfg --out out --quiet >"$tmp/stdout" 2>"$tmp/stderr")
    status=$?
    [ "$status" -eq 1 ] || problems="$problems; exit status $status"
    local want=$((n_bad < 50 ? n_bad + 1 : 51))
    [ "$(count_lines "$tmp/stderr")" -eq "$want" ] ||
        problems="$problems; $(count_lines "$tmp/stderr") lines on stderr, not $want"
    local s=""
    [ "$n_bad" -eq 1 ] || s=s
    local closing
    closing=$(tail -n 1 "$tmp/stderr")
    case $closing in
    "arv: pop.csv: $n_bad bad cell$s"*"; nothing simulated") ;;
    *) problems="$problems; closing line: $closing" ;;
    esac
    for line in "$@"; do
        grep -qF -- "$line" "$tmp/stderr" || problems="$problems; stderr lacks '$line'"
    done
    [ "$(snapshot)" = "$before" ] || problems="$problems; created or changed files"
    if [ -z "$problems" ]; then pass; else
        fail "$what$problems"
        sed 's/^/    stderr: /' "$tmp/stderr" | head -6
    fi
}

new_case
set_cells "3:origin=sweden"
expect_bad_cells "unknown origin" 1 \
    "pop.csv: row 3, column origin: 'sweden' is not one of norway|somalia|eritrea|iraq|afghanistan|other"
new_case
set_cells "$TWO:adults=3"
expect_bad_cells "three adults (and no second message about the second adult)" 1 \
    "row $TWO, column adults: 3 is outside [1, 2]"
new_case
set_cells "$ONE:education_2=primary"
expect_bad_cells "a second adult's education in a one-adult row" 1 \
    "row $ONE, column education_2: 'primary': no second adult, leave the _2 columns empty"
new_case
set_cells "$ONE:work_state_2=seeking"
expect_bad_cells "a second adult's work state in a one-adult row names that column" 1 \
    "row $ONE, column work_state_2: 'seeking': no second adult"
new_case
set_cells "$TWO:work_state_2="
expect_bad_cells "a two-adult row without the second adult's work state" 1 \
    "row $TWO, column work_state_2: '' is not one of inactive|seeking|programme|part_time|full_time"
new_case
set_cells "$ONE:sex_2=female"
expect_bad_cells "a second adult's sex in a one-adult row" 1 \
    "row $ONE, column sex_2: 'female': no second adult, leave the _2 columns empty"
new_case
set_cells "3:sex_1=x"
expect_bad_cells "an unknown sex" 1 "row 3, column sex_1: 'x' is not one of male|female"
new_case
set_cells "$TWO:age_2=12"
expect_bad_cells "a parent of 12" 1 "row $TWO, column age_2: 12 is outside [16, 100]"
new_case
set_cells "$ONE:age_1="
expect_bad_cells "a missing age" 1 "row $ONE, column age_1: '' is not a number"
new_case
set_cells "4:years_norway_1=nan"
expect_bad_cells "years in Norway not a number" 1 "row 4, column years_norway_1: 'nan' is not a number"
new_case
set_cells "5:arrears=-5"
expect_bad_cells "negative arrears" 1 "row 5, column arrears: -5 is outside [0, 100000000]"
new_case
set_cells "6:child_ages=12;216"
expect_bad_cells "a child of 18" 1 \
    "row 6, column child_ages: '12;216' is not a ';'-separated list of ages in months (0-215)"
new_case
set_cells "6:child_ages=1;2;3;4;5;6;7;8;9"
expect_bad_cells "nine children" 1 "row 6, column child_ages: '1;2;3;4;5;6;7;8;9' lists more than 8 children"
new_case
set_cells "7:on_sa=1" "7:sa_months_last_year=0"
expect_bad_cells "on SA with no months of SA" 1 \
    "row 7, column sa_months_last_year: 0: on_sa is 1, so at least 1"
new_case
set_cells "7:on_sa=0" "7:sa_months_last_year=12"
expect_bad_cells "not on SA now, but SA in all 12 months" 1 \
    "row 7, column sa_months_last_year: 12: on_sa is 0, so at most 11 (the 12 months include this one)"
new_case
# a Norway-born adult with years in Norway (a one-adult immigrant row made Norway-born)
IMM=$(awk -F, 'NR > 1 && $3 != "norway" && $4 == 1 && $7 > 0 { print NR; exit }' "$POP")
set_cells "$IMM:origin=norway"
expect_bad_cells "years in Norway of a Norway-born adult" 1 \
    "row $IMM, column years_norway_1: "
new_case
set_cells "$IMM:origin=nowhere"
expect_bad_cells "an unknown origin gives no second message about the years" 1 \
    "row $IMM, column origin: 'nowhere' is not one of"
new_case
set_cells "7:on_sa=1" "7:sa_months_last_year=300"
expect_bad_cells "months of SA out of range (and no second message about on_sa)" 1 \
    "row 7, column sa_months_last_year: 300 is outside [0, 12]"
new_case
set_cells "3:household=2147483648"
expect_bad_cells "household number past the range, printed in full" 1 \
    "row 3, column household: 2147483648 is outside [0, 2147483647]"
new_case
set_cells "3:office=28"
expect_bad_cells "rows not grouped by office" 1 \
    "row 4, column office: 0: rows must be grouped by office in increasing order"
new_case
set_cells "3:office=x"
expect_bad_cells "office not a number (and no message about the order)" 1 \
    "row 3, column office: 'x' is not a number"
new_case
set_cells "3:office=29"
expect_bad_cells "office past the scenario's offices" 1 "row 3, column office: 29 is outside [0, 28]"
new_case
set_cells "3:housing=castle" "$((N + 1)):adults=1.5"
expect_bad_cells "bad cells in two rows" 2 "row 3, column housing: 'castle'" \
    "row $((N + 1)), column adults: '1.5' is not a whole number"
new_case
cells=()
for r in $(seq 2 61); do cells+=("$r:origin=nowhere"); done
set_cells "${cells[@]}"
expect_bad_cells "more than 50 bad cells" 60 "row 51, column origin" \
    "60 bad cells (the first 50 are listed above); nothing simulated"

# ---- the file as a whole --------------------------------------------------

new_case
cut -d, -f1-13,15 "$POP" >"$dir/pop.csv"
scenario
expect_fail "a column missing" "pop.csv: row 1: missing column 'arrears'" "$ARV" run from_file.cfg --out out
new_case
cut -d, -f1-16,18-19 "$POP" >"$dir/pop.csv"
scenario
expect_fail "one of the optional columns missing" \
    "pop.csv: row 1: missing column 'sex_2' (sex_1, sex_2, age_1 and age_2 go together)" \
    "$ARV" run from_file.cfg --out out
# without the four optional columns the adults' sex and age are synthesised
new_case
cut -d, -f1-15 "$POP" >"$dir/pop.csv"
scenario
if (cd "$dir" && "$ARV" synth from_file.cfg --out again.csv >/dev/null 2>"$tmp/stderr") &&
    [ "$(head -n 1 "$dir/again.csv")" = "$header" ] &&
    [ "$(cut -d, -f1-15 "$dir/again.csv")" = "$(cat "$dir/pop.csv")" ]; then pass; else
    fail "a file without sex and age columns"; head -3 "$tmp/stderr"
fi
new_case
awk -F, -v OFS=, 'NR == 9 { NF = 18 } { print }' "$POP" >"$dir/pop.csv"
scenario
expect_fail "a row with a field missing" "pop.csv: row 9: 18 fields, the header has 19" \
    "$ARV" run from_file.cfg --out out
new_case
cp "$POP" "$dir/pop.csv"
scenario $((N + 1))
expect_fail "households and rows disagree" "is $((N + 1)) but pop.csv has $N households" \
    "$ARV" run from_file.cfg --out out
new_case
: >"$dir/pop.csv"
scenario
expect_fail "an empty file" "pop.csv" "$ARV" run from_file.cfg --out out
new_case
{ head -n 2 "$POP"; printf '%s\000\n' "$(sed -n 3p "$POP")"; tail -n +4 "$POP"; } >"$dir/pop.csv"
scenario
expect_fail "a NUL byte, in the row it is in" "pop.csv: row 3: NUL byte" "$ARV" run from_file.cfg --out out
new_case
awk 'NR == 5 { $0 = $0 "\"x" } { print }' "$POP" >"$dir/pop.csv"
scenario
expect_fail "a stray quote" "pop.csv: row 5: bad quoting: a quote inside an unquoted field" \
    "$ARV" run from_file.cfg --out out
new_case
{ head -n 6 "$POP"; printf '%s,"abc\n' "$(sed -n 7p "$POP" | cut -d, -f1-14)"; } >"$dir/pop.csv"
scenario
expect_fail "a quoted field never closed" "pop.csv: row 7: bad quoting" "$ARV" run from_file.cfg --out out
new_case
scenario
expect_fail "no such file" "pop.csv" "$ARV" run from_file.cfg --out out

total=$((passed + failed))
echo "$passed passed, $failed failed (of $total)"
[ "$failed" -eq 0 ]
