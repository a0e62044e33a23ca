/*
 * Priors of calibrated parameters: sample moments per family within
 * k sd / sqrt(n), log densities against hand-computed values, validation,
 * and the scenario's calibration group parsed from a libconfig fixture with
 * errors that name the line.
 */
#include "testing.h"

#include <libconfig.h>
#include <string.h>

#include "arv/calibrate.h"

static struct arv_prior make(enum arv_prior_family f, double a, double b, double lo, double hi)
{
    struct arv_prior p;
    memset(&p, 0, sizeof p);
    strcpy(p.path, "x");
    p.family = f;
    p.a = a;
    p.b = b;
    p.lower = lo;
    p.upper = hi;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_prior_check(&p, &err), ARV_OK);
    return p;
}

/* n keyed draws: the mean within 4 sd / sqrt(n) of the law's mean, the
 * variance within 4 sd of its sampling distribution (estimated from the
 * sample's fourth central moment), every draw inside the support. */
static void check_moments(const struct arv_prior *p, double mean, double sd)
{
    enum { N = 40000 };
    static double x[N];
    struct arv_rng r;
    arv_rng_init(&r, 2026, 7);
    double m = 0;
    for (int i = 0; i < N; i++) {
        arv_rng_seek(&r, ARV_STREAM_TEST, (uint32_t)i, 0);
        x[i] = arv_prior_sample(p, &r);
        assert_true(x[i] >= p->lower && x[i] <= p->upper);
        assert_true(isfinite(arv_prior_logpdf(p, x[i])));
        m += x[i];
    }
    m /= N;
    double v = 0, m4 = 0;
    for (int i = 0; i < N; i++) {
        double d = x[i] - m;
        v += d * d;
        m4 += d * d * d * d;
    }
    v /= N - 1;
    m4 /= N;
    assert_near(m, mean, 4 * sd / sqrt(N));
    assert_near(v, sd * sd, 4 * sqrt((m4 - v * v) / N));
    assert_near(arv_prior_mean(p), mean, 1e-12);
    assert_near(arv_prior_sd(p), sd, 1e-12);
}

static void test_normal(void **state)
{
    struct arv_prior p = make(ARV_PRIOR_NORMAL, 1, 2, NAN, NAN);
    check_moments(&p, 1, 2);
    /* truncated to [-4, 0]: moments by hand (mean mu + s (phi(a) - phi(b)) / Z) */
    p = make(ARV_PRIOR_NORMAL, -1.6, 0.5, -4, 0);
    check_moments(&p, -1.6011908826966281, 0.4980815610235545);
    /* half normal */
    p = make(ARV_PRIOR_NORMAL, 0, 1, 0, NAN);
    check_moments(&p, 0.7978845608028654, 0.6028102749890869);
}

static void test_other_families(void **state)
{
    struct arv_prior p = make(ARV_PRIOR_LOGNORMAL, 0.5, 0.25, 0, 0);
    check_moments(&p, exp(0.5 + 0.25 * 0.25 / 2),
                  sqrt((exp(0.0625) - 1) * exp(1 + 0.0625)));
    p = make(ARV_PRIOR_UNIFORM, -2, 1, 0, 0);
    check_moments(&p, -0.5, 3 / sqrt(12.0));
    p = make(ARV_PRIOR_BETA, 2, 8, 0, 0);
    check_moments(&p, 0.2, sqrt(16.0 / (100 * 11)));
}

static void test_log_densities(void **state)
{
    struct arv_prior p = make(ARV_PRIOR_NORMAL, 1, 2, NAN, NAN);
    assert_near(arv_prior_logpdf(&p, 2), -1.737085713764618, 1e-13);
    p = make(ARV_PRIOR_NORMAL, 0, 1, 0, NAN); /* half normal: 2 phi(x) */
    assert_near(arv_prior_logpdf(&p, 0.5), -0.3507913526447273, 1e-13);
    assert_true(isinf(arv_prior_logpdf(&p, -0.1)));
    p = make(ARV_PRIOR_LOGNORMAL, 0, 1, 0, 0);
    assert_near(arv_prior_logpdf(&p, M_E), -2.4189385332046727, 1e-13);
    assert_true(isinf(arv_prior_logpdf(&p, 0)));
    p = make(ARV_PRIOR_UNIFORM, -2, 1, 0, 0);
    assert_near(arv_prior_logpdf(&p, 0), -1.0986122886681098, 1e-15);
    assert_true(isinf(arv_prior_logpdf(&p, 1.5)));
    p = make(ARV_PRIOR_BETA, 2, 8, 0, 0); /* 72 x (1 - x)^7 */
    assert_near(arv_prior_logpdf(&p, 0.25), 0.8765972507336982, 1e-13);
    assert_true(isinf(arv_prior_logpdf(&p, 1.0)));
}

