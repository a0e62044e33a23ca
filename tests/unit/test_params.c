/* The parameter table: construction, defaults, typed values from text with
 * type and range checks, --set, "did you mean", resolved.cfg round trip,
 * SHA-256 and origins. */
#define _GNU_SOURCE
#include "testing.h"

#include <float.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arv/params.h"
#include "test_model.h"

/* Two small modules' worth of definitions, covering every type, nested
 * groups and a path without a group. */
static const struct arv_param_def defs_a[] = {
    {"g.count", ARV_PARAM_INT, 5, 0, 100, "people", "A count.", "assumption", NULL, NULL},
    {"g.wide", ARV_PARAM_INT, 0, -9.3e18, 9.3e18, "-", "Any 64-bit integer.", "assumption", NULL,
     NULL},
    {"g.rate", ARV_PARAM_DOUBLE, 0.5, 0, 1, "probability", "A probability.", "assumption", NULL,
     NULL},
    {"g.x", ARV_PARAM_DOUBLE, -2.5, -DBL_MAX, DBL_MAX, "NOK", "Any finite number.", "H1", NULL,
     NULL},
    {"g.flag", ARV_PARAM_BOOL, 1, 0, 1, "-", "A switch.", "assumption", NULL, NULL},
    {"g.mode", ARV_PARAM_ENUM, 0, 0, 0, "-", "A choice.", "assumption", "fast", "slow|fast|exact"},
    {"g.label", ARV_PARAM_STRING, 0, 0, 0, "-", "Free text.", "assumption", "hello", NULL},
    {"g.sub.depth", ARV_PARAM_INT, 3, 1, 10, "levels", "Nested one group down.", "assumption", NULL,
     NULL},
};
static const struct arv_param_def defs_b[] = {
    {"h.sub.deep.leaf", ARV_PARAM_DOUBLE, 0.25, -1, 1, "-", "Three groups down.", "assumption",
     NULL, NULL},
    {"h.name", ARV_PARAM_STRING, 0, 0, 0, "-", "Default NULL means empty.", "assumption", NULL,
     NULL},
    {"top", ARV_PARAM_INT, 7, 0, 10, "-", "No group at all.", "assumption", NULL, NULL},
};
static const struct arv_param_group groups[] = {{defs_a, sizeof defs_a / sizeof defs_a[0]},
                                                {defs_b, sizeof defs_b / sizeof defs_b[0]}};
enum { N_DEFS = sizeof defs_a / sizeof defs_a[0] + sizeof defs_b / sizeof defs_b[0] };

static const struct arv_param_origin from_set = {"--set", 0};

static struct arv_params *new_table(void)
{
    return arv_params_alloc(groups, 2);
}

/* The engine's and the test model's parameters, as the CLI builds them. */
static struct arv_params *new_registry_table(void)
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

/* Sets path from text and expects success. */
static void set_ok(struct arv_params *p, const char *path, const char *text)
{
    struct arv_error err;
    arv_error_init(&err);
    if (arv_params_set_value(p, path, text, from_set, &err) != ARV_OK)
        fail_msg("%s = '%s' rejected: %s", path, text, err.msg);
    assert_int_equal(err.status, ARV_OK);
}

/* Sets path from text, expects EINVAL with phrase in the message, and
 * checks that the value did not change. */
static void set_bad(struct arv_params *p, const char *path, const char *text, const char *phrase)
{
    long k = arv_params_find(p, path);
    assert_true(k >= 0);
    struct arv_param_value before = p->values[k];
    char *before_s = before.s ? strdup(before.s) : NULL;
    struct arv_error err;
    arv_error_init(&err);
    int rc = arv_params_set_value(p, path, text, from_set, &err);
    if (rc == ARV_OK)
        fail_msg("%s = '%s' accepted, expected an error with '%s'", path, text, phrase);
    assert_int_equal(rc, ARV_EINVAL);
    assert_int_equal(err.status, ARV_EINVAL);
    if (strstr(err.msg, phrase) == NULL)
        fail_msg("%s = '%s': message '%s' lacks '%s'", path, text, err.msg, phrase);
    assert_non_null(strstr(err.msg, path));
    assert_null(strchr(err.msg, '\n'));
    assert_true(p->values[k].i == before.i);
    assert_memory_equal(&p->values[k].d, &before.d, sizeof(double));
    if (before_s)
        assert_string_equal(p->values[k].s, before_s);
    assert_ptr_equal(p->values[k].origin.file, before.origin.file);
    free(before_s);
}

/* ---- construction ------------------------------------------------------ */

