/*
 * ABC rejection and ABC-SMC against a known posterior.
 *
 * Conjugate normal: theta ~ N(0, 1); the data are the mean of n
 * observations with known sd, ybar ~ N(theta, s^2) with s = 0.1. The
 * posterior is N(ybar / (1 + s^2), s^2 / (1 + s^2)). The model simulates
 * the statistic with the same noise as the likelihood (theta + s z), so the
 * ABC posterior tends to the exact posterior as the tolerance goes to 0; at
 * tolerance eps (in units of se = s) the ABC likelihood is the normal one
 * convolved with a uniform of half-width eps s, which widens the posterior
 * variance by a factor below 1 + eps^2 / 3 (0.3% at the tolerances here).
 * Means are compared within 4 Monte Carlo SE (sqrt(posterior var / ESS)),
 * variances by their ratio (0.85 - 1.15).
 */
#include "testing.h"

#include <gsl/gsl_cdf.h>
#include <stdlib.h>

#include "calibration_toys.h"

enum { N = 1000 };
static const double S = 0.1, YBAR = 1.0;
#define POST_MEAN (YBAR / (1 + S * S))
#define POST_VAR (S * S / (1 + S * S))

struct fixture {
    struct toy_normal toy;
    struct arv_prior prior;
    struct arv_target target;
    struct arv_targets targets;
    struct arv_calib_problem pb;
};

static void setup_problem(struct fixture *f, double noise, double se)
{
    f->toy.s = noise;
    f->prior = toy_prior("theta", ARV_PRIOR_NORMAL, 0, 1);
    f->target = toy_target("ybar", YBAR, se);
    f->targets = (struct arv_targets){&f->target, 1};
    f->pb = (struct arv_calib_problem){&f->prior, 1, &f->targets, toy_normal_simulate, &f->toy,
                                       true};
}

/* The fit.csv row of the one target: simulated mean, lo, hi, z and ppp. */
struct fit_row {
    double mean, lo, hi, z, ppp;
};

static struct fit_row fit_of(const struct fixture *f, const struct arv_calib_settings *s,
                             const struct arv_calib_result *r,
                             const struct arv_calib_predictive *pred)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mf = open_memstream(&buf, &len);
    arv_calib_write_fit(mf, &f->pb, s, r, pred);
    fclose(mf);
    double obs, se;
    struct fit_row x;
    const char *row = strchr(buf, '\n') + 1;
    assert_int_equal(sscanf(row, "ybar,m,all,,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &obs, &se, &x.mean,
                            &x.lo, &x.hi, &x.z, &x.ppp),
                     7);
    free(buf);
    return x;
}

/* ABC-SMC with N particles over 8 generations, on one thread. */
static struct arv_calib_settings smc_settings(uint32_t seed)
{
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.threads = 1;
    s.particles = N;
    s.generations = 8;
    s.seed = seed;
    return s;
}

static double ess_of(const struct arv_calib_result *r)
{
    return r->gen[r->n_gen - 1].ess;
}

static void check_posterior(const struct arv_calib_result *r, double mean, double var,
                            const char *what)
{
    double m, v;
    arv_calib_moments(r, 0, &m, &v);
    double mcse = sqrt(var / ess_of(r));
    printf("%s: mean %.4f (expected %.4f, MCSE %.4f), variance ratio %.3f, ESS %.0f, "
           "%ld simulations, final tolerance %.3f\n",
           what, m, mean, mcse, v / var, ess_of(r), r->simulations,
           r->gen[r->n_gen - 1].tolerance);
    assert_near(m, mean, 4 * mcse);
    assert_true(v / var > 0.85 && v / var < 1.15);
}

/* SMC reaches a small tolerance; rejection at that same tolerance gives the
 * same posterior with more than twice the simulations. */
