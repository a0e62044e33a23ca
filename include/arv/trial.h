/*
 * The virtual cluster-randomised trial (`arv trial`, docs/trial.md).
 *
 * Trial t is replicate t of the scenario: fresh office effects, allocation
 * and families (arv_world_start(w, t)). Its followed families are simulated
 * to the last month needed under the allocation drawn, and again from the
 * same month-0 state with the HOLF and coordinator arms swapped, on the
 * same keyed streams; so each family's outcome is known under both arms and
 * each trial has its own true effect. The trial is analysed as the real one
 * was, with every estimator of arv/estimators.h, offices as clusters and
 * effect = HOLF - local practice.
 *
 * Trials run in parallel (OpenMP, one world per thread, the world itself
 * single-threaded) and are stored by trial index, so the results do not
 * depend on the thread count.
 */
#ifndef ARV_TRIAL_H
#define ARV_TRIAL_H

#include <stdbool.h>
#include <stdio.h>

#include "arv/error.h"
#include "arv/estimators.h"
#include "arv/params.h"
#include "arv/world.h"

/* Family-level outcomes, in the order they are reported. The names of
 * arv_trial_outcome_name() appear in output files: never rename one. */
enum arv_trial_outcome {
    ARV_TRIAL_EMPLOYMENT,       /* register: any adult employed at trial.month (0/1) */
    ARV_TRIAL_SA_RECEIPT,       /* register: SA received at trial.month (0/1) */
    ARV_TRIAL_INCOME,           /* register: disposable income at trial.month, NOK/month */
    ARV_TRIAL_HOUSING_STABLE,   /* register: stable housing at trial.month (0/1) */
    ARV_TRIAL_FINANCIAL_STRAIN, /* survey at trial.survey_month, respondents (0-10) */
    ARV_TRIAL_CHILD_INCLUSION,  /* survey at trial.survey_month, respondents with children */
    ARV_TRIAL_N_OUTCOMES
};

const char *arv_trial_outcome_name(int outcome);

/* The parameters of the trial command (group trial.*); the registry lists
 * this model so they are part of every scenario. It simulates nothing. */
extern const struct arv_model_ops arv_model_trial;

/* One trial's analysis of one outcome. */
struct arv_trial_cell {
    double truth;  /* mean of Y(holf) - Y(coordinator) over the followed families */
    size_t n;      /* families analysed (observed outcome) */
    size_t G;      /* offices with at least one of them */
    double icc;    /* one-way ANOVA ICC, arms pooled (NAN if not estimable) */
    struct arv_est_result est[ARV_EST_N];
};

struct arv_trial_results {
    int trials;
    int month, survey_month;         /* outcome months */
    int holf_offices, coordinator_offices;
    double families_mean;            /* followed families per trial, mean */
    struct arv_trial_cell *cell;     /* [trial * ARV_TRIAL_N_OUTCOMES + outcome] */
    double wall_seconds;
};

/* Applies the design settings trial.offices, trial.families_per_office and
 * trial.effect_scale to the scenario's parameters (offices.*, population.
 * households, followup.*); does nothing for the settings left at 0 / 1. */
int arv_trial_derive(struct arv_params *p, struct arv_error *err);

/* Runs `trials` virtual trials (0 .. trials - 1) of the scenario p on
 * `threads` threads. progress(ctx, fraction) is called from one thread
 * (may be NULL). Returns NULL with err set if the scenario cannot be run as
 * a trial (not this model, fewer than two offices per arm, ...). */
struct arv_trial_results *arv_trial_run(const struct arv_registry *reg,
                                        const struct arv_params *p, int trials, int threads,
                                        void (*progress)(void *ctx, double fraction),
                                        void *ctx, struct arv_error *err);

/* What a caller reads of each trial. est[outcome][method]: the estimates;
 * icc: the cells' ICC and G; truth: the cells' truth, which needs each
 * trial's families followed a second time under the other arm. What is
 * not wanted is not computed: an estimate is left not ok with the reason
 * "not computed", an ICC or a truth NAN, G 0. Everything computed is the
 * same as when everything is wanted. */
struct arv_trial_wanted {
    bool est[ARV_TRIAL_N_OUTCOMES][ARV_EST_N];
    bool icc, truth;
};

/* arv_trial_run computing only `want` (NULL: everything), on one thread,
 * without progress: for callers that run many single trials (arv
 * calibrate). */
struct arv_trial_results *arv_trial_run_wanted(const struct arv_registry *reg,
                                               const struct arv_params *p, int trials,
                                               const struct arv_trial_wanted *want,
                                               struct arv_error *err);

/* The same over MPI ranks: rank r simulates trials r, r + size, ... and
 * rank 0's results hold every trial (collective: every rank must call it
 * with the same arguments; the other ranks' results are partial). */
struct arv_trial_results *arv_trial_run_ranks(const struct arv_registry *reg,
                                              const struct arv_params *p, int trials,
                                              int threads, int rank, int size,
                                              void (*progress)(void *ctx, double fraction),
                                              void *ctx, struct arv_error *err);
void arv_trial_results_free(struct arv_trial_results *r);

/* Summary of one outcome and estimator over the trials (those where the
 * estimate could be made). */
struct arv_trial_power {
    double true_effect, rejection_rate, ci_coverage, mean_estimate, mean_se, rmse, icc;
    int trials;
};
void arv_trial_power(const struct arv_trial_results *r, int outcome, enum arv_est_method m,
                     struct arv_trial_power *out);

/* power.csv, trials.csv and icc.csv (docs/trial.md). */
int arv_trial_write_power(const struct arv_trial_results *r, FILE *f);
int arv_trial_write_trials(const struct arv_trial_results *r, FILE *f);
int arv_trial_write_icc(const struct arv_trial_results *r, FILE *f);
/* The table of one trial's results, as a paper reports it (trial 0). */
void arv_trial_print_table(const struct arv_trial_results *r, FILE *f);
/* The power table across trials. */
void arv_trial_print_power(const struct arv_trial_results *r, FILE *f);

/* Minimum detectable effect at 80% power, two-sided 5%, from the mean SE
 * of an estimator over trials and G - 2 degrees of freedom. */
double arv_trial_mde(double mean_se, int clusters);

#endif
