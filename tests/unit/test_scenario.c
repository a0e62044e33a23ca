/* Scenario files: loading, @include and layering, and every way a file can
 * be bad. Fixtures live in tests/fixtures/scenarios; big, binary and deeply
 * nested files are generated in a temporary directory. The tests run in the
 * fixtures directory so that messages name files by short relative paths. */
#define _GNU_SOURCE
#include "testing.h"

#include <ftw.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arv/params.h"
#include "test_model.h"

static char tmpdir[] = "/tmp/arv-test-scenario-XXXXXX";

/* For LeakSanitizer builds: libconfig 1.5's parser leaks the buffer of a
 * string token when a syntax error follows it ("s" = 1;), which the
 * garbage inputs below provoke. That leak is the library's, not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:strbuf_append\n";
}

static struct arv_params *new_params(void)
{
    const struct arv_registry *r = &arv_test_registry;
    struct arv_param_group g[8];
    size_t n = 0;
    for (size_t k = 0; k < r->n_engine_groups; k++)
        g[n++] = r->engine_params[k];
    for (size_t k = 0; k < r->n_models; k++)
        g[n++] = (struct arv_param_group){r->models[k]->params, r->models[k]->n_params};
    return arv_params_alloc(g, n);
}

/* Loads file into a fresh table, expecting success. */
static struct arv_params *load_ok(const char *file)
{
    struct arv_params *p = new_params();
    struct arv_error err;
    arv_error_init(&err);
    if (arv_params_load(p, file, &err) != ARV_OK)
        fail_msg("%s: expected to load, got: %s", file, err.msg);
    assert_int_equal(err.status, ARV_OK);
    return p;
}

/*
 * Loads file, expecting failure with a message that starts with
 * "<file>:<line>: " (or "<file>: " when line is 0) and contains phrase.
 */
static void load_bad(const char *file, int line, const char *phrase)
{
    struct arv_params *p = new_params();
    struct arv_error err;
    arv_error_init(&err);
    int rc = arv_params_load(p, file, &err);
    if (rc == ARV_OK)
        fail_msg("%s: loaded, expected an error with '%s'", file, phrase);
    assert_int_not_equal(err.status, ARV_OK);
    assert_int_equal(rc, err.status);
    char prefix[600];
    if (line > 0)
        snprintf(prefix, sizeof prefix, "%s:%d: ", file, line);
    else
        snprintf(prefix, sizeof prefix, "%s: ", file);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not start with '%s'", err.msg, prefix);
    if (strstr(err.msg, phrase) == NULL)
        fail_msg("%s: message '%s' lacks '%s'", file, err.msg, phrase);
    assert_null(strchr(err.msg, '\n'));
    arv_params_free(p);
}

/* Loads file and expects some one-line error naming the file (for
 * generated input whose exact complaint is not the point). */
static void load_fails(const char *file)
{
    struct arv_params *p = new_params();
    struct arv_error err;
    arv_error_init(&err);
    if (arv_params_load(p, file, &err) == ARV_OK)
        fail_msg("%s: loaded, expected an error", file);
    size_t n = strlen(file);
    if (strncmp(err.msg, file, n) != 0 || err.msg[n] != ':')
        fail_msg("message '%s' does not start with '%s:'", err.msg, file);
    assert_null(strchr(err.msg, '\n'));
    arv_params_free(p);
}

/* ---- temporary files --------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    chmod(path, 0700);
    return remove(path);
}

static int setup(void **state)
{
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    return chdir(ARV_FIXTURES "/scenarios");
}

static int teardown(void **state)
{
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Path of name in the temporary directory (one of two rotating buffers). */
static const char *tmp_path(const char *name)
{
    static char buf[2][512];
    static int next;
    char *b = buf[next++ % 2];
    snprintf(b, sizeof buf[0], "%s/%s", tmpdir, name);
    return b;
}

/* Writes n bytes to a new temporary file; returns its path. */
static const char *write_tmp(const char *name, const void *data, size_t n)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    return write_tmp(name, text, strlen(text));
}

/* count copies of piece, one after another, in a new heap string. */
static char *repeat(const char *piece, size_t count)
{
    size_t n = strlen(piece);
    char *s = malloc(n * count + 1);
    assert_non_null(s);
    for (size_t k = 0; k < count; k++)
        memcpy(s + k * n, piece, n);
    s[n * count] = '\0';
    return s;
}

