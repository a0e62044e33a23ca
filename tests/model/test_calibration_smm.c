/*
 * Simulated method of moments and its identifiability report.
 *   - statistics that depend on a b only: one singular value is (near) zero
 *     and its direction is the tangent of a b = const; neither parameter
 *     gets a standard error
 *   - statistics a + b and a - b: both directions identified, the truth
 *     recovered within 4 reported standard errors, and the reported
 *     standard error equal to the analytic one
 *   - a third parameter the statistics ignore: reported as not pinned down
 *     while the other two are
 * Common random numbers: every evaluation uses the same seed, so the
 * objective is a smooth function of the parameters.
 */
#include "testing.h"

#include <string.h>

#include "calibration_toys.h"

/* (a b, (a b)^2) plus fixed-seed noise of sd s */
static int product_simulate(void *ctx, const double *theta, uint32_t sim_seed,
                            struct arv_calib_sim *out, struct arv_error *err)
{
    const struct toy_normal *t = ctx;
    struct arv_rng r;
    arv_rng_init(&r, sim_seed, 0);
    arv_rng_seek(&r, ARV_STREAM_TEST, 0, 0);
    double ab = theta[0] * theta[1];
    out->stat[0] = ab + t->s * gsl_ran_ugaussian(arv_rng_gsl(&r));
    out->stat[1] = ab * ab + t->s * gsl_ran_ugaussian(arv_rng_gsl(&r));
    return ARV_OK;
}

static void test_product_not_identified(void **state)
{
    struct toy_normal toy = {0.01};
    struct arv_prior pr[2] = {toy_prior("a", ARV_PRIOR_NORMAL, 1.0, 0.5),
                              toy_prior("b", ARV_PRIOR_NORMAL, 2.0, 0.8)};
    struct arv_target t[2] = {toy_target("ab", 2.5, 0.1), toy_target("ab2", 6.25, 0.4)};
    struct arv_targets ts = {t, 2};
    struct arv_calib_problem pb = {pr, 2, &ts, product_simulate, &toy, false};
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.method = ARV_CALIB_SMM;
    struct arv_smm_result r;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_smm_run(&pb, &s, &r, &err), ARV_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    arv_smm_write_report(m, &pb, &r);
    fclose(m);
    printf("%s", buf);
    double a = r.theta[0], b = r.theta[1];
    assert_true(r.converged);
    assert_near(a * b, 2.5, 0.05); /* on the ridge a b = 2.5 (up to the noise) */
    assert_int_equal(r.rank, 1);
    assert_true(r.identified[0]);
    assert_false(r.identified[1]);
    assert_true(r.singular[1] < 1e-4 * r.singular[0]);
    /* null direction in prior-sd units: b sd_a u_a + a sd_b u_b = 0 */
    double va = a * 0.8, vb = -b * 0.5, n = sqrt(va * va + vb * vb);
    double cosine = (r.directions[0 * 2 + 1] * va + r.directions[1 * 2 + 1] * vb) / n;
    assert_near(fabs(cosine), 1, 1e-6);
    assert_true(isnan(r.se[0]) && isnan(r.se[1]));
    assert_non_null(strstr(buf, "NOT IDENTIFIED"));
    assert_non_null(strstr(buf, "a = "));
    assert_non_null(strstr(buf, "(not identified by the targets)"));
    assert_non_null(strstr(buf, "the targets pin down 1 of 2 parameter directions"));
    free(buf);
    arv_smm_result_free(&r);
}

static void test_sum_diff_identified(void **state)
{
    const double a0 = 0.7, b0 = -0.4, se = 0.05;
    struct toy_normal toy = {se}; /* the simulation noise has the targets' se */
    struct arv_prior pr[2] = {toy_prior("a", ARV_PRIOR_NORMAL, 0, 1),
                              toy_prior("b", ARV_PRIOR_UNIFORM, -2, 2)};
    struct arv_target t[2] = {toy_target("sum", a0 + b0, se), toy_target("diff", a0 - b0, se)};
    struct arv_targets ts = {t, 2};
    struct arv_calib_problem pb = {pr, 2, &ts, toy_sum_diff_simulate, &toy, false};
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.method = ARV_CALIB_SMM;
    s.seed = 99;
    struct arv_smm_result r;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_smm_run(&pb, &s, &r, &err), ARV_OK);
    arv_smm_write_report(stdout, &pb, &r);
    assert_true(r.converged);
    assert_int_equal(r.rank, 2);
    assert_true(r.identified[0] && r.identified[1]);
    assert_true(r.objective < 1e-8); /* two equations, two unknowns */
    /* a = (sum + diff) / 2: se sqrt(2) se / 2 */
    assert_near(r.se[0], se / sqrt(2), 1e-6);
    assert_near(r.se[1], se / sqrt(2), 1e-6);
    assert_near(r.theta[0], a0, 4 * r.se[0]);
    assert_near(r.theta[1], b0, 4 * r.se[1]);
    /* the Jacobian in prior sd units: d sum / d u_b = sd_b / se */
    assert_near(r.jacobian[0 * 2 + 1], (4 / sqrt(12.0)) / se, 1e-6);
    arv_smm_result_free(&r);
}

/* theta[2] is ignored by the statistics. */
static int ignores_c(void *ctx, const double *theta, uint32_t sim_seed,
                     struct arv_calib_sim *out, struct arv_error *err)
{
    return toy_sum_diff_simulate(ctx, theta, sim_seed, out, err);
}

static void test_unpinned_parameter(void **state)
{
    struct toy_normal toy = {0.05};
    struct arv_prior pr[3] = {toy_prior("a", ARV_PRIOR_NORMAL, 0, 1),
                              toy_prior("b", ARV_PRIOR_NORMAL, 0, 1),
                              toy_prior("c", ARV_PRIOR_NORMAL, 0, 1)};
    struct arv_target t[2] = {toy_target("sum", 0.3, 0.05), toy_target("diff", 1.1, 0.05)};
    struct arv_targets ts = {t, 2};
    struct arv_calib_problem pb = {pr, 3, &ts, ignores_c, &toy, false};
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    struct arv_smm_result r;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_smm_run(&pb, &s, &r, &err), ARV_OK);
    arv_smm_write_report(stdout, &pb, &r);
    assert_int_equal(r.rank, 2);
    assert_false(r.identified[2]);
    assert_near(r.singular[2], 0, 1e-9);
    assert_near(fabs(r.directions[2 * 3 + 2]), 1, 1e-9); /* the direction is c alone */
    assert_true(isfinite(r.se[0]) && isfinite(r.se[1]) && isnan(r.se[2]));
    arv_smm_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_product_not_identified),
        cmocka_unit_test(test_sum_diff_identified),
        cmocka_unit_test(test_unpinned_parameter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