static void test_validation(void **state)
{
    struct arv_error err;
    struct arv_prior p = {.path = "work.x", .family = ARV_PRIOR_NORMAL, .a = 0, .b = 0};
    arv_error_init(&err);
    assert_int_equal(arv_prior_check(&p, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "prior of work.x: sd must be > 0, got 0");
    p = (struct arv_prior){.path = "u", .family = ARV_PRIOR_UNIFORM, .a = 1, .b = 1};
    arv_error_init(&err);
    assert_int_equal(arv_prior_check(&p, &err), ARV_EINVAL);
    assert_non_null(strstr(err.msg, "min (1) must be below max (1)"));
    p = (struct arv_prior){.path = "b", .family = ARV_PRIOR_BETA, .a = 2, .b = -1};
    arv_error_init(&err);
    assert_int_equal(arv_prior_check(&p, &err), ARV_EINVAL);
    assert_non_null(strstr(err.msg, "alpha and beta must be > 0"));
}

static config_t cfg;

static const config_setting_t *group(const char *name)
{
    const config_setting_t *g = config_lookup(&cfg, name);
    assert_non_null(g);
    return g;
}

static void test_parse_good(void **state)
{
    struct arv_calib_config c;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_config_parse(group("calibration"), "priors.cfg", &c, &err), ARV_OK);
    assert_int_equal(c.settings.method, ARV_CALIB_ABC_SMC);
    assert_int_equal(c.settings.particles, 300);
    assert_int_equal(c.settings.generations, 6);
    assert_int_equal(c.settings.budget, 50000);
    assert_near(c.settings.discrepancy, 0.05, 0);
    assert_near(c.settings.quantile, 0.4, 0);
    assert_true(c.settings.observation_noise);
    assert_int_equal(c.n_priors, 4);
    assert_string_equal(c.priors[0].path, "work.beta.somalia");
    assert_int_equal(c.priors[0].family, ARV_PRIOR_NORMAL);
    assert_near(c.priors[0].a, -1.6, 0);
    assert_near(c.priors[0].b, 0.5, 0);
    assert_near(c.priors[0].lower, -4, 0);
    assert_near(c.priors[0].upper, 0, 0);
    assert_int_equal(c.priors[0].line, 11);
    assert_int_equal(c.priors[1].family, ARV_PRIOR_LOGNORMAL);
    assert_true(c.priors[1].lower == 0 && isinf(c.priors[1].upper));
    assert_int_equal(c.priors[2].family, ARV_PRIOR_UNIFORM); /* integer bounds accepted */
    assert_near(c.priors[2].lower, -2, 0);
    assert_near(c.priors[2].upper, 1, 0);
    assert_int_equal(c.priors[3].family, ARV_PRIOR_BETA);
    assert_near(c.priors[3].a, 2, 0);
    assert_near(c.priors[3].b, 8, 0);
    arv_calib_config_free(&c);
}

static void test_parse_settings(void **state)
{
    struct arv_calib_config c;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_config_parse(group("other_settings"), "priors.cfg", &c, &err),
                     ARV_OK);
    assert_int_equal(c.settings.method, ARV_CALIB_SMM);
    assert_int_equal(c.settings.smm_max_iter, 500);
    assert_near(c.settings.smm_rel_tol, 1e-4, 0);
    assert_near(c.settings.min_tolerance, 0.5, 0);
    assert_near(c.settings.tolerance, 2, 0);
    /* defaults for what the group leaves out */
    assert_int_equal(c.settings.particles, 500);
    assert_int_equal(c.settings.generations, 10);
    assert_near(c.settings.quantile, 0.5, 0);
    assert_false(c.settings.observation_noise);
    assert_int_equal(c.n_priors, 1);
    assert_near(c.priors[0].a, 1, 0); /* integers accepted as numbers */
    arv_calib_config_free(&c);
}

static void expect_parse_error(const char *name, const char *msg)
{
    struct arv_calib_config c;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_config_parse(group(name), "priors.cfg", &c, &err), ARV_EINVAL);
    if (strcmp(err.msg, msg) != 0)
        fail_msg("%s: got '%s', expected '%s'", name, err.msg, msg);
    assert_null(c.priors);
}

static void test_parse_errors(void **state)
{
    expect_parse_error("bad_family", "priors.cfg:20: b: unknown prior 'gamma' (normal, "
                                     "lognormal, uniform, beta)");
    expect_parse_error("bad_sd", "priors.cfg:25: prior of a: sd must be > 0, got -1");
    expect_parse_error("missing_param", "priors.cfg:31: a: a beta prior needs beta");
    expect_parse_error("extra_param", "priors.cfg:37: a: 'mean' is not a parameter of a "
                                      "lognormal prior (meanlog, sdlog)");
    expect_parse_error("duplicate_path", "priors.cfg:43: a already has a prior (line 42)");
    expect_parse_error("unknown_setting", "priors.cfg:47: unknown calibration setting 'particle'");
    expect_parse_error("bad_method",
                       "priors.cfg:51: method must be \"abc-smc\", \"rejection\" or \"smm\"");
    expect_parse_error("rejection", "priors.cfg:67: particles must be between 2 and 1000000000");
    expect_parse_error("empty_truncation", "priors.cfg:55: prior of a: the truncation [50, 60] "
                                           "has no prior mass");
}

static int setup(void **state)
{
    config_init(&cfg);
    if (config_read_file(&cfg, FIXTURE("calibration/priors.cfg")) != CONFIG_TRUE) {
        fprintf(stderr, "priors.cfg:%d: %s\n", config_error_line(&cfg), config_error_text(&cfg));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    config_destroy(&cfg);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal),
        cmocka_unit_test(test_other_families),
        cmocka_unit_test(test_log_densities),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_settings),
        cmocka_unit_test(test_parse_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
