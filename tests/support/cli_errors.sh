# Shared set-up and checks of the error-path CLI tests (tests/cli/errors_*.sh):
# source it with the test's arguments; it sets ARV, ARV_TEST, FIXTURES, SCEN,
# ENGINE, SRC, a scratch $tmp with input files in $tmp/in, and the helpers
# pass, fail, new_case, snapshot, count_lines and expect_fail.
set -u

ARV=$1
ARV_TEST=$2
FIXTURES=$3
SCEN=$FIXTURES/scenarios
ENGINE=$FIXTURES/engine.cfg
SRC=$4

tmp=$(mktemp -d "${TMPDIR:-/tmp}/arv-errors.XXXXXX") || exit 1
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
