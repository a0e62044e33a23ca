/*
 * Calibration of the trial estimators: 2000 simulated trials shaped
 * like HOLF (29 offices, 15 treated, 20-32 families each, mean 26), a random
 * intercept with ICC 0.05, a baseline covariate, and no treatment effect.
 * Each valid estimator must reject at 5% within Monte Carlo error,
 * |rate - 0.05| <= 3 sqrt(0.05 * 0.95 / 2000), and its 95% interval must
 * cover 0 at least 93.7% of the time; naive OLS, which ignores a design
 * effect of about 1 + 25 * 0.05 = 2.25, must over-reject. Then 500 trials
 * with an effect: no estimator is biased, and all have power.
 */
#include "testing.h"

#include <gsl/gsl_randist.h>

#include "arv/estimators.h"
#include "arv/rng.h"

enum { SETS = 2000, G = 29, G1 = 15, MIN_SIZE = 20, MAX_SIZE = 32, BOOT = 199, PERM = 999 };
#define ICC 0.05

/* One trial: outcome = u_office + e + 0.5 x + effect t, Var(u) = ICC,
 * Var(e) = 1 - ICC. */
static size_t simulate(uint32_t set, double effect, double *y, double *x, int *t, int *c)
{
    struct arv_rng r;
    arv_rng_init(&r, 20261126u, 0);
    arv_rng_seek(&r, ARV_STREAM_TEST, set, 0);
    gsl_rng *g = arv_rng_gsl(&r);
    size_t n = 0;
    for (int k = 0; k < G; k++) {
        size_t m = MIN_SIZE + gsl_rng_uniform_int(g, MAX_SIZE - MIN_SIZE + 1);
        double u = gsl_ran_gaussian(g, sqrt(ICC));
        for (size_t i = 0; i < m; i++, n++) {
            x[n] = gsl_ran_gaussian(g, 1.0);
            t[n] = k < G1;
            y[n] = u + gsl_ran_gaussian(g, sqrt(1.0 - ICC)) + 0.5 * x[n] + effect * t[n];
            c[n] = k;
        }
    }
    return n;
}

static void test_null_calibration(void **state)
{
    static double y[G * MAX_SIZE], x[G * MAX_SIZE];
    static int t[G * MAX_SIZE], c[G * MAX_SIZE];
    struct arv_est_limits lim = {.n = G * MAX_SIZE, .p = 1, .G = G, .reps = PERM};
    struct arv_est_workspace *ws = arv_est_workspace_alloc(&lim);
    struct arv_est_options opt;
    arv_est_options_default(&opt);
    opt.boot_reps = BOOT;
    opt.perm_reps = PERM;
    opt.stream = ARV_STREAM_TEST;
    opt.seed = 1;

    int reject[ARV_EST_N] = {0}, cover[ARV_EST_N] = {0}, ok[ARV_EST_N] = {0};
    double icc_anova = 0, icc_reml = 0;
    for (uint32_t s = 0; s < SETS; s++) {
        size_t n = simulate(s, 0.0, y, x, t, c);
        struct arv_est_data d = {.n = n, .p = 1, .G = G, .y = y, .t = t, .c = c, .x = x};
        opt.trial = s;
        for (int m = 0; m < ARV_EST_N; m++) {
            struct arv_est_result r;
            if (!arv_estimate(ws, (enum arv_est_method)m, &d, &opt, &r))
                fail_msg("%s not estimable: %s", arv_est_name(m), r.reason);
            ok[m]++;
            reject[m] += r.p <= 0.05;
            cover[m] += r.lo <= 0 && 0 <= r.hi;
            if (m == ARV_EST_MIXED)
                icc_reml += r.icc;
        }
        struct arv_icc icc;
        assert_true(arv_est_icc(ws, &d, -1, &icc));
        icc_anova += icc.icc;
    }
    double tol = 3.0 * sqrt(0.05 * 0.95 / SETS);
    for (int m = 0; m < ARV_EST_N; m++) {
        double rate = (double)reject[m] / ok[m], cov = (double)cover[m] / ok[m];
        print_message("%-15s rejection %.4f  coverage %.4f\n", arv_est_name(m), rate, cov);
        if (m == ARV_EST_NAIVE_OLS) {
            if (!(rate > 0.10))
                fail_msg("naive_ols rejects at %.4f: it should over-reject", rate);
            continue;
        }
        if (!(fabs(rate - 0.05) <= tol))
            fail_msg("%s rejects at %.4f, not 0.05 +- %.4f", arv_est_name(m), rate, tol);
        if (!(cov >= 0.937))
            fail_msg("%s covers at %.4f < 0.937", arv_est_name(m), cov);
    }
    /* The ICC estimators recover their targets on average (sd of one
     * estimate about 0.02; truncation at 0 biases both upwards a little):
     * REML adjusts for x, so its target is 0.05; the ANOVA ICC is that of
     * the outcome itself, whose variance includes 0.5^2 from x: 0.05 / 1.25. */
    icc_anova /= SETS;
    icc_reml /= SETS;
    print_message("mean ICC: ANOVA %.4f (target 0.04), REML %.4f (target 0.05)\n", icc_anova,
                  icc_reml);
    assert_near(icc_anova, ICC / 1.25, 0.005);
    assert_near(icc_reml, ICC, 0.005);
    arv_est_workspace_free(ws);
}