static void test_alloc_defaults(void **state)
{
    struct arv_params *p = new_table();
    assert_int_equal(p->n, N_DEFS);
    assert_int_equal(p->n_files, 0);
    /* table order is group order, then declaration order */
    assert_int_equal(arv_params_find(p, "g.count"), 0);
    assert_int_equal(arv_params_find(p, "g.sub.depth"), 7);
    assert_int_equal(arv_params_find(p, "h.sub.deep.leaf"), 8);
    assert_int_equal(arv_params_find(p, "top"), 10);
    assert_int_equal(arv_params_find(p, "g.nosuch"), -1);
    assert_int_equal(arv_params_find(p, "g"), -1);
    assert_int_equal(arv_params_find(p, ""), -1);
    for (size_t k = 0; k < p->n; k++) {
        assert_ptr_equal(p->defs[k], k < 8 ? &defs_a[k] : &defs_b[k - 8]);
        assert_null(p->values[k].origin.file);
        assert_int_equal(p->values[k].origin.line, 0);
    }
    assert_int_equal(arv_params_int(p, "g.count"), 5);
    assert_int_equal(arv_params_int(p, "g.wide"), 0);
    assert_true(arv_params_double(p, "g.rate") == 0.5);
    assert_true(arv_params_double(p, "g.x") == -2.5);
    assert_true(arv_params_bool(p, "g.flag"));
    assert_string_equal(arv_params_str(p, "g.mode"), "fast");
    assert_int_equal(arv_params_enum(p, "g.mode"), 1);
    assert_string_equal(arv_params_str(p, "g.label"), "hello");
    assert_int_equal(arv_params_int(p, "g.sub.depth"), 3);
    assert_true(arv_params_double(p, "h.sub.deep.leaf") == 0.25);
    assert_string_equal(arv_params_str(p, "h.name"), "");
    assert_int_equal(arv_params_int(p, "top"), 7);
    arv_params_free(p);
    arv_params_free(NULL);
}

/* Every parameter of the test registry starts at its declared default and
 * inside its declared range. */
static void test_registry_defaults_in_range(void **state)
{
    struct arv_params *p = new_registry_table();
    assert_true(p->n >= 8);
    assert_true(arv_params_find(p, "run.months") >= 0);
    assert_true(arv_params_find(p, "test.p_up") >= 0);
    for (size_t k = 0; k < p->n; k++) {
        const struct arv_param_def *d = p->defs[k];
        const struct arv_param_value *v = &p->values[k];
        assert_non_null(d->unit);
        assert_non_null(d->description);
        assert_non_null(d->source);
        switch (d->type) {
        case ARV_PARAM_INT:
            assert_true(v->i == (int64_t)d->def);
            assert_true(v->i >= d->min && v->i <= d->max);
            break;
        case ARV_PARAM_DOUBLE:
            assert_true(v->d == d->def);
            assert_true(v->d >= d->min && v->d <= d->max);
            break;
        case ARV_PARAM_BOOL:
            assert_true(v->i == (d->def != 0));
            break;
        case ARV_PARAM_ENUM:
        case ARV_PARAM_STRING:
            assert_string_equal(v->s, d->def_str ? d->def_str : "");
            break;
        }
    }
    assert_int_equal(arv_params_int(p, "run.months"), 30);
    assert_true(arv_params_double(p, "test.p_up") == 0.1);
    arv_params_free(p);
}

/* ---- values from text -------------------------------------------------- */

static void test_set_int(void **state)
{
    struct arv_params *p = new_table();
    set_ok(p, "g.count", "42");
    assert_int_equal(arv_params_int(p, "g.count"), 42);
    set_ok(p, "g.count", "0"); /* the range is inclusive */
    assert_int_equal(arv_params_int(p, "g.count"), 0);
    set_ok(p, "g.count", "100");
    assert_int_equal(arv_params_int(p, "g.count"), 100);
    set_ok(p, "g.count", " 17 ");
    assert_int_equal(arv_params_int(p, "g.count"), 17);
    set_ok(p, "g.count", "+9");
    assert_int_equal(arv_params_int(p, "g.count"), 9);
    set_ok(p, "g.count", "12L"); /* as written in a scenario */
    assert_int_equal(arv_params_int(p, "g.count"), 12);
    set_ok(p, "g.wide", "-9223372036854775808");
    assert_true(arv_params_int(p, "g.wide") == INT64_MIN);
    set_ok(p, "g.wide", "9223372036854775807");
    assert_true(arv_params_int(p, "g.wide") == INT64_MAX);

    set_bad(p, "g.count", "-1", "is out of range [0, 100] people");
    set_bad(p, "g.count", "101", "is out of range [0, 100] people");
    set_bad(p, "g.count", "1.5", "expects an integer, got '1.5'");
    set_bad(p, "g.count", "1e2", "expects an integer");
    set_bad(p, "g.count", "abc", "expects an integer, got 'abc'");
    set_bad(p, "g.count", "", "expects an integer, got ''");
    set_bad(p, "g.count", "12abc", "expects an integer");
    set_bad(p, "g.count", "12LL", "expects an integer");
    set_bad(p, "g.count", "0x10", "expects an integer");
    set_bad(p, "g.count", "true", "expects an integer");
    set_bad(p, "g.wide", "9223372036854775808", "expects an integer");
    set_bad(p, "g.wide", "-9223372036854775809", "expects an integer");
    set_bad(p, "g.wide", "99999999999999999999999", "expects an integer");
    assert_int_equal(arv_params_int(p, "g.count"), 12);
    arv_params_free(p);
}