static void test_known_posterior(void **state)
{
    struct fixture f;
    setup_problem(&f, S, S);
    struct arv_calib_settings s = smc_settings(11);
    struct arv_calib_result smc, rej;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &s, &smc, &err), ARV_OK);
    assert_int_equal(smc.n_gen, 8);
    double eps = smc.gen[7].tolerance;
    assert_true(eps < 0.2);
    for (int g = 1; g < 8; g++) /* the tolerance shrinks, the ESS stays healthy */
        assert_true(smc.gen[g].tolerance < smc.gen[g - 1].tolerance && smc.gen[g].ess > N / 4);
    check_posterior(&smc, POST_MEAN, POST_VAR, "abc-smc");

    s.method = ARV_CALIB_REJECTION;
    s.tolerance = eps;
    s.seed = 12;
    assert_int_equal(arv_calib_run(&f.pb, &s, &rej, &err), ARV_OK);
    check_posterior(&rej, POST_MEAN, POST_VAR, "rejection");
    assert_near(ess_of(&rej), N, 1e-9);
    for (int g = 0; g < smc.n_gen; g++)
        printf("  generation %d: tolerance %.4f, ESS %.0f, %ld simulations\n", g,
               smc.gen[g].tolerance, smc.gen[g].ess, smc.gen[g].simulations);
    assert_true(2 * smc.simulations < rej.simulations);
    arv_calib_result_free(&smc);
    arv_calib_result_free(&rej);
}

/* Rejection keeping the N closest of a budget of draws. */
static void test_rejection_closest(void **state)
{
    struct fixture f;
    setup_problem(&f, S, S);
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.threads = 1;
    s.method = ARV_CALIB_REJECTION;
    s.particles = N;
    s.budget = 60000;
    s.seed = 5;
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &s, &r, &err), ARV_OK);
    assert_int_equal(r.simulations, 60000);
    for (size_t i = 0; i < N; i++)
        assert_true(r.distance[i] <= r.gen[0].tolerance);
    check_posterior(&r, POST_MEAN, POST_VAR, "rejection, closest");
    arv_calib_result_free(&r);
}

/* A deterministic model with observation noise added by the engine (noisy
 * ABC): N(0, se^2) noise on the statistic is the likelihood, so the same
 * posterior is recovered. */
static void test_observation_noise(void **state)
{
    struct fixture f;
    setup_problem(&f, 0, S);
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.threads = 1;
    s.particles = N;
    s.generations = 7;
    s.observation_noise = true;
    s.seed = 3;
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &s, &r, &err), ARV_OK);
    check_posterior(&r, POST_MEAN, POST_VAR, "abc-smc, observation noise");
    arv_calib_result_free(&r);
}

/* A flat target (se 1e6) leaves the prior N(0, 1): rejection at a tolerance
 * of one se accepts everything, SMC with observation noise keeps the prior
 * however small the tolerance gets. */
static void test_flat_target(void **state)
{
    struct fixture f;
    setup_problem(&f, 0, 1e6);
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.threads = 1;
    s.method = ARV_CALIB_REJECTION;
    s.particles = N;
    s.tolerance = 1;
    s.seed = 8;
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &s, &r, &err), ARV_OK);
    assert_int_equal(r.simulations, N);
    check_posterior(&r, 0, 1, "flat target, rejection");
    arv_calib_result_free(&r);

    s.method = ARV_CALIB_ABC_SMC;
    s.generations = 5;
    s.observation_noise = true;
    assert_int_equal(arv_calib_run(&f.pb, &s, &r, &err), ARV_OK);
    check_posterior(&r, 0, 1, "flat target, abc-smc");
    arv_calib_result_free(&r);
}

/* The tolerance floor stops SMC; the budget stops it with the last complete
 * generation as the result. */
static void test_stopping(void **state)
{
    struct fixture f;
    setup_problem(&f, S, S);
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.threads = 1;
    s.particles = 200;
    s.generations = 50;
    s.min_tolerance = 0.5;
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &s, &r, &err), ARV_OK);
    assert_true(r.n_gen < 50);
    assert_near(r.gen[r.n_gen - 1].tolerance, 0.5, 0);
    assert_true(r.gen[r.n_gen - 2].tolerance > 0.5);
    arv_calib_result_free(&r);

    s.min_tolerance = 0;
    s.budget = 3000;
    assert_int_equal(arv_calib_run(&f.pb, &s, &r, &err), ARV_OK);
    assert_true(r.budget_exhausted);
    assert_true(r.simulations <= 3000);
    long sum = 0;
    for (int g = 0; g < r.n_gen; g++)
        sum += r.gen[g].simulations;
    assert_int_equal(sum, r.simulations);
    arv_calib_result_free(&r);
}

