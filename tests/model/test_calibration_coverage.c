/*
 * Coverage of ABC-SMC credible intervals. 200 replicate calibrations of the
 * conjugate normal toy (theta ~ N(0, 1), ybar ~ N(theta, 0.5^2)), each with
 * its own seed, a true theta drawn from the prior and data simulated from
 * it: the 90% credible interval (weighted 5% and 95% quantiles of the
 * particles) must cover the truth in 86.5-93.5% of them (about 90% +- 2.3
 * binomial sd). Small runs (200 particles, 5 generations) keep it fast.
 */
#include "testing.h"

#include "calibration_toys.h"

enum { CALIBRATIONS = 200 };

static void test_coverage(void **state)
{
    const double s_noise = 0.5;
    struct toy_normal toy = {s_noise};
    struct arv_prior prior = toy_prior("theta", ARV_PRIOR_NORMAL, 0, 1);
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.particles = 200;
    s.generations = 5;
    s.threads = 1; /* many small runs: threads would only add overhead */
    int covered = 0, covered50 = 0;
    for (int c = 0; c < CALIBRATIONS; c++) {
        struct arv_rng r;
        arv_rng_init(&r, 4242, (uint32_t)c);
        arv_rng_seek(&r, ARV_STREAM_TEST, 0, 0);
        double truth = gsl_ran_ugaussian(arv_rng_gsl(&r));
        double ybar = truth + s_noise * gsl_ran_ugaussian(arv_rng_gsl(&r));
        struct arv_target target = toy_target("ybar", ybar, s_noise);
        struct arv_targets targets = {&target, 1};
        struct arv_calib_problem pb = {&prior, 1, &targets, toy_normal_simulate, &toy, true};
        s.seed = 1000 + (uint32_t)c;
        struct arv_calib_result res;
        struct arv_error err;
        arv_error_init(&err);
        assert_int_equal(arv_calib_run(&pb, &s, &res, &err), ARV_OK);
        double lo = arv_calib_quantile(&res, 0, 0.05), hi = arv_calib_quantile(&res, 0, 0.95);
        covered += truth >= lo && truth <= hi;
        lo = arv_calib_quantile(&res, 0, 0.25);
        hi = arv_calib_quantile(&res, 0, 0.75);
        covered50 += truth >= lo && truth <= hi;
        arv_calib_result_free(&res);
    }
    double rate = (double)covered / CALIBRATIONS, rate50 = (double)covered50 / CALIBRATIONS;
    printf("90%% intervals cover the truth in %.1f%%, 50%% intervals in %.1f%% of %d "
           "calibrations\n",
           100 * rate, 100 * rate50, CALIBRATIONS);
    assert_true(rate >= 0.865 && rate <= 0.935);
    /* 50% intervals: 50% +- 3.5 sd (sd 3.5%) */
    assert_true(rate50 >= 0.38 && rate50 <= 0.62);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