static void test_set_double(void **state)
{
    struct arv_params *p = new_table();
    set_ok(p, "g.rate", "0.25");
    assert_true(arv_params_double(p, "g.rate") == 0.25);
    set_ok(p, "g.rate", "1");
    assert_true(arv_params_double(p, "g.rate") == 1.0);
    set_ok(p, "g.rate", "0");
    assert_true(arv_params_double(p, "g.rate") == 0.0);
    set_ok(p, "g.rate", "1e-3");
    assert_true(arv_params_double(p, "g.rate") == 1e-3);
    set_ok(p, "g.rate", " 0.5 ");
    assert_true(arv_params_double(p, "g.rate") == 0.5);
    set_ok(p, "g.x", "-1.7976931348623157e308");
    assert_true(arv_params_double(p, "g.x") == -DBL_MAX);
    set_ok(p, "g.x", "0.1");
    assert_true(arv_params_double(p, "g.x") == 0.1);

    set_bad(p, "g.rate", "-0.1", "g.rate = -0.1 is out of range [0, 1] probability");
    set_bad(p, "g.rate", "1.0000001", "is out of range [0, 1] probability");
    set_bad(p, "g.rate", "abc", "expects a number, got 'abc'");
    set_bad(p, "g.rate", "", "expects a number");
    set_bad(p, "g.rate", "0.5x", "expects a number");
    set_bad(p, "g.rate", "0.5 0.6", "expects a number");
    set_bad(p, "g.rate", "nan", "expects a number");
    set_bad(p, "g.x", "inf", "expects a number");
    set_bad(p, "g.x", "-infinity", "expects a number");
    set_bad(p, "g.x", "1e400", "expects a number");
    set_bad(p, "g.x", "-1e400", "expects a number");
    assert_true(arv_params_double(p, "g.rate") == 0.5);
    arv_params_free(p);
}

static void test_set_bool(void **state)
{
    static const char *const yes[] = {"true", "TRUE", "True", "yes", "Yes", "on", "ON", "1"};
    static const char *const no[] = {"false", "FALSE", "no", "NO", "off", "Off", "0"};
    struct arv_params *p = new_table();
    for (size_t k = 0; k < sizeof yes / sizeof yes[0]; k++) {
        set_ok(p, "g.flag", "false");
        set_ok(p, "g.flag", yes[k]);
        assert_true(arv_params_bool(p, "g.flag"));
    }
    for (size_t k = 0; k < sizeof no / sizeof no[0]; k++) {
        set_ok(p, "g.flag", "true");
        set_ok(p, "g.flag", no[k]);
        assert_false(arv_params_bool(p, "g.flag"));
    }
    set_bad(p, "g.flag", "2", "expects true or false, got '2'");
    set_bad(p, "g.flag", "maybe", "expects true or false");
    set_bad(p, "g.flag", "", "expects true or false");
    set_bad(p, "g.flag", "truex", "expects true or false");
    set_bad(p, "g.flag", " true", "expects true or false");
    arv_params_free(p);
}

static void test_set_enum(void **state)
{
    struct arv_params *p = new_table();
    set_ok(p, "g.mode", "slow");
    assert_string_equal(arv_params_str(p, "g.mode"), "slow");
    assert_int_equal(arv_params_enum(p, "g.mode"), 0);
    set_ok(p, "g.mode", "exact");
    assert_int_equal(arv_params_enum(p, "g.mode"), 2);
    set_ok(p, "g.mode", "fast");
    assert_int_equal(arv_params_enum(p, "g.mode"), 1);
    set_bad(p, "g.mode", "Fast", "must be one of slow|fast|exact, got 'Fast'");
    set_bad(p, "g.mode", "fas", "must be one of slow|fast|exact");
    set_bad(p, "g.mode", "fastest", "must be one of");
    set_bad(p, "g.mode", "", "must be one of");
    set_bad(p, "g.mode", "slow|fast", "must be one of");
    set_bad(p, "g.mode", "|", "must be one of");
    assert_string_equal(arv_params_str(p, "g.mode"), "fast");
    arv_params_free(p);
}