/* Posterior predictive: the statistics re-simulated at the particles have
 * the predictive law N(posterior mean, posterior var + s^2); fit.csv
 * reports their mean, interval, z and ppp. */
static void test_predictive(void **state)
{
    struct fixture f;
    setup_problem(&f, S, S);
    struct arv_calib_settings s = smc_settings(21);
    struct arv_calib_result r;
    struct arv_calib_predictive pred;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &s, &r, &err), ARV_OK);
    assert_int_equal(arv_calib_predict(&f.pb, &s, &r, &pred, &err), ARV_OK);
    double m = 0, v = 0, pvar = POST_VAR + S * S;
    for (size_t k = 0; k < N; k++)
        m += r.weight[k] * pred.stat[k];
    for (size_t k = 0; k < N; k++)
        v += r.weight[k] * (pred.stat[k] - m) * (pred.stat[k] - m);
    printf("predictive: mean %.4f (expected %.4f), variance ratio %.3f\n", m, POST_MEAN,
           v / pvar);
    assert_near(m, POST_MEAN, 4 * sqrt(pvar / ess_of(&r)));
    assert_true(v / pvar > 0.85 && v / pvar < 1.15);
    struct fit_row x = fit_of(&f, &s, &r, &pred);
    assert_near(x.mean, m, 1e-12);
    assert_near(x.lo, POST_MEAN - 1.96 * sqrt(pvar), 0.05);
    assert_near(x.hi, POST_MEAN + 1.96 * sqrt(pvar), 0.05);
    /* the observation against N(0.99, pvar + se^2): z = 0.01 / 0.173 */
    assert_near(x.z, (YBAR - m) / sqrt(S * S + v), 1e-9);
    assert_true(x.ppp > 0.8);
    arv_calib_predictive_free(&pred);
    arv_calib_result_free(&r);
}

/* A model that cannot compute its statistic for some candidates
 * (ARV_ENOSTAT, as a virtual trial with too few offices): below 0 when
 * `below` is set, and for odd simulation seeds when `odd` is set. */
struct partial {
    struct toy_normal toy;
    bool below, odd, always;
};

static int partial_simulate(void *ctx, const double *theta, uint32_t sim_seed,
                            struct arv_calib_sim *out, struct arv_error *err)
{
    const struct partial *m = ctx;
    if (m->always || (m->below && theta[0] < 0) || (m->odd && sim_seed % 2))
        return arv_error_set(err, ARV_ENOSTAT, "no statistic at theta %g", theta[0]);
    return toy_normal_simulate((void *)&m->toy, theta, sim_seed, out, err);
}

/* Candidates without a statistic are rejected, not errors: with the model
 * undefined below 0, where the posterior N(0.99, 0.0099) has no mass, SMC
 * gives the known posterior; predictive draws without a statistic are left
 * out of fit.csv; a model that never computes it stops the run. */