/* ---- valid scenarios --------------------------------------------------- */

static void test_valid(void **state)
{
    struct arv_params *p = load_ok("valid.cfg");
    assert_string_equal(arv_params_str(p, "run.name"), "valid");
    assert_int_equal(arv_params_int(p, "run.months"), 24);
    assert_true(arv_params_int(p, "run.seed") == 4000000000LL);
    assert_int_equal(arv_params_int(p, "run.reps"), 2);
    assert_int_equal(arv_params_int(p, "population.households"), 300);
    assert_true(arv_params_double(p, "test.p_up") == 0.25);
    assert_true(arv_params_double(p, "test.p_down") == 1.0);
    assert_true(arv_params_double(p, "test.income") == 1500.0);
    assert_false(arv_params_bool(p, "test.draw"));
    char buf[256];
    assert_string_equal(arv_params_where(p, "run.name", buf, sizeof buf), "valid.cfg:4: run.name");
    assert_string_equal(arv_params_where(p, "test.p_up", buf, sizeof buf),
                        "valid.cfg:11: test.p_up");
    assert_string_equal(arv_params_where(p, "run.report_every", buf, sizeof buf),
                        "run.report_every (default)");
    assert_int_equal(p->n_files, 1);
    assert_string_equal(p->files[0], "valid.cfg");
    arv_params_free(p);
}

/* Empty files and files of comments are valid: everything at its default. */
static void test_empty_and_comments_only(void **state)
{
    static const char *const files[] = {"empty.cfg", "comments_only.cfg"};
    for (size_t f = 0; f < 2; f++) {
        struct arv_params *p = load_ok(files[f]);
        for (size_t k = 0; k < p->n; k++)
            assert_null(p->values[k].origin.file);
        assert_int_equal(arv_params_int(p, "run.months"), 30);
        arv_params_free(p);
    }
    const char *blank = write_text("blank.cfg", "\n\n   \t\n\r\n");
    arv_params_free(load_ok(blank));
}

/* Windows line endings, tabs and a final line without a newline. */
static void test_crlf_and_layout(void **state)
{
    const char *f = write_text("crlf.cfg", "run:\r\n{\r\n\tmonts = 12;\r\n};\r\n");
    load_bad(f, 3, "unknown parameter 'run.monts' (did you mean 'run.months'?)");
    f = write_text("crlf_ok.cfg", "run:\r\n{\r\n\tmonths = 12;\r\n};\r\npopulation: "
                                  "{ households = 7; }");
    struct arv_params *p = load_ok(f);
    assert_int_equal(arv_params_int(p, "run.months"), 12);
    assert_int_equal(arv_params_int(p, "population.households"), 7);
    char buf[600], want[600];
    snprintf(want, sizeof want, "%s:3: run.months", f);
    assert_string_equal(arv_params_where(p, "run.months", buf, sizeof buf), want);
    arv_params_free(p);
}

/* Integer literals at the edges of what libconfig reads correctly. */
static void test_integer_literals(void **state)
{
    const char *f = write_text("ints.cfg", "run: { seed = 4294967295L; months = 0x10; reps = 010; "
                                           "report_every = +3; };\n");
    struct arv_params *p = load_ok(f);
    assert_true(arv_params_int(p, "run.seed") == 4294967295LL);
    assert_int_equal(arv_params_int(p, "run.months"), 16);
    assert_int_equal(arv_params_int(p, "run.reps"), 10); /* decimal, as libconfig reads it */
    assert_int_equal(arv_params_int(p, "run.report_every"), 3);
    arv_params_free(p);
    /* -2147483648 fits in 32 bits: the range check, not the lexer, rejects it */
    f = write_text("intmin.cfg", "run: { months = -2147483648; };\n");
    load_bad(f, 1, "run.months = -2147483648 is out of range [1, 1200] months");
    f = write_text("intmin1.cfg", "run: { months = -2147483649; };\n");
    load_bad(f, 1, "integer -2147483649 is too large for a plain integer");
    f = write_text("intmin64.cfg", "run: { seed = -9223372036854775808L; };\n");
    load_bad(f, 1, "run.seed = -9223372036854775808 is out of range");
    f = write_text("hexbig.cfg", "run: { seed = 0xFFFFFFFF; };\n");
    load_bad(f, 1, "integer 0xFFFFFFFF is too large for a plain integer");
    f = write_text("leadzero.cfg", "run: { seed = 04294967296; };\n");
    load_bad(f, 1, "integer 04294967296 is too large");
    /* numbers inside strings and names are not numbers */
    f = write_text("strnum.cfg", "run: { name = \"99999999999 /* // #\"; };\n");
    p = load_ok(f);
    assert_string_equal(arv_params_str(p, "run.name"), "99999999999 /* // #");
    arv_params_free(p);
}