static void test_set_string(void **state)
{
    struct arv_params *p = new_table();
    set_ok(p, "g.label", "");
    assert_string_equal(arv_params_str(p, "g.label"), "");
    set_ok(p, "g.label", "with \"quotes\", \\backslashes\\ and = signs");
    assert_string_equal(arv_params_str(p, "g.label"),
                        "with \"quotes\", \\backslashes\\ and = signs");
    char big[4098];
    memset(big, 'x', 4096);
    big[4096] = '\0';
    set_ok(p, "g.label", big);
    assert_int_equal(strlen(arv_params_str(p, "g.label")), 4096);
    big[4096] = 'x';
    big[4097] = '\0';
    set_bad(p, "g.label", big, "string longer than 4096 characters");
    arv_params_free(p);
}

/* Type and range errors name the option or file:line they came from. */
static void test_error_prefixes(void **state)
{
    struct arv_params *p = new_table();
    struct arv_error err;
    arv_error_init(&err);
    struct arv_param_origin file = {"x.cfg", 12};
    assert_int_equal(arv_params_set_value(p, "g.count", "101", file, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "x.cfg:12: g.count = 101 is out of range [0, 100] people");
    arv_error_init(&err);
    assert_int_equal(arv_params_set_value(p, "g.count", "x", from_set, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "--set g.count expects an integer, got 'x'");
    /* the unit "-" is not printed */
    arv_error_init(&err);
    assert_int_equal(arv_params_set_value(p, "top", "11", from_set, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "--set top = 11 is out of range [0, 10]");
    /* the first failure is kept */
    assert_int_equal(arv_params_set_value(p, "g.count", "x", file, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "--set top = 11 is out of range [0, 10]");
    /* a very long value is cut in the message, which stays one line */
    char longv[2000];
    memset(longv, '7', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    longv[5] = '\n';
    arv_error_init(&err);
    assert_int_equal(arv_params_set_value(p, "g.rate", longv, from_set, &err), ARV_EINVAL);
    assert_true(strlen(err.msg) < sizeof err.msg);
    assert_null(strchr(err.msg, '\n'));
    arv_params_free(p);
}

/* Limits are printed with every digit (%g would show 4.29497e+09). */
static void test_range_message_digits(void **state)
{
    struct arv_params *p = new_registry_table();
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_params_set_value(p, "run.seed", "4294967296", from_set, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "--set run.seed = 4294967296 is out of range [0, 4294967295]");
    set_ok(p, "run.seed", "4294967295");
    assert_true(arv_params_int(p, "run.seed") == 4294967295LL);
    arv_error_init(&err);
    assert_int_equal(arv_params_set_value(p, "population.households", "2000001", from_set, &err),
                     ARV_EINVAL);
    assert_non_null(strstr(err.msg, "[1, 2000000] households"));
    arv_params_free(p);
}

/* ---- did you mean ------------------------------------------------------ */

static void test_unknown_path_suggestion(void **state)
{
    struct arv_params *p = new_registry_table();
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_params_set_value(p, "run.monts", "12", from_set, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "--set run.monts: unknown parameter (did you mean 'run.months'?)");
    arv_error_init(&err);
    struct arv_param_origin file = {"a.cfg", 3};
    assert_int_equal(arv_params_set_value(p, "run.sed", "1", file, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "a.cfg:3: run.sed: unknown parameter (did you mean 'run.seed'?)");

    assert_string_equal(arv_params_suggest(p, "run.monts"), "run.months");
    assert_string_equal(arv_params_suggest(p, "run.sed"), "run.seed");
    assert_string_equal(arv_params_suggest(p, "run.month"), "run.months");
    assert_string_equal(arv_params_suggest(p, "run.mnoths"), "run.months");
    assert_string_equal(arv_params_suggest(p, "test.p_upp"), "test.p_up");
    assert_string_equal(arv_params_suggest(p, "population.houshold"), "population.households");
    /* the right leaf in the wrong group */
    assert_string_equal(arv_params_suggest(p, "population.seed"), "run.seed");
    assert_string_equal(arv_params_suggest(p, "months"), "run.months");

    /* garbage gets no suggestion */
    static const char *const garbage[] = {"zzzzqqqq",     "x",   "", "qwertyuiop.asdfghjkl",
                                          "run.zzzzzzzz", "...."};
    for (size_t k = 0; k < sizeof garbage / sizeof garbage[0]; k++) {
        if (arv_params_suggest(p, garbage[k]) != NULL)
            fail_msg("'%s' got suggestion '%s'", garbage[k], arv_params_suggest(p, garbage[k]));
        arv_error_init(&err);
        assert_int_equal(arv_params_set_value(p, garbage[k], "1", from_set, &err), ARV_EINVAL);
        assert_non_null(strstr(err.msg, "unknown parameter"));
        assert_null(strstr(err.msg, "did you mean"));
    }
    /* a path longer than the edit distance's limit is handled */
    char longpath[300];
    memset(longpath, 'r', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    assert_null(arv_params_suggest(p, longpath));
    arv_error_init(&err);
    assert_int_equal(arv_params_set_value(p, longpath, "1", from_set, &err), ARV_EINVAL);
    assert_null(strchr(err.msg, '\n'));
    arv_params_free(p);
}

/* ---- --set ------------------------------------------------------------- */

static void set_assignment_bad(struct arv_params *p, const char *a, const char *phrase)
{
    struct arv_error err;
    arv_error_init(&err);
    int rc = arv_params_set(p, a, &err);
    if (rc == ARV_OK)
        fail_msg("--set '%.60s' accepted", a);
    assert_int_equal(err.status, ARV_EINVAL);
    if (strstr(err.msg, phrase) == NULL)
        fail_msg("--set '%.60s': message '%s' lacks '%s'", a, err.msg, phrase);
}

static void test_set_assignment(void **state)
{
    struct arv_params *p = new_registry_table();
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_params_set(p, "run.months=24", &err), ARV_OK);
    assert_int_equal(arv_params_int(p, "run.months"), 24);
    long k = arv_params_find(p, "run.months");
    assert_string_equal(p->values[k].origin.file, "--set");
    assert_int_equal(p->values[k].origin.line, 0);
    /* the value is everything after the first '=' */
    assert_int_equal(arv_params_set(p, "run.name=a=b", &err), ARV_OK);
    assert_string_equal(arv_params_str(p, "run.name"), "a=b");
    assert_int_equal(arv_params_set(p, "run.name=", &err), ARV_OK);
    assert_string_equal(arv_params_str(p, "run.name"), "");
    assert_int_equal(err.status, ARV_OK);

    set_assignment_bad(p, "run.months", "--set run.months: expected PATH=VALUE");
    set_assignment_bad(p, "", "expected PATH=VALUE");
    set_assignment_bad(p, "=5", "--set =5: expected PATH=VALUE");
    set_assignment_bad(p, "run.months=", "run.months expects an integer, got ''");
    set_assignment_bad(p, "run.months =5", "unknown parameter");
    set_assignment_bad(p, "run.monts=5", "did you mean 'run.months'?");
    set_assignment_bad(p, "run.months=abc", "--set run.months expects an integer, got 'abc'");
    set_assignment_bad(p, "run.months=0", "--set run.months = 0 is out of range [1, 1200] months");
    char longa[400];
    memset(longa, 'a', sizeof longa);
    strcpy(longa + 300, "=1");
    set_assignment_bad(p, longa, "--set: parameter path too long");
    /* 255 characters fit */
    memset(longa, 'a', 255);
    strcpy(longa + 255, "=1");
    set_assignment_bad(p, longa, "unknown parameter");
    assert_int_equal(arv_params_int(p, "run.months"), 24);
    arv_params_free(p);
}

/* ---- origins ----------------------------------------------------------- */

static void test_where(void **state)
{
    struct arv_params *p = new_table();
    char buf[256];
    assert_string_equal(arv_params_where(p, "g.count", buf, sizeof buf), "g.count (default)");
    struct arv_param_origin file = {"dir/x.cfg", 12};
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_params_set_value(p, "g.count", "4", file, &err), ARV_OK);
    assert_string_equal(arv_params_where(p, "g.count", buf, sizeof buf), "dir/x.cfg:12: g.count");
    set_ok(p, "g.count", "6");
    assert_string_equal(arv_params_where(p, "g.count", buf, sizeof buf), "--set g.count");
    /* small buffers are cut, not overrun */
    char small[8];
    assert_string_equal(arv_params_where(p, "g.count", small, sizeof small), "--set g");
    assert_string_equal(arv_params_where(p, "top", buf, sizeof buf), "top (default)");
    arv_params_free(p);
}

/* ---- resolved.cfg ------------------------------------------------------ */

static char tmpdir[] = "/tmp/arv-test-params-XXXXXX";

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int make_tmpdir(void **state)
{
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes p as resolved.cfg text into a new file; returns its path. */
static const char *write_cfg_file(const struct arv_params *p, const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(arv_params_write_cfg(p, f), ARV_OK);
    assert_int_equal(fclose(f), 0);
    return path;
}

static char *cfg_text(const struct arv_params *p)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_non_null(mem);
    assert_int_equal(arv_params_write_cfg(p, mem), ARV_OK);
    fclose(mem);
    return text;
}

/* Every value of a equals b's, exactly (doubles bit for bit). */
static void assert_same_values(const struct arv_params *a, const struct arv_params *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t k = 0; k < a->n; k++) {
        const struct arv_param_value *x = &a->values[k], *y = &b->values[k];
        const char *path = a->defs[k]->path;
        switch (a->defs[k]->type) {
        case ARV_PARAM_INT:
        case ARV_PARAM_BOOL:
            if (x->i != y->i)
                fail_msg("%s: %" PRId64 " came back as %" PRId64, path, x->i, y->i);
            break;
        case ARV_PARAM_DOUBLE:
            if (memcmp(&x->d, &y->d, sizeof(double)) != 0)
                fail_msg("%s: %.17g came back as %.17g", path, x->d, y->d);
            break;
        case ARV_PARAM_ENUM:
        case ARV_PARAM_STRING:
            if (strcmp(x->s, y->s) != 0)
                fail_msg("%s: '%s' came back as '%s'", path, x->s, y->s);
            break;
        }
    }
}

/* Writes p, loads the file into a fresh table and compares; the fresh
 * table written again gives the same text. */
static void round_trip(const struct arv_params *p)
{
    const char *path = write_cfg_file(p, "resolved.cfg");
    struct arv_params *q = new_table();
    struct arv_error err;
    arv_error_init(&err);
    if (arv_params_load(q, path, &err) != ARV_OK) {
        char *text = cfg_text(p);
        fail_msg("resolved.cfg does not load back: %s\n%s", err.msg, text);
    }
    assert_same_values(p, q);
    /* every value now comes from the file, with a line */
    for (size_t k = 0; k < q->n; k++) {
        assert_string_equal(q->values[k].origin.file, path);
        assert_true(q->values[k].origin.line > 0);
    }
    char *a = cfg_text(p), *b = cfg_text(q);
    assert_string_equal(a, b);
    free(a);
    free(b);
    arv_params_free(q);
}

static void test_write_cfg_defaults(void **state)
{
    struct arv_params *p = new_table();
    round_trip(p);
    char *text = cfg_text(p);
    /* groups nest, in path order */
    static const char expected[] = "g: {\n"
                                   "  count = 5;\n"
                                   "  flag = true;\n"
                                   "  label = \"hello\";\n"
                                   "  mode = \"fast\";\n"
                                   "  rate = 0.5;\n"
                                   "  sub: {\n"
                                   "    depth = 3;\n"
                                   "  };\n"
                                   "  wide = 0;\n"
                                   "  x = -2.5;\n"
                                   "};\n"
                                   "h: {\n"
                                   "  name = \"\";\n"
                                   "  sub: {\n"
                                   "    deep: {\n"
                                   "      leaf = 0.25;\n"
                                   "    };\n"
                                   "  };\n"
                                   "};\n"
                                   "top = 7;\n";
    assert_string_equal(text, expected);
    free(text);
    arv_params_free(p);
}

static void test_write_cfg_doubles(void **state)
{
    static const double values[] = {
        0.1,     1e-300,    123456789.123456789, -2.5,    -0.0,     0.0,
        1.0 / 3, 0.1 + 0.2, -1e300,              1e300,   DBL_MAX,  -DBL_MAX,
        DBL_MIN, 1e15,      1e16,                -7.0,    2.5e-5,   6.02214076e23,
        1e-5,    100.0,     4503599627370497.0,  123456789012345678.0};
    struct arv_params *p = new_table();
    long k = arv_params_find(p, "g.x");
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        p->values[k].d = values[i];
        round_trip(p);
    }
    arv_params_free(p);
}

static void test_write_cfg_ints(void **state)
{
    static const int64_t values[] = {0,           -1,          2147483647,         2147483648,
                                     -2147483648, -2147483649, 4294967297,         -4294967297,
                                     INT64_MAX,   INT64_MIN,   1000000000000000000};
    struct arv_params *p = new_table();
    long k = arv_params_find(p, "g.wide");
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        p->values[k].i = values[i];
        round_trip(p);
    }
    arv_params_free(p);
}

static void test_write_cfg_strings(void **state)
{
    static const char *const values[] = {
        "",
        "plain",
        "say \"hi\"",
        "back\\slash",
        "ends with a backslash \\",
        "\\\"",
        "\"",
        "\\",
        "\\n is not a newline",
        "a\nnew line and a\ttab",
        "Bodø, Tromsø – Æ",
        "/* not a comment */ # nor this // nor this",
        "@include \"not.cfg\"",
        "2147483648 and 1e400 are only text",
        "{ ( [ unbalanced",
        "semi; colon = equals",
    };
    struct arv_params *p = new_table();
    long k = arv_params_find(p, "g.label");
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        set_ok(p, "g.label", values[i]);
        round_trip(p);
        assert_string_equal(p->values[k].s, values[i]);
    }
    /* the longest string accepted, made only of characters that need
     * escaping, survives whole */
    char big[4097];
    for (int variant = 0; variant < 2; variant++) {
        memset(big, variant ? '\\' : '"', 4096);
        big[4096] = '\0';
        set_ok(p, "g.label", big);
        round_trip(p);
    }
    arv_params_free(p);
}

/* Every kind of value changed at once, including enums and bools. */
static void test_write_cfg_all_changed(void **state)
{
    struct arv_params *p = new_table();
    set_ok(p, "g.count", "99");
    set_ok(p, "g.wide", "-123456789012");
    set_ok(p, "g.rate", "0.1");
    set_ok(p, "g.x", "123456789.123456789");
    set_ok(p, "g.flag", "off");
    set_ok(p, "g.mode", "exact");
    set_ok(p, "g.label", "a \"quoted\" \\path\\");
    set_ok(p, "g.sub.depth", "10");
    set_ok(p, "h.sub.deep.leaf", "-1");
    set_ok(p, "h.name", "x");
    set_ok(p, "top", "0");
    round_trip(p);
    arv_params_free(p);
}

/* The registry's table survives too (the real resolved.cfg's shape). */
static void test_write_cfg_registry(void **state)
{
    struct arv_params *p = new_registry_table();
    set_ok(p, "run.seed", "4294967295");
    set_ok(p, "test.p_up", "0.123456789");
    set_ok(p, "run.name", "my \"run\"");
    const char *path = write_cfg_file(p, "registry.cfg");
    struct arv_params *q = new_registry_table();
    struct arv_error err;
    arv_error_init(&err);
    if (arv_params_load(q, path, &err) != ARV_OK)
        fail_msg("%s", err.msg);
    assert_same_values(p, q);
    char a[65], b[65];
    arv_params_sha256(p, a);
    arv_params_sha256(q, b);
    assert_string_equal(a, b);
    arv_params_free(q);
    arv_params_free(p);
}

/* ---- SHA-256 ----------------------------------------------------------- */

static bool is_hex64(const char *s)
{
    if (strlen(s) != 64)
        return false;
    for (const char *c = s; *c; c++)
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f')))
            return false;
    return true;
}

static void test_sha256(void **state)
{
    struct arv_params *p = new_table(), *q = new_table();
    char h1[65], h2[65], h3[65], h4[65];
    arv_params_sha256(p, h1);
    arv_params_sha256(p, h2);
    assert_true(is_hex64(h1));
    assert_string_equal(h1, h2);
    arv_params_sha256(q, h2); /* a separately built table */
    assert_string_equal(h1, h2);

    /* the hash is that of the resolved.cfg text */
    static const char empty_sha[] =
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_string_not_equal(h1, empty_sha);

    set_ok(p, "g.rate", "0.5000000000000001");
    arv_params_sha256(p, h3);
    assert_string_not_equal(h1, h3);
    set_ok(p, "g.rate", "0.5");
    arv_params_sha256(p, h3);
    assert_string_equal(h1, h3); /* where a value came from does not count */

    static const char *const changes[][2] = {
        {"g.count", "6"}, {"g.flag", "false"}, {"g.mode", "slow"}, {"g.label", "hello "},
        {"top", "8"},     {"h.name", "x"},     {"g.wide", "1"},    {"h.sub.deep.leaf", "-0.25"},
    };
    for (size_t k = 0; k < sizeof changes / sizeof changes[0]; k++) {
        struct arv_params *r = new_table();
        set_ok(r, changes[k][0], changes[k][1]);
        arv_params_sha256(r, h4);
        assert_true(is_hex64(h4));
        if (strcmp(h4, h1) == 0)
            fail_msg("changing %s left the hash unchanged", changes[k][0]);
        arv_params_free(r);
    }
    arv_params_free(q);
    arv_params_free(p);
}

/* ---- the listing views ------------------------------------------------- */

static char *view(const struct arv_params *p, bool markdown)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    assert_non_null(mem);
    if (markdown)
        arv_params_write_markdown(p, mem);
    else
        arv_params_write_list(p, mem);
    fclose(mem);
    return text;
}