static void test_candidates_without_statistic(void **state)
{
    struct fixture f;
    setup_problem(&f, S, S);
    struct partial m = {{S}, true, false, false};
    f.pb.simulate = partial_simulate;
    f.pb.ctx = &m;
    struct arv_calib_settings s = smc_settings(31);
    struct arv_calib_result r;
    struct arv_calib_predictive pred;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &s, &r, &err), ARV_OK);
    /* about half of generation 0's prior draws are below 0 */
    printf("without a statistic: %ld of %ld simulations (%s)\n", r.simulations_nostat,
           r.simulations, r.nostat_reason);
    assert_true(r.simulations_nostat > N / 3);
    assert_non_null(strstr(r.nostat_reason, "no statistic at theta -"));
    for (size_t k = 0; k < N; k++)
        assert_true(r.theta[k] >= 0 && isfinite(r.distance[k]));
    check_posterior(&r, POST_MEAN, POST_VAR, "model undefined below 0");
    /* predictive draws: about half without a statistic */
    m.below = false;
    m.odd = true;
    assert_int_equal(arv_calib_predict(&f.pb, &s, &r, &pred, &err), ARV_OK);
    assert_true(pred.n_nostat > N / 3 && pred.n_nostat < 2 * N / 3);
    double mw = 0, wsum = 0;
    for (size_t k = 0; k < N; k++)
        if (!isnan(pred.stat[k])) {
            mw += r.weight[k] * pred.stat[k];
            wsum += r.weight[k];
        }
    struct fit_row x = fit_of(&f, &s, &r, &pred);
    assert_near(x.mean, mw / wsum, 1e-12);
    assert_true(x.lo < x.mean && x.mean < x.hi && isfinite(x.z) && x.ppp > 0.5);
    arv_calib_predictive_free(&pred);
    arv_calib_result_free(&r);
    /* never a statistic: the first batch stops the run */
    m.odd = false;
    m.always = true;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &s, &r, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "calibration: generation 0: none of 1000 candidates could "
                                 "compute every target (no statistic at theta -0.970582)");
    arv_calib_result_free(&r);
}

/* trial_null: theta ~ U(-1, 1), the virtual trial estimates theta with se
 * 0.1 and must not be significant. The distance is 0 exactly for a
 * non-significant trial, so once most candidates are non-significant the
 * tolerance is 0 and the ABC posterior is exact: prior x P(|theta + 0.1 z|
 * < 1.96 x 0.1), whose mean is 0 and variance is computed by quadrature. */
static int trial_simulate(void *ctx, const double *theta, uint32_t sim_seed,
                          struct arv_calib_sim *out, struct arv_error *err)
{
    struct arv_rng r;
    arv_rng_init(&r, sim_seed, 0);
    arv_rng_seek(&r, ARV_STREAM_TEST, 0, 0);
    double est = theta[0] + 0.1 * gsl_ran_ugaussian(arv_rng_gsl(&r));
    out->stat[0] = est;
    out->p[0] = 2 * gsl_cdf_ugaussian_Q(fabs(est) / 0.1);
    return ARV_OK;
}

static void test_trial_null(void **state)
{
    struct arv_prior prior = toy_prior("effect", ARV_PRIOR_UNIFORM, -1, 1);
    struct arv_target t = toy_target("null", 0.01, 0);
    t.kind = ARV_TARGET_TRIAL_NULL;
    struct arv_targets ts = {&t, 1};
    struct arv_calib_problem pb = {&prior, 1, &ts, trial_simulate, NULL, true};
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.threads = 1;
    s.particles = 2 * N; /* a variance ratio of a flat-topped posterior: more particles */
    s.generations = 6;
    s.seed = 31;
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&pb, &s, &r, &err), ARV_OK);
    assert_near(r.gen[r.n_gen - 1].tolerance, 0, 0);
    double c = 1.959963984540054 * 0.1, z0 = 0, z2 = 0;
    for (int i = 0; i <= 20000; i++) {
        double th = -1 + i * 1e-4, w = (i == 0 || i == 20000) ? 0.5 : 1;
        double l = gsl_cdf_ugaussian_P((c - th) / 0.1) - gsl_cdf_ugaussian_P((-c - th) / 0.1);
        z0 += w * l;
        z2 += w * l * th * th;
    }
    check_posterior(&r, 0, z2 / z0, "trial_null");
    arv_calib_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_posterior),
        cmocka_unit_test(test_rejection_closest),
        cmocka_unit_test(test_observation_noise),
        cmocka_unit_test(test_flat_target),
        cmocka_unit_test(test_stopping),
        cmocka_unit_test(test_predictive),
        cmocka_unit_test(test_candidates_without_statistic),
        cmocka_unit_test(test_trial_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
