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
 * table) and its groups. ctx is the registry. */
bool arv_calib_registry_metric(void *ctx, const char *name);
bool arv_calib_registry_group(void *ctx, const char *name);

struct arv_calib_model {
    const struct arv_registry *reg;
    struct arv_params *params;   /* the scenario's; theta is written into it */
    const struct arv_targets *targets;
    const struct arv_prior *priors;
    size_t n_params;
    const char *targets_file;
    long simulations;
};

/* Checks that every prior's path is a numeric parameter whose range holds
 * the prior's support, and that every target suits its metric's table
 * (a month for summary metrics, age:N for young-adult metrics, no time for
 * totals) and the horizon. Errors name the scenario line or the targets
 * line. trial_effect and trial_null targets are refused (they need the
 * virtual trial, not yet wired to calibration). */
int arv_calib_model_check(const struct arv_calib_model *m, struct arv_error *err);

/* The simulate callback (calibrate.h): runs the scenario's replicates with
 * run.seed = sim_seed and theta set, and returns for each target the mean
 * over replicates and its Monte Carlo variance (variance / replicates).
 * Not thread-safe (it writes theta into the shared parameters); the world
 * it builds uses the OpenMP threads. */
int arv_calib_model_simulate(void *ctx, const double *theta, uint32_t sim_seed,
                             struct arv_calib_sim *out, struct arv_error *err);

/* The first 64 bits of the SHA-256 of the resolved parameters, taken
 * before any simulation: the model part of the checkpoint's fingerprint. */
uint64_t arv_calib_model_fingerprint(const struct arv_params *p);

#endif
