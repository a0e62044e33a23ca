/* Toy models for the calibration tests (header-only, static). */
#ifndef ARV_CALIBRATION_TOYS_H
#define ARV_CALIBRATION_TOYS_H

#include <gsl/gsl_randist.h>
#include <string.h>

#include "arv/calibrate.h"

/* The sample mean of n observations with known sd: theta + s z, with
 * s = sd / sqrt(n) and z drawn from the keyed stream of sim_seed (noise
 * 0: the statistic is theta itself). */
struct toy_normal {
    double s;
};

static inline int toy_normal_simulate(void *ctx, const double *theta, uint32_t sim_seed,
                               struct arv_calib_sim *out, struct arv_error *err)
{
    const struct toy_normal *t = ctx;
    struct arv_rng r;
    arv_rng_init(&r, sim_seed, 0);
    arv_rng_seek(&r, ARV_STREAM_TEST, 0, 0);
    out->stat[0] = theta[0] + t->s * gsl_ran_ugaussian(arv_rng_gsl(&r));
    return ARV_OK;
}

/* One level target (not owned strings). */
static inline struct arv_target toy_target(const char *id, double value, double se)
{
    struct arv_target t;
    memset(&t, 0, sizeof t);
    t.id = (char *)id;
    t.metric = (char *)"m";
    t.group = (char *)"all";
    t.source = (char *)"toy";
    t.kind = ARV_TARGET_LEVEL;
    t.value = value;
    t.se = se;
    t.line = 2;
    return t;
}

static inline struct arv_prior toy_prior(const char *path, enum arv_prior_family f, double a, double b)
{
    struct arv_prior p;
    memset(&p, 0, sizeof p);
    strcpy(p.path, path);
    p.family = f;
    p.a = a;
    p.b = b;
    p.lower = -INFINITY;
    p.upper = INFINITY;
    struct arv_error err;
    arv_error_init(&err);
    arv_prior_check(&p, &err);
    return p;
}

/* Two parameters, two statistics: (a + b, a - b) plus noise of sd s each. */
static inline int toy_sum_diff_simulate(void *ctx, const double *theta, uint32_t sim_seed,
                                 struct arv_calib_sim *out, struct arv_error *err)
{
    const struct toy_normal *t = ctx;
    struct arv_rng r;
    arv_rng_init(&r, sim_seed, 0);
    arv_rng_seek(&r, ARV_STREAM_TEST, 0, 0);
    out->stat[0] = theta[0] + theta[1] + t->s * gsl_ran_ugaussian(arv_rng_gsl(&r));
    out->stat[1] = theta[0] - theta[1] + t->s * gsl_ran_ugaussian(arv_rng_gsl(&r));
    return ARV_OK;
}

#endif
