/*
 * The calibration targets file: a good file read cell by cell, and every
 * kind of bad line reported as "FILE: line L, column C (name): reason".
 */
#include "testing.h"

#include <string.h>

#include "arv/calibrate.h"

static const char *const metrics[] = {"employed", "sa_receipt", "low_income", NULL};
static const char *const groups[] = {"all", "somalia", NULL};

static void test_good_file(void **state)
{
    struct arv_target_names names = {metrics, groups, NULL, NULL, NULL};
    struct arv_targets t;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_targets_read(FIXTURE("calibration/targets_good.csv"), &names, &t, &err),
                     ARV_OK);
    assert_int_equal(t.n, 5);
    assert_string_equal(t.t[0].id, "E1");
    assert_int_equal(t.t[0].kind, ARV_TARGET_LEVEL);
    assert_int_equal(t.t[0].time_kind, ARV_TIME_MONTH);
    assert_int_equal(t.t[0].time, 12);
    assert_near(t.t[0].value, 0.31, 0);
    assert_near(t.t[0].se, 0.02, 0);
    assert_false(t.t[0].se_missing);
    assert_int_equal(t.t[0].line, 2);
    assert_string_equal(t.t[1].group, "somalia");
    assert_string_equal(t.t[1].source, "SSB, table 2");
    assert_int_equal(t.t[2].time_kind, ARV_TIME_AGE);
    assert_int_equal(t.t[2].time, 20);
    assert_true(t.t[2].se_missing);
    assert_near(t.t[2].se, 0, 0);
    assert_int_equal(t.t[3].kind, ARV_TARGET_TRIAL_EFFECT);
    assert_int_equal(t.t[4].kind, ARV_TARGET_TRIAL_NULL);
    assert_int_equal(t.t[4].time_kind, ARV_TIME_TOTAL);
    assert_int_equal(t.t[4].line, 6);
    arv_targets_free(&t);
}

/* Names may also come from predicates (e.g. the model's metric table). */
static bool starts_with_e_or_s(void *ctx, const char *name)
{
    (void)ctx;
    return name[0] == 'e' || name[0] == 's' || name[0] == 'l';
}

static void test_predicates(void **state)
{
    struct arv_target_names names = {NULL, NULL, starts_with_e_or_s, starts_with_e_or_s, NULL};
    struct arv_targets t;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_targets_read(FIXTURE("calibration/targets_good.csv"), &names, &t, &err),
                     ARV_EINVAL);
    assert_non_null(strstr(err.msg, "line 2, column 4 (group): unknown group 'all'"));
}

static void expect_error(const char *fixture, const char *where)
{
    struct arv_target_names names = {metrics, groups, NULL, NULL, NULL};
    struct arv_targets t;
    struct arv_error err;
    arv_error_init(&err);
    char path[512];
    snprintf(path, sizeof path, "%s/calibration/%s", ARV_FIXTURES, fixture);
    assert_int_equal(arv_targets_read(path, &names, &t, &err), ARV_EINVAL);
    if (strstr(err.msg, where) == NULL || strstr(err.msg, fixture) == NULL)
        fail_msg("%s: got '%s', expected it to contain '%s'", fixture, err.msg, where);
    assert_null(strchr(err.msg, '\n'));
    assert_null(t.t);
}

static void test_bad_lines(void **state)
{
    expect_error("bad_header.csv", ": line 1, column 5 (time): the header must be exactly");
    expect_error("bad_kind.csv", ": line 3, column 2 (kind): unknown kind 'levle'");
    expect_error("bad_metric.csv", ": line 3, column 3 (metric): unknown metric 'employd'");
    expect_error("bad_group.csv", ": line 3, column 4 (group): unknown group 'somali'");
    expect_error("bad_number.csv", ": line 4, column 6 (value): not a finite number: '0.3x'");
    expect_error("bad_time.csv", ": line 3, column 5 (time): bad time 'month12'");
    expect_error("bad_age.csv", ": line 2, column 5 (time): bad age 'age:x'");
    expect_error("missing_value.csv", ": line 3, column 6 (value): missing value");
    expect_error("duplicate_id.csv", ": line 4, column 1 (id): duplicate id 'E1' (first on line 2)");
    expect_error("bad_fields.csv", ": line 3, column 8: 7 fields, the header has 8");
    expect_error("bad_quote.csv", ": line 3: bad quoting: a quote inside an unquoted field");
    expect_error("bad_se.csv", ": line 2, column 7 (se): not a number >= 0: '-0.02'");
    /* file lines, not records: CR LF endings, blank lines, a quoted field
     * over two lines */
    expect_error("bad_kind_blank_lines.csv", ": line 6, column 2 (kind): unknown kind 'levle'");
}

static void test_missing_file(void **state)
{
    struct arv_targets t;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_targets_read(FIXTURE("calibration/nonexistent.csv"), NULL, &t, &err),
                     ARV_EIO);
    assert_non_null(strstr(err.msg, "nonexistent.csv: cannot open"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_predicates),
        cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
