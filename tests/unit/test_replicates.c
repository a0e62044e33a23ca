/* Statistics across replicates: known answers, NaN handling, strides. */
#include "testing.h"

#include "arv/replicates.h"

static void test_known_answer(void **state)
{
    /* 1..5: mean 3, sd sqrt(2.5); GSL's quantile interpolates at
     * (n - 1) f: 0.1 -> 1.1 and 3.9 -> 4.9 */
    const double x[] = {5, 1, 4, 2, 3};
    double scratch[5];
    struct arv_rep_stats s;
    arv_rep_stats(x, 5, 1, scratch, &s);
    assert_int_equal(s.reps, 5);
    assert_near(s.mean, 3.0, 1e-15);
    assert_near(s.sd, sqrt(2.5), 1e-15);
    assert_near(s.lo, 1.1, 1e-15);
    assert_near(s.hi, 4.9, 1e-15);
}

/* Undefined replicates (NaN) are left out and counted out; values are read
 * with a stride, as result arrays store them. */
static void test_nan_and_stride(void **state)
{
    const double x[] = {1, -1, NAN, -1, 3, -1};
    double scratch[3];
    struct arv_rep_stats s;
    arv_rep_stats(x, 3, 2, scratch, &s);
    assert_int_equal(s.reps, 2);
    assert_near(s.mean, 2.0, 1e-15);
    assert_near(s.sd, sqrt(2.0), 1e-15);
}

/* One replicate: no sd, the interval collapses to the value; none: all NaN. */
static void test_one_and_none(void **state)
{
    const double one[] = {7.5}, none[] = {NAN, NAN};
    double scratch[2];
    struct arv_rep_stats s;
    arv_rep_stats(one, 1, 1, scratch, &s);
    assert_int_equal(s.reps, 1);
    assert_true(isnan(s.sd));
    assert_near(s.lo, 7.5, 0);
    assert_near(s.hi, 7.5, 0);
    arv_rep_stats(none, 2, 1, scratch, &s);
    assert_int_equal(s.reps, 0);
    assert_true(isnan(s.mean) && isnan(s.lo) && isnan(s.hi));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_nan_and_stride),
        cmocka_unit_test(test_one_and_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