/* With an effect of 0.25 (about 2.2 sd of the cluster_t estimate, power
 * near 0.55), every estimator is unbiased within 4 Monte Carlo sd and
 * rejects in more than 40% of 500 trials. The data sets are other than the
 * null test's, so the two checks are independent. */
static void test_effect(void **state)
{
    enum { EFF_SETS = 500 };
    const double effect = 0.25;
    static double y[G * MAX_SIZE], x[G * MAX_SIZE];
    static int t[G * MAX_SIZE], c[G * MAX_SIZE];
    struct arv_est_limits lim = {.n = G * MAX_SIZE, .p = 1, .G = G, .reps = PERM};
    struct arv_est_workspace *ws = arv_est_workspace_alloc(&lim);
    struct arv_est_options opt;
    arv_est_options_default(&opt);
    opt.boot_reps = BOOT;
    opt.perm_reps = PERM;
    opt.stream = ARV_STREAM_TEST;
    opt.seed = 2;
    double sum[ARV_EST_N] = {0}, sum2[ARV_EST_N] = {0};
    int reject[ARV_EST_N] = {0};
    for (uint32_t s = 0; s < EFF_SETS; s++) {
        size_t n = simulate(SETS + s, effect, y, x, t, c);
        struct arv_est_data d = {.n = n, .p = 1, .G = G, .y = y, .t = t, .c = c, .x = x};
        opt.trial = s;
        for (int m = 0; m < ARV_EST_N; m++) {
            struct arv_est_result r;
            if (!arv_estimate(ws, (enum arv_est_method)m, &d, &opt, &r))
                fail_msg("%s not estimable: %s", arv_est_name(m), r.reason);
            sum[m] += r.estimate;
            sum2[m] += r.estimate * r.estimate;
            reject[m] += r.p <= 0.05;
        }
    }
    for (int m = 0; m < ARV_EST_N; m++) {
        double mean = sum[m] / EFF_SETS, sd = sqrt(sum2[m] / EFF_SETS - mean * mean);
        double rate = (double)reject[m] / EFF_SETS;
        print_message("%-15s mean estimate %.4f (sd %.4f)  rejection %.3f\n", arv_est_name(m),
                      mean, sd, rate);
        if (!(fabs(mean - effect) <= 4.0 * sd / sqrt(EFF_SETS)))
            fail_msg("%s: mean estimate %.4f, effect %.2f", arv_est_name(m), mean, effect);
        if (!(rate > 0.40))
            fail_msg("%s rejects at %.3f with an effect", arv_est_name(m), rate);
    }
    arv_est_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_calibration),
        cmocka_unit_test(test_effect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
