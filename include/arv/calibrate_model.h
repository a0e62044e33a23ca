/*
 * The household model behind the calibration engine (calibrate.h): target
 * names and times checked against a registry's metric tables, priors
 * checked against the parameter table, and the simulate callback that runs
 * the scenario at a parameter vector and reads each target's statistic.
 */
#ifndef ARV_CALIBRATE_MODEL_H
#define ARV_CALIBRATE_MODEL_H

#include <stdint.h>

#include "arv/calibrate.h"
#include "arv/params.h"
#include "arv/world.h"

/* Names a targets file may use: every metric of the registry's models (any
 * table), the virtual trial's outcomes (arv_trial_outcome_name) for
 * trial_effect and trial_null targets, and the registry's groups. ctx is the
 * registry. */
bool arv_calib_registry_metric(void *ctx, const char *name);
bool arv_calib_registry_group(void *ctx, const char *name);

struct arv_calib_model {
    const struct arv_registry *reg;
    struct arv_params *params;   /* the scenario's; theta is written into it */
    struct arv_params *trial_params; /* the scenario trial targets read (its
                                        calibration.trial_scenario), theta
                                        written into it too; NULL = params */
    const struct arv_targets *targets;
    const struct arv_prior *priors;
    size_t n_params;
    const char *targets_file;
    int trial_estimator;         /* enum arv_est_method read by trial targets */
    long simulations;
};

/* Checks that every prior's path is a numeric parameter whose range holds
 * the prior's support, and that every target suits its metric's table
 * (a month for summary metrics, age:N for young-adult metrics, no time for
 * totals) and the horizon. A trial_effect or trial_null target names a
 * trial outcome, group holf (the contrast HOLF - local practice) and the
 * month the scenario measures that outcome at (trial.month for register
 * outcomes, trial.survey_month for survey ones). Errors name the scenario
 * line or the targets line. */
int arv_calib_model_check(const struct arv_calib_model *m, struct arv_error *err);

/* The simulate callback (calibrate.h): runs the scenario's replicates with
 * run.seed = sim_seed and theta set, and returns for each level target the
 * mean over replicates and its Monte Carlo variance (variance /
 * replicates). With trial targets it also runs one virtual trial (trial 0
 * of arv trial with that seed) and returns, for each, the estimate of
 * m->trial_estimator and its p-value; the trial's sampling error is in the
 * observed se, so its Monte Carlo variance is 0. A scenario with only
 * trial targets runs only the trial.
 * Not thread-safe (it writes theta into the shared parameters); the world
 * it builds uses the OpenMP threads. */
int arv_calib_model_simulate(void *ctx, const double *theta, uint32_t sim_seed,
                             struct arv_calib_sim *out, struct arv_error *err);

/* The first 64 bits of the SHA-256 of the resolved parameters, taken
 * before any simulation: the model part of the checkpoint's fingerprint. */
uint64_t arv_calib_model_fingerprint(const struct arv_params *p);

#endif
