/*
 * Recovery on the real household model: targets generated from runs at
 * known parameter values (SA take-up 0.80 and the work effect of the
 * "other" origins -0.9, against defaults of 0.65 and -1.36) are fitted by
 * ABC-SMC through the command line's callback (analysis/calibrate_model.c).
 * The truth must lie inside the posterior's central 98% and the posterior
 * must be much narrower than the prior. A small national population (2,000
 * households, every family reported; 36-month burn-in, 12 months) keeps it
 * short.
 */
#include "testing.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "arv/calibrate.h"
#include "arv/calibrate_model.h"
#include "arv/cli.h"
#include "calibration_toys.h"
#include "household_testing.h"

#define SCENARIO FIXTURE("../../scenarios/national.cfg")
#define THREADS 2
#define TRUTH_REPS 8

static const char *const base_sets[] = {"population.households=2000", "run.months=12",
                                        "run.burn_in=36", "run.reps=1", NULL};

static const char *const metrics[] = {"sa_receipt_rate", "employment_rate",
                                      "employment_rate_immigrant", "sa_amount_mean"};
enum { N_TARGETS = 4, N_PARAMS = 2 };

static const char *const paths[N_PARAMS] = {"income.sa_takeup", "work.beta.other"};
static const double truth[N_PARAMS] = {0.80, -0.9};

/* One model per thread, as arv calibrate does. */
struct models {
    struct arv_calib_model m[THREADS];
};

static int simulate_on_thread(void *ctx, const double *theta, uint32_t seed,
                              struct arv_calib_sim *out, struct arv_error *err)
{
    struct models *ms = ctx;
    return arv_calib_model_simulate(&ms->m[omp_get_thread_num()], theta, seed, out, err);
}

/* The targets: each metric of group all at month 12, as the mean of
 * TRUTH_REPS replicates at the true values (another seed than any
 * candidate's); se = the spread of one replicate, the noise of one
 * candidate's simulation. */
static void make_targets(struct arv_targets *t)
{
    char take_up[64], beta[64], reps[32];
    snprintf(take_up, sizeof take_up, "%s=%.17g", paths[0], truth[0]);
    snprintf(beta, sizeof beta, "%s=%.17g", paths[1], truth[1]);
    snprintf(reps, sizeof reps, "run.reps=%d", TRUTH_REPS);
    const char *sets[] = {base_sets[0], base_sets[1], base_sets[2], reps,
                          take_up,      beta,         "run.seed=777", NULL};
    struct arv_params *p = params_with(SCENARIO, sets);
    struct arv_world *w = world_of(p);
    arv_world_run(w);
    t->n = N_TARGETS;
    t->t = calloc(N_TARGETS, sizeof *t->t);
    for (int i = 0; i < N_TARGETS; i++) {
        double sum = 0, sum2 = 0;
        for (int rep = 0; rep < TRUTH_REPS; rep++) {
            double v = result_of(w, ARV_TABLE_SUMMARY, metrics[i], rep, 12, 0);
            sum += v;
            sum2 += v * v;
        }
        double mean = sum / TRUTH_REPS;
        struct arv_target *x = &t->t[i];
        x->id = strdup(metrics[i]);
        x->metric = strdup(metrics[i]);
        x->group = strdup("all");
        x->source = strdup("generated at the true values");
        x->kind = ARV_TARGET_LEVEL;
        x->time_kind = ARV_TIME_MONTH;
        x->time = 12;
        x->value = mean;
        x->se = sqrt((sum2 - sum * mean) / (TRUTH_REPS - 1));
        x->line = i + 2;
    }
    arv_world_free(w);
    arv_params_free(p);
}

static void test_recovers_known_parameters(void **state)
{
    (void)state;
    struct arv_targets targets;
    make_targets(&targets);
    struct arv_prior priors[N_PARAMS] = {
        toy_prior(paths[0], ARV_PRIOR_BETA, 6.5, 3.5), /* mean 0.65, sd 0.14 */
        toy_prior(paths[1], ARV_PRIOR_NORMAL, -1.36, 0.6),
    };
    /* the normal truncated to [-4, 1] */
    priors[1].lower = -4;
    priors[1].upper = 1;
    struct arv_error err;
    arv_error_init(&err);
    if (arv_prior_check(&priors[1], &err) != ARV_OK)
        fail_msg("%s", err.msg);
    struct models ms;
    struct arv_params *params[THREADS];
    for (int k = 0; k < THREADS; k++) {
        params[k] = params_with(SCENARIO, base_sets);
        ms.m[k] = (struct arv_calib_model){&arv_registry_default, params[k], NULL, &targets,
                                           priors, N_PARAMS, "generated", 0, 0};
    }
    if (arv_calib_model_check(&ms.m[0], &err) != ARV_OK)
        fail_msg("%s", err.msg);
    struct arv_calib_problem pb = {priors, N_PARAMS, &targets, simulate_on_thread, &ms, true};
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    s.method = ARV_CALIB_ABC_SMC;
    s.particles = 60;
    s.generations = 4;
    s.seed = 2024;
    s.threads = THREADS;
    struct arv_calib_result r;
    if (arv_calib_run(&pb, &s, &r, &err) != ARV_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(r.n_gen, 4);
    for (int j = 0; j < N_PARAMS; j++) {
        double mean, var;
        arv_calib_moments(&r, (size_t)j, &mean, &var);
        double lo = arv_calib_quantile(&r, (size_t)j, 0.01),
               hi = arv_calib_quantile(&r, (size_t)j, 0.99), prior_sd = arv_prior_sd(&priors[j]);
        print_message("%s: truth %g, posterior mean %g sd %g [%g, %g], prior sd %g\n", paths[j],
                      truth[j], mean, sqrt(var), lo, hi, prior_sd);
        assert_true(lo <= truth[j] && truth[j] <= hi);
        assert_true(sqrt(var) < 0.6 * prior_sd);
    }
    arv_calib_result_free(&r);
    for (int k = 0; k < THREADS; k++)
        arv_params_free(params[k]);
    arv_targets_free(&targets);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recovers_known_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