static void test_list_and_markdown(void **state)
{
    struct arv_params *p = new_registry_table();
    char *list = view(p, false), *md = view(p, true);
    size_t lines = 0;
    for (const char *c = list; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, p->n);
    for (size_t k = 0; k < p->n; k++) {
        assert_non_null(strstr(list, p->defs[k]->path));
        char cell[128];
        snprintf(cell, sizeof cell, "| `%s` |", p->defs[k]->path);
        assert_non_null(strstr(md, cell));
    }
    assert_non_null(strstr(list, "[0 – 4294967295]"));
    assert_non_null(strstr(md, "## `run`"));
    assert_non_null(strstr(md, "## `test`"));
    assert_non_null(strstr(md, "*assumption*"));
    free(list);
    free(md);
    arv_params_free(p);
}

/* An alias is found, set, suggested and listed as its path, and never
 * written: resolved.cfg and the fingerprint are those of the path. */
static void test_aliases(void **state)
{
    (void)state;
    static const struct arv_param_alias aliases[] = {{"g.people", "g.count"},
                                                     {"h.leaf", "h.sub.deep.leaf"}};
    struct arv_params *p = new_table(), *q = new_table();
    arv_params_add_aliases(p, aliases, 2);
    assert_int_equal(arv_params_find(p, "g.people"), arv_params_find(p, "g.count"));
    assert_int_equal(arv_params_find(p, "h.leaf"), arv_params_find(p, "h.sub.deep.leaf"));
    assert_int_equal(arv_params_find(q, "g.people"), -1);
    set_ok(p, "g.people", "42");
    set_ok(p, "h.leaf", "-0.5");
    assert_int_equal(arv_params_int(p, "g.count"), 42);
    assert_true(arv_params_double(p, "h.sub.deep.leaf") == -0.5);
    set_ok(q, "g.count", "42");
    set_ok(q, "h.sub.deep.leaf", "-0.5");
    char *a = cfg_text(p), *b = cfg_text(q);
    assert_string_equal(a, b);
    free(a);
    free(b);
    char sha_p[65], sha_q[65];
    arv_params_sha256(p, sha_p);
    arv_params_sha256(q, sha_q);
    assert_string_equal(sha_p, sha_q);
    /* the range check is the path's, and a near miss suggests the alias */
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_params_set_value(p, "g.people", "101", from_set, &err), ARV_EINVAL);
    assert_non_null(strstr(err.msg, "g.people"));
    assert_string_equal(arv_params_suggest(p, "g.peeple"), "g.people");
    /* listed after the parameters, and kept by a clone */
    char *list = view(p, false), *md = view(p, true);
    assert_non_null(strstr(list, "alias of g.count"));
    assert_non_null(strstr(md, "| `h.leaf` | `h.sub.deep.leaf` |"));
    free(list);
    free(md);
    struct arv_params *c = arv_params_clone(p);
    assert_int_equal(arv_params_find(c, "h.leaf"), arv_params_find(c, "h.sub.deep.leaf"));
    arv_params_free(c);
    arv_params_free(p);
    arv_params_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_defaults),
        cmocka_unit_test(test_registry_defaults_in_range),
        cmocka_unit_test(test_set_int),
        cmocka_unit_test(test_set_double),
        cmocka_unit_test(test_set_bool),
        cmocka_unit_test(test_set_enum),
        cmocka_unit_test(test_set_string),
        cmocka_unit_test(test_error_prefixes),
        cmocka_unit_test(test_range_message_digits),
        cmocka_unit_test(test_unknown_path_suggestion),
        cmocka_unit_test(test_set_assignment),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_write_cfg_defaults),
        cmocka_unit_test(test_write_cfg_doubles),
        cmocka_unit_test(test_write_cfg_ints),
        cmocka_unit_test(test_write_cfg_strings),
        cmocka_unit_test(test_write_cfg_all_changed),
        cmocka_unit_test(test_write_cfg_registry),
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_list_and_markdown),
        cmocka_unit_test(test_aliases),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