/* Strings may span lines, as in libconfig; their text is not lexed. */
static void test_multiline_string(void **state)
{
    const char *f = write_text("mls.cfg", "run: {\n  name = \"a\n/* b\n@include \\\"x\\\"\";\n"
                                          "  months = 5;\n};\n");
    struct arv_params *p = load_ok(f);
    assert_string_equal(arv_params_str(p, "run.name"), "a\n/* b\n@include \"x\"");
    char buf[600], want[600];
    snprintf(want, sizeof want, "%s:5: run.months", f);
    assert_string_equal(arv_params_where(p, "run.months", buf, sizeof buf), want);
    arv_params_free(p);
}

/* ---- @include and layering ---------------------------------------------- */

/* sub/child.cfg includes ../base.cfg: resolved relative to sub/. */
static void test_include_relative(void **state)
{
    struct arv_params *p = load_ok("sub/child.cfg");
    assert_int_equal(arv_params_int(p, "run.months"), 18); /* the includer wins */
    assert_int_equal(arv_params_int(p, "run.seed"), 1);    /* from base.cfg */
    assert_true(arv_params_double(p, "test.p_up") == 0.3);
    char buf[256];
    assert_string_equal(arv_params_where(p, "run.seed", buf, sizeof buf),
                        "sub/../base.cfg:2: run.seed");
    assert_string_equal(arv_params_where(p, "run.months", buf, sizeof buf),
                        "sub/child.cfg:3: run.months");
    assert_int_equal(p->n_files, 2);
    assert_string_equal(p->files[0], "sub/child.cfg");
    assert_string_equal(p->files[1], "sub/../base.cfg");
    arv_params_free(p);

    /* the same from another working directory, by absolute path */
    p = load_ok(ARV_FIXTURES "/scenarios/sub/child.cfg");
    assert_int_equal(arv_params_int(p, "run.seed"), 1);
    arv_params_free(p);
}

/* Two includes: the later one wins; the includer's own values win over both. */
static void test_include_order(void **state)
{
    struct arv_params *p = load_ok("two_includes.cfg");
    assert_int_equal(arv_params_int(p, "run.months"), 6); /* second.cfg over base.cfg */
    assert_int_equal(arv_params_int(p, "run.seed"), 1);   /* only in base.cfg */
    assert_true(arv_params_double(p, "test.income") == 200.0);
    assert_true(arv_params_double(p, "test.p_up") == 0.3);
    assert_true(arv_params_double(p, "test.p_down") == 0.05);
    char buf[256];
    assert_string_equal(arv_params_where(p, "run.months", buf, sizeof buf),
                        "second.cfg:2: run.months");
    arv_params_free(p);

    /* an include placed after settings is still applied first */
    p = load_ok("override.cfg");
    assert_true(arv_params_double(p, "test.p_up") == 0.4);
    assert_int_equal(arv_params_int(p, "run.reps"), 4);
    assert_int_equal(arv_params_int(p, "run.months"), 12);
    arv_params_free(p);
}

/* The same file may be included twice (not a loop), and a chain of 16 is
 * fine while 17 is refused. */
static void test_include_depth(void **state)
{
    const char *f = write_text("twice.cfg", "@include \"" ARV_FIXTURES "/scenarios/base.cfg\"\n"
                                            "@include \"" ARV_FIXTURES "/scenarios/base.cfg\"\n");
    arv_params_free(load_ok(f));
    char name[64], text[128];
    for (int k = 0; k < 17; k++) {
        snprintf(name, sizeof name, "chain%d.cfg", k);
        if (k == 16)
            snprintf(text, sizeof text, "run: { months = 2; };\n");
        else
            snprintf(text, sizeof text, "# link %d\n@include \"chain%d.cfg\"\n", k, k + 1);
        write_text(name, text);
    }
    struct arv_params *p = load_ok(tmp_path("chain1.cfg"));
    assert_int_equal(arv_params_int(p, "run.months"), 2);
    arv_params_free(p);
    load_bad(tmp_path("chain0.cfg"), 2, "includes nested more than 16 deep");
}

/* ---- bad files: fixtures ------------------------------------------------ */

static void test_bad_fixtures(void **state)
{
    static const struct {
        const char *file;
        int line;
        const char *phrase;
    } cases[] = {
        {"errors/syntax.cfg", 3, "syntax error"},
        {"errors/unknown_key.cfg", 4, "unknown parameter 'run.monts' (did you mean 'run.months'?)"},
        {"errors/unknown_group.cfg", 3, "unknown group 'nosuchgroup'"},
        {"errors/string_for_int.cfg", 2, "run.months expects an integer, got a string"},
        {"errors/float_for_int.cfg", 2, "run.months expects an integer, got a number"},
        {"errors/list_for_scalar.cfg", 2, "test.p_up expects a number, got a list"},
        {"errors/array_for_scalar.cfg", 2, "run.months expects an integer, got an array"},
        {"errors/group_for_scalar.cfg", 2, "run.months expects an integer, got a group"},
        {"errors/top_group_scalar.cfg", 2, "'run' must be a group"},
        {"errors/bool_for_int.cfg", 1, "run.months expects an integer, got a boolean"},
        {"errors/int_for_bool.cfg", 1, "test.draw expects true or false, got an integer"},
        {"errors/out_of_range.cfg", 3, "test.p_up = 1.5 is out of range [0, 1] probability"},
        {"errors/int32_overflow.cfg", 3,
         "integer 2147483648 is too large for a plain integer (write it with an L suffix)"},
        {"errors/int64_out_of_range.cfg", 3,
         "population.households = 2147483648 is out of range [1, 2000000]"},
        {"errors/int64_overflow.cfg", 3, "integer 9223372036854775808 is too large"},
        {"errors/double_overflow.cfg", 2, "test.income: number too large for a double"},
        {"errors/loop_a.cfg", 2,
         "in @include \"loop_b.cfg\": errors/loop_b.cfg:2: in @include \"loop_a.cfg\": "
         "errors/loop_a.cfg: include loop"},
        {"errors/self_include.cfg", 1,
         "in @include \"self_include.cfg\": errors/self_include.cfg: include loop"},
        {"errors/include_missing.cfg", 3,
         "in @include \"no_such_file.cfg\": errors/no_such_file.cfg: cannot open"},
        {"errors/include_dir.cfg", 1, "errors/../sub: is a directory"},
        {"errors/include_in_group.cfg", 2, "@include is only allowed at the top level"},
        {"errors/include_unquoted.cfg", 2, "@include expects a quoted file name"},
        {"errors/include_trailing.cfg", 2, "unexpected text after @include"},
        {"errors/include_bad_child.cfg", 2,
         "in @include \"unknown_key.cfg\": errors/unknown_key.cfg:4: unknown parameter "
         "'run.monts' (did you mean 'run.months'?)"},
        {"errors/unterminated_string.cfg", 2, "unterminated string"},
        {"errors/unterminated_comment.cfg", 2, "unterminated /* comment"},
        {"errors/duplicate.cfg", 2, "duplicate setting name"},
        {"sub", 0, "is a directory, not a scenario file"},
        {"errors", 0, "is a directory"},
        {"no_such_file.cfg", 0, "cannot open: No such file or directory"},
        {"no_such_dir/x.cfg", 0, "cannot open"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        load_bad(cases[k].file, cases[k].line, cases[k].phrase);
}

/* Error status: bad content is EINVAL, a missing file EIO. */
static void test_bad_status(void **state)
{
    struct arv_error err;
    struct arv_params *p = new_params();
    arv_error_init(&err);
    assert_int_equal(arv_params_load(p, "errors/syntax.cfg", &err), ARV_EINVAL);
    arv_params_free(p);
    p = new_params();
    arv_error_init(&err);
    assert_int_equal(arv_params_load(p, "no_such_file.cfg", &err), ARV_EIO);
    arv_params_free(p);
}

/* ---- bad files: generated ------------------------------------------------ */

/* Small scenarios written at test time, each with one error. */
static void test_bad_inline(void **state)
{
    static const struct {
        const char *text;
        int line;
        const char *phrase;
    } cases[] = {
        {"\n\nrun: { sed = 1; };\n", 3, "unknown parameter 'run.sed' (did you mean 'run.seed'?)"},
        {"run: { months = 3; };\nrun = 5;\n", 2, "duplicate setting name"},
        {"population = 5;\n", 1, "'population' must be a group"},
        {"months = 5;\n", 1, "unknown parameter 'months' (did you mean 'run.months'?)"},
        {"zzzqqq = 5;\n", 1, "unknown parameter 'zzzqqq'"},
        {"run: { sub: { months = 1; }; };\n", 1, "unknown group 'run.sub'"},
        {"population: { seed: { x = 1; }; };\n", 1, "unknown group 'population.seed'"},
        {"run: { name = 5; };\n", 1, "run.name expects a string, got an integer"},
        {"test: { p_up = \"0.5\"; };\n", 1, "test.p_up expects a number, got a string"},
        {"test: { draw = \"yes\"; };\n", 1, "test.draw expects true or false, got a string"},
        {"test: { p_up = -1e400; };\n", 1, "number too large for a double"},
        {"test: { p_up = .5e999; };\n", 1, "number too large for a double"},
        {"population: { households = 0; };\n", 1, "is out of range [1, 2000000] households"},
        {"run: { months = 1201; };\n", 1, "is out of range [1, 1200] months"},
        {"run: { months = 99999999999999999999; };\n", 1, "is too large"},
        {"run { months = 12; };\n", 1, "syntax error"},
        {"@include \"\"\n", 1, "bad @include file name"},
        {"@include\n", 1, "@include expects a quoted file name"},
        {"@include \"base.cfg\n\"\n", 1, "@include expects a quoted file name"},
        {"@include \"base.cfg\";\n", 1, "unexpected text after @include"},
        {"run: { months = 3; }; @include \"x.cfg\"\n", 1, "syntax error"},
        {"/* a\n b */ run: { months = 3; };\n/* c\n\n", 3, "unterminated /* comment"},
        {"run: { name = \"abc\\\"; };\n", 1, "unterminated string"},
        {"\xef\xbb\xbfrun: { months = 3; };\n", 1, "syntax error"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char name[32];
        snprintf(name, sizeof name, "inline%zu.cfg", k);
        load_bad(write_text(name, cases[k].text), cases[k].line, cases[k].phrase);
    }
}

/* parameter_draws: rows of real-valued parameters, read back exactly by
 * the resolved scenario; every malformed group named by line. */
static void test_parameter_draws(void **state)
{
    const char *good = write_text("draws.cfg", "test: { p_up = 0.3; };\n"
                                               "parameter_draws: {\n"
                                               "  paths = [ \"test.p_up\", \"test.income\" ];\n"
                                               "  values = ( [ 0.25, 900.0 ], [ 0.5, 1200.5 ],\n"
                                               "             [ 1.0, 0.0 ] );\n"
                                               "};\n");
    struct arv_params *p = load_ok(good);
    assert_non_null(p->draws);
    assert_int_equal(p->draws->n_paths, 2);
    assert_int_equal(p->draws->n_rows, 3);
    assert_string_equal(p->draws->paths[1], "test.income");
    assert_true(p->draws->values[3] == 1200.5 && p->draws->values[4] == 1);
    assert_true(arv_params_double(p, "test.p_up") == 0.3); /* the base value stays */
    arv_params_apply_draw(p, p->draws, 1);
    assert_true(arv_params_double(p, "test.p_up") == 0.5);
    assert_true(arv_params_double(p, "test.income") == 1200.5);
    /* written and read back: the same rows */
    const char *out = tmp_path("draws-resolved.cfg");
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    assert_int_equal(arv_params_write_cfg(p, f), ARV_OK);
    fclose(f);
    struct arv_params *q = load_ok(out);
    assert_non_null(q->draws);
    assert_int_equal(q->draws->n_rows, 3);
    assert_memory_equal(q->draws->values, p->draws->values, 6 * sizeof(double));
    arv_params_free(q);
    arv_params_free(p);

    static const struct {
        const char *text;
        int line;
        const char *phrase;
    } cases[] = {
        {"parameter_draws = 5;\n", 1, "parameter_draws must be a group"},
        {"parameter_draws: { values = ( [ 1 ] ); };\n", 1, "needs paths"},
        {"parameter_draws: { paths = [ \"test.p_up\" ]; };\n", 1, "needs values"},
        {"parameter_draws: { paths = [ \"test.p_up\" ];\n values = ( ); };\n", 2,
         "needs values"},
        {"parameter_draws: {\n paths = [ \"test.p_upp\" ]; values = ( [ 0.1 ] ); };\n", 2,
         "unknown parameter 'test.p_upp' (did you mean 'test.p_up'?)"},
        {"parameter_draws: {\n paths = [ \"run.months\" ]; values = ( [ 3 ] ); };\n", 2,
         "'run.months' is not a real-valued parameter"},
        {"parameter_draws: {\n paths = [ \"test.p_up\", \"test.p_up\" ];\n"
         " values = ( [ 0.1, 0.2 ] ); };\n",
         2, "'test.p_up' is listed twice"},
        {"parameter_draws: { paths = [ \"test.p_up\" ];\n values = (\n [ 0.1 ],\n [ 0.1, 0.2 ] ); "
         "};\n",
         4, "row 2 must be [ ... ] with 1 number, one per path"},
        {"parameter_draws: { paths = [ \"test.p_up\" ];\n values = (\n [ 1.5 ] ); };\n", 3,
         "row 1, test.p_up = 1.5 is outside [0, 1]"},
        {"parameter_draws: { paths = [ \"test.p_up\" ];\n values = (\n [ \"a\" ] ); };\n", 3,
         "row 1, test.p_up: not a finite number"},
        {"parameter_draws: { paths = [ \"test.p_up\" ]; values = ( [ 0.1 ] );\n seed = 1; };\n",
         2, "unknown setting 'seed' (paths, values)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char name[32];
        snprintf(name, sizeof name, "draws%zu.cfg", k);
        load_bad(write_text(name, cases[k].text), cases[k].line, cases[k].phrase);
    }
}

/* A comment or blank after an @include is fine. */
static void test_include_trailing_comment(void **state)
{
    static const char *const texts[] = {
        "@include \"" ARV_FIXTURES "/scenarios/base.cfg\"   # the base\n",
        "@include \"" ARV_FIXTURES "/scenarios/base.cfg\" // the base\n",
        "@include \"" ARV_FIXTURES "/scenarios/base.cfg\" /* the\n base */ run: { reps = 3; };\n",
        "  \t@include\t\"" ARV_FIXTURES "/scenarios/base.cfg\"\t\r\n",
        "@include \"" ARV_FIXTURES "/scenarios/base.cfg\"",
    };
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        char name[32];
        snprintf(name, sizeof name, "inc_ok%zu.cfg", k);
        struct arv_params *p = load_ok(write_text(name, texts[k]));
        assert_int_equal(arv_params_int(p, "run.seed"), 1);
        assert_int_equal(arv_params_int(p, "run.reps"), k == 2 ? 3 : 1);
        arv_params_free(p);
    }
}

/* A small xorshift generator: the "random" files are the same every run. */
static uint64_t xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Fills buf with n pseudo-random bytes: any byte, or only bytes 0x80-0xff
 * (which no short file turns into a valid scenario); with_nul puts a NUL
 * byte somewhere. Returns the line of the first NUL byte, or 0 if there is
 * none or a line over the length limit comes first. */
static int fill_random(unsigned char *buf, size_t n, uint64_t *s, bool high, bool with_nul)
{
    for (size_t i = 0; i < n; i++) {
        buf[i] = (unsigned char)(xorshift(s) >> 24);
        if (high)
            buf[i] |= 0x80;
        else if (buf[i] == 0 && !with_nul)
            buf[i] = 1;
    }
    if (with_nul)
        buf[xorshift(s) % n] = 0;
    int line = 1;
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == 0)
            return line;
        if (buf[i] == '\n') {
            line++;
            len = 0;
        } else if (++len > 16384) {
            return 0; /* the over-long line is reported first */
        }
    }
    return 0;
}

static void test_binary_garbage(void **state)
{
    static const size_t sizes[] = {1, 7, 100, 4096, 70000};
    uint64_t s = 0x9e3779b97f4a7c15ULL;
    unsigned char *buf = malloc(70000);
    assert_non_null(buf);
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
        for (int variant = 0; variant < 4; variant++)
            for (int rep = 0; rep < 4; rep++) {
                bool high = variant & 1, with_nul = variant & 2;
                int nul_line = fill_random(buf, sizes[z], &s, high, with_nul);
                char name[48];
                snprintf(name, sizeof name, "garbage%zu_%d_%d.cfg", z, variant, rep);
                const char *f = write_tmp(name, buf, sizes[z]);
                if (nul_line > 0) {
                    load_bad(f, nul_line, "NUL byte in scenario file");
                } else if (high || with_nul) {
                    load_fails(f);
                } else {
                    /* a one-byte file may be a blank: any outcome, but a
                     * failure names the file */
                    struct arv_params *p = new_params();
                    struct arv_error err;
                    arv_error_init(&err);
                    if (arv_params_load(p, f, &err) != ARV_OK)
                        assert_int_equal(strncmp(err.msg, f, strlen(f)), 0);
                    arv_params_free(p);
                }
            }
    free(buf);
}

/* A NUL byte on a later line is reported on that line. */
static void test_nul_byte_line(void **state)
{
    static const char text[] = "run: { months = 3; };\n# fine\nrun2\0: x\n";
    load_bad(write_tmp("nul.cfg", text, sizeof text - 1), 3, "NUL byte in scenario file");
    /* a file that is only NUL bytes */
    static const char zeros[64] = {0};
    load_bad(write_tmp("zeros.cfg", zeros, sizeof zeros), 1, "NUL byte");
}

/* Random sequences of scenario tokens: every outcome is either a clean
 * load or a one-line error naming the file; never a crash or a hang. */
static void test_token_soup(void **state)
{
    static const char *const tokens[] = {
        "run", "test", "population", "months", "households", "p_up", "draw", "x",
        ":", "=", ";", ",", "{", "}", "(", ")", "[", "]", "\"", "\"s\"", "\\",
        "12", "-3", "1.5", "1e400", "9999999999", "L", "0x", "true",
        "\n", "\r\n", " ", "#", "//", "/*", "*/", "@include ", "\"base.cfg\""};
    enum { N_TOKENS = sizeof tokens / sizeof tokens[0] };
    uint64_t s = 12345;
    char text[4096];
    const char *f;
    for (int iter = 0; iter < 400; iter++) {
        size_t n = 0;
        int count = 1 + (int)(xorshift(&s) % 60);
        for (int t = 0; t < count; t++) {
            const char *tok = tokens[xorshift(&s) % N_TOKENS];
            size_t len = strlen(tok);
            if (n + len + 1 >= sizeof text)
                break;
            memcpy(text + n, tok, len);
            n += len;
        }
        text[n] = '\0';
        char name[32]; /* a new file each time: rewriting one is slower */
        snprintf(name, sizeof name, "soup%d.cfg", iter);
        f = write_text(name, text);
        struct arv_params *p = new_params();
        struct arv_error err;
        arv_error_init(&err);
        if (arv_params_load(p, f, &err) != ARV_OK) {
            if (strncmp(err.msg, f, strlen(f)) != 0)
                fail_msg("'%s' gave message '%s'", text, err.msg);
            assert_null(strchr(err.msg, '\n'));
        }
        arv_params_free(p);
    }
}

/* Files at and over the size limit. */
static void test_file_size_limit(void **state)
{
    enum { LIMIT = 4 << 20 };
    /* exactly 4 MiB of comment lines of 1023 characters and a newline */
    char line[1025];
    memset(line, 'x', 1023);
    line[0] = '#';
    line[1023] = '\n';
    line[1024] = '\0';
    char *text = repeat(line, LIMIT / 1024);
    assert_int_equal(strlen(text), LIMIT);
    arv_params_free(load_ok(write_tmp("at_limit.cfg", text, LIMIT)));
    text = realloc(text, LIMIT + 2);
    text[LIMIT] = '\n';
    const char *f = write_tmp("over_limit.cfg", text, LIMIT + 1);
    load_bad(f, 0, "file too large for a scenario (4194305 bytes, limit 4194304)");
    free(text);
}

/* Lines at and over 16384 characters. */
static void test_line_length_limit(void **state)
{
    char *line = repeat("#", 16384);
    char *text = malloc(3 * 16384 + 100);
    assert_non_null(text);
    snprintf(text, 3 * 16384 + 100, "run: { months = 3; };\n%s\n# fine\n", line);
    arv_params_free(load_ok(write_text("long_ok.cfg", text)));
    snprintf(text, 3 * 16384 + 100, "run: { months = 3; };\n\n%s#\n", line);
    load_bad(write_text("long_bad.cfg", text), 3, "line longer than 16384 characters");
    /* the last line, without a newline */
    snprintf(text, 3 * 16384 + 100, "%sx", line);
    load_bad(write_text("long_last.cfg", text), 1, "line longer than 16384 characters");
    free(line);
    free(text);
}

/* Deeply nested groups: an error, not a crash. */
static void test_deep_groups(void **state)
{
    char *open = repeat("a: { ", 50), *close = repeat("}; ", 50);
    char *text = malloc(strlen(open) + strlen(close) + 64);
    assert_non_null(text);
    sprintf(text, "%sb = 1; %s\n", open, close);
    load_bad(write_text("deep1.cfg", text), 1, "unknown group 'a'");
    sprintf(text, "run: {\n%sb = 1; %s};\n", open, close);
    load_bad(write_text("deep2.cfg", text), 2, "unknown group 'run.a'");
    free(open);
    free(close);
    /* 100 levels, one per line: over the bracket limit */
    open = repeat("a: {\n", 100);
    close = repeat("};\n", 100);
    text = realloc(text, strlen(open) + strlen(close) + 64);
    sprintf(text, "%sb = 1;\n%s", open, close);
    load_bad(write_text("deep3.cfg", text), 65, "brackets nested more than 64 deep");
    free(open);
    free(close);
    free(text);
}

/* 20000 opening brackets of each kind, on one line and spread over lines,
 * and as many unmatched closers: an error, not a crash or a hang. */
static void test_deep_brackets(void **state)
{
    static const char *const kinds[] = {"(", "[", "{", ")", "]", "}"};
    for (size_t k = 0; k < 6; k++) {
        char *one_line = repeat(kinds[k], 20000);
        char *text = malloc(20000 * 2 + 64);
        assert_non_null(text);
        sprintf(text, "run: { months = %s;\n", one_line);
        load_bad(write_text("brackets1.cfg", text), 1, "line longer than 16384 characters");
        char piece[3] = {kinds[k][0], '\n', '\0'};
        char *spread = repeat(piece, 20000);
        sprintf(text, "run: { months = %s;\n", spread);
        const char *f = write_text("brackets2.cfg", text);
        if (k < 3)
            load_bad(f, 64, "brackets nested more than 64 deep");
        else
            load_fails(f);
        free(one_line);
        free(spread);
        free(text);
    }
    /* a list nested 64 deep is within the limit: libconfig's own error */
    char *open = repeat("(", 63), *close = repeat(")", 63);
    char text[256];
    snprintf(text, sizeof text, "run: { months = %s1%s; };\n", open, close);
    load_bad(write_text("brackets3.cfg", text), 1, "run.months expects an integer, got a list");
    free(open);
    free(close);
}

/* A file nobody may read (meaningless for root, who reads it anyway). */
static void test_unreadable(void **state)
{
    if (geteuid() == 0)
        skip(); /* root reads a mode-000 file anyway */
    const char *f = write_text("unreadable.cfg", "run: { months = 3; };\n");
    assert_int_equal(chmod(f, 0), 0);
    load_bad(f, 0, "cannot open: Permission denied");
    const char *g = write_text("inc_unreadable.cfg", "\n@include \"unreadable.cfg\"\n");
    load_bad(g, 2, "unreadable.cfg: cannot open: Permission denied");
}

/* Not a regular file: /dev/null, a FIFO. */
static void test_not_regular(void **state)
{
    load_bad("/dev/null", 0, "not a regular file");
    const char *fifo = tmp_path("fifo.cfg");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    load_bad(fifo, 0, "not a regular file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_empty_and_comments_only),
        cmocka_unit_test(test_crlf_and_layout),
        cmocka_unit_test(test_integer_literals),
        cmocka_unit_test(test_multiline_string),
        cmocka_unit_test(test_include_relative),
        cmocka_unit_test(test_include_order),
        cmocka_unit_test(test_include_depth),
        cmocka_unit_test(test_bad_fixtures),
        cmocka_unit_test(test_bad_status),
        cmocka_unit_test(test_bad_inline),
        cmocka_unit_test(test_parameter_draws),
        cmocka_unit_test(test_include_trailing_comment),
        cmocka_unit_test(test_binary_garbage),
        cmocka_unit_test(test_nul_byte_line),
        cmocka_unit_test(test_token_soup),
        cmocka_unit_test(test_file_size_limit),
        cmocka_unit_test(test_line_length_limit),
        cmocka_unit_test(test_deep_groups),
        cmocka_unit_test(test_deep_brackets),
        cmocka_unit_test(test_unreadable),
        cmocka_unit_test(test_not_regular),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
