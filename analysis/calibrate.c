/*
 * ABC rejection, ABC-SMC (population Monte Carlo with an adaptive
 * tolerance), posterior predictive checks, the output writers and the
 * checkpoint. Simulated method of moments is in smm.c.
 *
 * Candidate k of generation g: key (seed, g), counter (k, ARV_STREAM_
 * CALIBRATION, purpose) with purpose
 *   PURPOSE_PRIOR + j  draw of parameter j from its prior (generation 0)
 *   PURPOSE_KERNEL     choice of the parent particle and the kernel step
 *   PURPOSE_SEED       the simulation seed handed to the model
 *   PURPOSE_NOISE      observation noise (settings.observation_noise)
 * Candidates are simulated in batches (in parallel when the model is
 * thread-safe; with MPI ranks, each rank a contiguous block of the batch)
 * and accepted strictly in index order.
 */
#include "arv/calibrate.h"
#include "arv/estimators.h"
#include "arv/output.h"
#include "calibrate_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "arv/mpi.h"
#include "arv/params.h"

enum {
    PURPOSE_KERNEL = 1,
    PURPOSE_SEED = 2,
    PURPOSE_NOISE = 3,
    PURPOSE_PRIOR = 0x10000,
    MAX_PARAMS = 256,
    MAX_PROPOSAL_TRIES = 100000,
};
#define KEY_PREDICT 0xffffffffu
#define KEY_DRAWS 0xfffffffeu

static const double Z_975 = 1.959963984540054;

/* ---- distance ---------------------------------------------------------- */

double arv_calib__scale(const struct arv_target *t, double discrepancy, double var)
{
    double d = discrepancy * fabs(t->value);
    return sqrt(t->se * t->se + d * d + var);
}

double arv_calib__z(const struct arv_target *t, double discrepancy, double stat, double var,
                    double p)
{
    if (t->kind == ARV_TARGET_TRIAL_NULL) {
        if (!(p <= ARV_EST_ALPHA))
            return 0.0;
        double zp = gsl_cdf_ugaussian_Qinv(p / 2);
        if (!isfinite(zp))
            zp = 40; /* p underflowed to 0 */
        return zp - Z_975;
    }
    return (stat - t->value) / arv_calib__scale(t, discrepancy, var);
}

double arv_calib_distance(const struct arv_targets *t, double discrepancy,
                          const struct arv_calib_sim *sim)
{
    double s = 0;
    for (size_t i = 0; i < t->n; i++) {
        double z = arv_calib__z(&t->t[i], discrepancy, sim->stat[i], sim->var[i], sim->p[i]);
        s += z * z;
    }
    return sqrt(s);
}

int arv_calib_check(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                    struct arv_error *err)
{
    if (pb->n_params == 0 || pb->n_params > MAX_PARAMS)
        return arv_error_set(err, ARV_EINVAL, "calibration: between 1 and %d parameters, got %zu",
                             MAX_PARAMS, pb->n_params);
    if (pb->targets == NULL || pb->targets->n == 0)
        return arv_error_set(err, ARV_EINVAL, "calibration: no targets");
    if (pb->simulate == NULL)
        return arv_error_set(err, ARV_EINVAL, "calibration: no model (simulate callback)");
    for (size_t j = 0; j < pb->n_params; j++) {
        struct arv_prior p = pb->priors[j];
        if (arv_prior_check(&p, err) != ARV_OK)
            return err->status;
        if (memcmp(&p.lower, &pb->priors[j].lower, sizeof p.lower) != 0 ||
            memcmp(&p.upper, &pb->priors[j].upper, sizeof p.upper) != 0)
            return arv_error_set(err, ARV_EINVAL,
                                 "prior of %s: support not set (pass the prior through "
                                 "arv_prior_check first)",
                                 p.path);
    }
    for (size_t i = 0; i < pb->targets->n; i++) {
        const struct arv_target *t = &pb->targets->t[i];
        if (t->kind == ARV_TARGET_TRIAL_NULL)
            continue;
        if (!(arv_calib__scale(t, s->discrepancy, 0) > 0))
            return arv_error_set(err, ARV_EINVAL,
                                 "target %s (line %d): se is %s and the discrepancy term is 0 "
                                 "(set calibration.discrepancy, or give an se)",
                                 t->id, t->line, t->se_missing ? "empty" : "0");
    }
    if (s->method != ARV_CALIB_SMM && s->particles < 2)
        return arv_error_set(err, ARV_EINVAL, "calibration: particles must be >= 2");
    if (s->method == ARV_CALIB_ABC_SMC && !(s->quantile > 0 && s->quantile < 1))
        return arv_error_set(err, ARV_EINVAL, "calibration: quantile must be in (0, 1)");
    if (s->method == ARV_CALIB_REJECTION && s->tolerance == 0 &&
        s->budget < (long)s->particles)
        return arv_error_set(err, ARV_EINVAL,
                             "calibration: rejection without a tolerance keeps the %zu closest of "
                             "`budget` draws: set budget >= particles",
                             s->particles);
    return ARV_OK;
}

/* ---- proposals and candidate evaluation -------------------------------- */

struct proposal {
    const struct arv_prior *priors;
    size_t P;
    const double *prev;  /* previous particles (NULL: draw from the prior) */
    const double *cumw;  /* cumulative weights of prev */
    size_t n_prev;
    const double *L;     /* P x P lower Cholesky factor of the kernel */
};

static bool in_support(const struct arv_prior *priors, size_t P, const double *theta)
{
    for (size_t j = 0; j < P; j++)
        if (!isfinite(arv_prior_logpdf(&priors[j], theta[j])))
            return false;
    return true;
}

static size_t pick(const double *cumw, size_t n, double u)
{
    size_t lo = 0, hi = n - 1;
    double target = u * cumw[n - 1];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cumw[mid] > target)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int propose(const struct proposal *pr, uint32_t seed, uint32_t g, uint32_t k,
                   double *theta, struct arv_error *err)
{
    struct arv_rng r;
    arv_rng_init(&r, seed, g);
    if (pr->prev == NULL) {
        for (size_t j = 0; j < pr->P; j++) {
            arv_rng_seek(&r, ARV_STREAM_CALIBRATION, k, PURPOSE_PRIOR + (uint32_t)j);
            theta[j] = arv_prior_sample(&pr->priors[j], &r);
        }
        return ARV_OK;
    }
    arv_rng_seek(&r, ARV_STREAM_CALIBRATION, k, PURPOSE_KERNEL);
    double z[MAX_PARAMS];
    for (int tries = 0; tries < MAX_PROPOSAL_TRIES; tries++) {
        size_t parent = pick(pr->cumw, pr->n_prev, arv_rng_uniform(&r));
        for (size_t j = 0; j < pr->P; j++)
            z[j] = gsl_ran_ugaussian(arv_rng_gsl(&r));
        const double *base = pr->prev + parent * pr->P;
        for (size_t a = 0; a < pr->P; a++) {
            double s = base[a];
            for (size_t b = 0; b <= a; b++)
                s += pr->L[a * pr->P + b] * z[b];
            theta[a] = s;
        }
        if (in_support(pr->priors, pr->P, theta))
            return ARV_OK;
    }
    return arv_error_set(err, ARV_EINVAL,
                         "calibration: generation %u candidate %u: no proposal inside the prior "
                         "support after %d tries",
                         g, k, MAX_PROPOSAL_TRIES);
}

/* Buffers of one batch. */
struct batch {
    size_t cap, P, T;
    double *theta, *stat, *var, *p, *dist;
    int *status;
    struct arv_error *errs;
};

static void batch_init(struct batch *b, size_t cap, size_t P, size_t T)
{
    b->cap = cap;
    b->P = P;
    b->T = T;
    b->theta = arv_xcalloc(cap * P, sizeof(double));
    b->stat = arv_xcalloc(cap * T, sizeof(double));
    b->var = arv_xcalloc(cap * T, sizeof(double));
    b->p = arv_xcalloc(cap * T, sizeof(double));
    b->dist = arv_xcalloc(cap, sizeof(double));
    b->status = arv_xcalloc(cap, sizeof(int));
    b->errs = arv_xcalloc(cap, sizeof(struct arv_error));
}

static void batch_free(struct batch *b)
{
    free(b->theta);
    free(b->stat);
    free(b->var);
    free(b->p);
    free(b->dist);
    free(b->status);
    free(b->errs);
}

/* Simulates theta with sim_seed into the batch slot; checks the output. */
int arv_calib__simulate(const struct arv_calib_problem *pb, const double *theta,
                        uint32_t sim_seed, double *stat, double *var, double *p,
                        struct arv_error *err)
{
    size_t T = pb->targets->n;
    for (size_t i = 0; i < T; i++) {
        stat[i] = NAN;
        var[i] = 0;
        p[i] = NAN;
    }
    struct arv_calib_sim sim = {stat, var, p};
    int rc = pb->simulate(pb->ctx, theta, sim_seed, &sim, err);
    if (rc != ARV_OK) {
        if (err->status != ARV_OK)
            return (int)err->status;
        return arv_error_set(err, ARV_EINVAL, "calibration: the model failed (status %d)", rc);
    }
    for (size_t i = 0; i < T; i++) {
        const struct arv_target *t = &pb->targets->t[i];
        if (t->kind == ARV_TARGET_TRIAL_NULL) {
            if (!(p[i] >= 0 && p[i] <= 1))
                return arv_error_set(err, ARV_EINVAL,
                                     "calibration: target %s (trial_null): the model returned no "
                                     "p-value in [0, 1]",
                                     t->id);
        } else if (!isfinite(stat[i])) {
            return arv_error_set(err, ARV_EINVAL,
                                 "calibration: target %s: the model returned a non-finite "
                                 "statistic",
                                 t->id);
        }
        if (!(var[i] >= 0) || !isfinite(var[i]))
            return arv_error_set(err, ARV_EINVAL,
                                 "calibration: target %s: the model returned a Monte Carlo "
                                 "variance that is not a finite number >= 0",
                                 t->id);
    }
    return ARV_OK;
}

static void evaluate(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                     const struct proposal *pr, uint32_t g, uint32_t k, struct batch *b,
                     size_t slot)
{
    struct arv_error *err = &b->errs[slot];
    arv_error_init(err);
    size_t P = b->P, T = b->T;
    double *theta = b->theta + slot * P, *stat = b->stat + slot * T, *var = b->var + slot * T,
           *p = b->p + slot * T;
    b->status[slot] = propose(pr, s->seed, g, k, theta, err);
    if (b->status[slot] != ARV_OK)
        return;
    struct arv_rng r;
    arv_rng_init(&r, s->seed, g);
    arv_rng_seek(&r, ARV_STREAM_CALIBRATION, k, PURPOSE_SEED);
    uint32_t sim_seed = arv_rng_u32(&r);
    b->status[slot] = arv_calib__simulate(pb, theta, sim_seed, stat, var, p, err);
    if (b->status[slot] == ARV_ENOSTAT)
        b->dist[slot] = INFINITY; /* rejected (candidate_failed) */
    if (b->status[slot] != ARV_OK)
        return;
    if (s->observation_noise) {
        arv_rng_seek(&r, ARV_STREAM_CALIBRATION, k, PURPOSE_NOISE);
        for (size_t i = 0; i < T; i++) {
            const struct arv_target *t = &pb->targets->t[i];
            double e = gsl_ran_ugaussian(arv_rng_gsl(&r));
            if (t->kind != ARV_TARGET_TRIAL_NULL)
                stat[i] += arv_calib__scale(t, s->discrepancy, 0) * e;
        }
    }
    struct arv_calib_sim sim = {stat, var, p};
    b->dist[slot] = arv_calib_distance(pb->targets, s->discrepancy, &sim);
}

static int n_threads(const struct arv_calib_settings *s)
{
    return s->threads > 0 ? s->threads : omp_get_max_threads();
}

/* Candidates first, first + 1, ..., first + n - 1 of generation g; with
 * several ranks each simulates its block and all exchange them. */
static void run_batch(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                      const struct proposal *pr, uint32_t g, long first, size_t n,
                      struct batch *b)
{
    int nt = n_threads(s), ranks = s->ranks > 1 ? s->ranks : 1;
    size_t lo = 0, hi = n;
    if (ranks > 1)
        arv_mpi_block(n, s->rank, ranks, &lo, &hi);
    bool par = pb->thread_safe && nt > 1 && hi - lo > 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (par)
    for (size_t i = lo; i < hi; i++)
        evaluate(pb, s, pr, g, (uint32_t)(first + (long)i), b, i);
    if (ranks > 1) {
        /* each rank's block to every rank, byte for byte */
        arv_mpi_allgather_blocks(b->theta, b->P * sizeof(double), n);
        arv_mpi_allgather_blocks(b->stat, b->T * sizeof(double), n);
        arv_mpi_allgather_blocks(b->var, b->T * sizeof(double), n);
        arv_mpi_allgather_blocks(b->p, b->T * sizeof(double), n);
        arv_mpi_allgather_blocks(b->dist, sizeof(double), n);
        arv_mpi_allgather_blocks(b->status, sizeof(int), n);
        arv_mpi_allgather_blocks(b->errs, sizeof(struct arv_error), n);
    }
}


/* The accepted particles of one generation. */
struct accepted {
    double *theta, *dist;
    size_t n;
};

/* Whether candidate i of the batch failed: true, with err set, on an
 * error; a candidate that could not compute every target (ARV_ENOSTAT) is
 * not an error but a rejection (its distance is infinite), counted in r
 * with the first reason. */
static bool candidate_failed(const struct batch *b, size_t i, struct arv_calib_result *r,
                             struct arv_error *err)
{
    if (b->status[i] == ARV_ENOSTAT) {
        if (r->simulations_nostat++ == 0)
            snprintf(r->nostat_reason, sizeof r->nostat_reason, "%s", b->errs[i].msg);
        return false;
    }
    if (b->status[i] != ARV_OK) {
        arv_error_set(err, b->status[i], "%s", b->errs[i].msg);
        return true;
    }
    return false;
}

/* Accepts candidates with distance <= tol, in index order, until N are
 * accepted or the budget is spent. *used counts candidates up to the N-th
 * acceptance (all simulated); returns ARV_OK with acc->n < N when the
 * budget ran out. */
static int run_generation(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                          const struct proposal *pr, uint32_t g, double tol, long remaining,
                          struct accepted *acc, long *used, struct arv_calib_result *r,
                          struct arv_error *err)
{
    size_t N = s->particles, P = pb->n_params;
    size_t bsize = s->batch ? s->batch : N;
    struct batch b;
    batch_init(&b, bsize, P, pb->targets->n);
    acc->n = 0;
    long next = 0;
    *used = 0;
    while (acc->n < N) {
        size_t n = bsize;
        if (remaining > 0 && (long)n > remaining - next)
            n = (size_t)(remaining - next);
        if (n == 0)
            break;
        if (next + (long)n > (long)UINT32_MAX) {
            batch_free(&b);
            return arv_error_set(err, ARV_EINVAL, "calibration: generation %u: more than 2^32 "
                                 "candidates", g);
        }
        run_batch(pb, s, pr, g, next, n, &b);
        r->simulations_run += (long)n;
        long nostat = r->simulations_nostat;
        for (size_t i = 0; i < n && acc->n < N; i++) {
            if (candidate_failed(&b, i, r, err)) {
                batch_free(&b);
                return err->status;
            }
            *used = next + (long)i + 1;
            /* (a rejected candidate's distance is infinite: never accepted,
             * not even by generation 0's infinite tolerance) */
            if (isfinite(b.dist[i]) && b.dist[i] <= tol) {
                memcpy(acc->theta + acc->n * P, b.theta + i * P, P * sizeof(double));
                acc->dist[acc->n] = b.dist[i];
                acc->n++;
            }
        }
        /* a whole batch without the targets is the set-up, not bad luck */
        if (r->simulations_nostat - nostat == (long)n) {
            batch_free(&b);
            return arv_error_set(err, ARV_EINVAL,
                                 "calibration: generation %u: none of %zu candidates could "
                                 "compute every target (%s)",
                                 g, n, r->nostat_reason);
        }
        next += (long)n;
    }
    batch_free(&b);
    return ARV_OK;
}

/* ---- weights, kernel --------------------------------------------------- */

static double log_prior(const struct arv_prior *priors, size_t P, const double *theta)
{
    double s = 0;
    for (size_t j = 0; j < P; j++)
        s += arv_prior_logpdf(&priors[j], theta[j]);
    return s;
}

/* L (P x P, lower) with L L' = 2 x the weighted covariance of the
 * particles; a ridge is added if the covariance is singular. */
static int kernel_cholesky(const double *theta, const double *w, size_t N, size_t P,
                           const struct arv_prior *priors, double *L, struct arv_error *err)
{
    double mean[MAX_PARAMS] = {0};
    for (size_t i = 0; i < N; i++)
        for (size_t a = 0; a < P; a++)
            mean[a] += w[i] * theta[i * P + a];
    gsl_matrix *c = gsl_matrix_calloc(P, P);
    for (size_t i = 0; i < N; i++)
        for (size_t a = 0; a < P; a++)
            for (size_t b = 0; b <= a; b++) {
                double v = w[i] * (theta[i * P + a] - mean[a]) * (theta[i * P + b] - mean[b]);
                gsl_matrix_set(c, a, b, gsl_matrix_get(c, a, b) + 2 * v);
            }
    for (size_t a = 0; a < P; a++)
        for (size_t b = 0; b < a; b++)
            gsl_matrix_set(c, b, a, gsl_matrix_get(c, a, b));
    gsl_matrix *m = gsl_matrix_alloc(P, P);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int ok = 0;
    double ridge = 0;
    for (int tries = 0; tries < 40 && !ok; tries++) {
        gsl_matrix_memcpy(m, c);
        for (size_t a = 0; a < P; a++) {
            double sd = arv_prior_sd(&priors[a]);
            double r = ridge * (isfinite(sd) && sd > 0 ? sd * sd : 1.0);
            gsl_matrix_set(m, a, a, gsl_matrix_get(m, a, a) + r);
        }
        ok = gsl_linalg_cholesky_decomp1(m) == GSL_SUCCESS;
        ridge = ridge == 0 ? 1e-12 : ridge * 10;
    }
    gsl_set_error_handler(old);
    if (ok)
        for (size_t a = 0; a < P; a++)
            for (size_t b = 0; b < P; b++)
                L[a * P + b] = b <= a ? gsl_matrix_get(m, a, b) : 0.0;
    gsl_matrix_free(m);
    gsl_matrix_free(c);
    if (!ok)
        return arv_error_set(err, ARV_EINVAL, "calibration: the particles' covariance is not "
                             "positive definite");
    return ARV_OK;
}

/* New weights: prior(theta_i) / sum_j w_j K(theta_i | theta_j), normalised. */
static void smc_weights(const struct arv_prior *priors, size_t P, const double *prev,
                        const double *wprev, size_t N, const double *L, const double *theta,
                        double *w)
{
    double logdet = 0;
    for (size_t a = 0; a < P; a++)
        logdet += log(L[a * P + a]);
    double *lw = arv_xmalloc(N * sizeof *lw);
    double *terms = arv_xmalloc(N * sizeof *terms);
    double y[MAX_PARAMS];
    double lmax = -INFINITY;
    for (size_t i = 0; i < N; i++) {
        double tmax = -INFINITY;
        for (size_t j = 0; j < N; j++) {
            /* solve L y = theta_i - theta_j */
            double q = 0;
            for (size_t a = 0; a < P; a++) {
                double s = theta[i * P + a] - prev[j * P + a];
                for (size_t b = 0; b < a; b++)
                    s -= L[a * P + b] * y[b];
                y[a] = s / L[a * P + a];
                q += y[a] * y[a];
            }
            terms[j] = wprev[j] > 0 ? log(wprev[j]) - 0.5 * q : -INFINITY;
            if (terms[j] > tmax)
                tmax = terms[j];
        }
        double sum = 0;
        for (size_t j = 0; j < N; j++)
            sum += exp(terms[j] - tmax);
        double lk = tmax + log(sum) - logdet - 0.5 * (double)P * log(2 * M_PI);
        lw[i] = log_prior(priors, P, theta + i * P) - lk;
        if (lw[i] > lmax)
            lmax = lw[i];
    }
    double tot = 0;
    for (size_t i = 0; i < N; i++) {
        w[i] = exp(lw[i] - lmax);
        tot += w[i];
    }
    for (size_t i = 0; i < N; i++)
        w[i] /= tot;
    free(lw);
    free(terms);
}

static double ess(const double *w, size_t N)
{
    double s = 0;
    for (size_t i = 0; i < N; i++)
        s += w[i] * w[i];
    return 1.0 / s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile q of the distances (interpolated, as gsl_stats_quantile). */
static double dist_quantile(const double *d, size_t n, double q)
{
    double *s = arv_xmalloc(n * sizeof *s);
    memcpy(s, d, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double pos = (double)(n - 1) * q;
    size_t lo = (size_t)floor(pos);
    double frac = pos - (double)lo;
    double v = lo + 1 < n ? s[lo] + frac * (s[lo + 1] - s[lo]) : s[lo];
    free(s);
    return v;
}

/* ---- fingerprint and checkpoint ---------------------------------------- */

struct fp {
    uint64_t h;
};

static void fp_add(struct fp *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fp_add(struct fp *f, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    for (int i = 0; i < n; i++) {
        f->h ^= (unsigned char)buf[i];
        f->h *= 0x100000001b3ULL;
    }
    f->h ^= 0xff;
    f->h *= 0x100000001b3ULL;
}

uint64_t arv_calib_fingerprint(const struct arv_calib_problem *pb,
                               const struct arv_calib_settings *s)
{
    struct fp f = {0xcbf29ce484222325ULL};
    fp_add(&f, "method %d particles %zu quantile %a tolerance %a floor %a discrepancy %a noise %d "
           "seed %u",
           (int)s->method, s->particles, s->quantile, s->tolerance, s->min_tolerance, s->discrepancy,
           (int)s->observation_noise, s->seed);
    fp_add(&f, "model %016" PRIx64, s->model_fingerprint);
    if (s->method == ARV_CALIB_REJECTION && s->tolerance == 0)
        fp_add(&f, "budget %ld", s->budget);
    for (size_t j = 0; j < pb->n_params; j++) {
        const struct arv_prior *p = &pb->priors[j];
        fp_add(&f, "prior %s %d %a %a %a %a", p->path, (int)p->family, p->a, p->b, p->lower,
               p->upper);
    }
    for (size_t i = 0; i < pb->targets->n; i++) {
        const struct arv_target *t = &pb->targets->t[i];
        fp_add(&f, "target %s %d %s %s %d %d %a %a %d", t->id, (int)t->kind, t->metric, t->group,
               (int)t->time_kind, t->time, t->value, t->se, (int)t->se_missing);
    }
    return f.h;
}

static const char CHECKPOINT_MAGIC[] = "arv-calibration-checkpoint 1";

static int write_checkpoint(const char *file, uint64_t fp, const struct arv_calib_result *r,
                            struct arv_error *err)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", file) >= (int)sizeof tmp)
        return arv_error_set(err, ARV_EINVAL, "%s: checkpoint path too long", file);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return arv_error_set(err, ARV_EIO, "%s: cannot write: %s", tmp, strerror(errno));
    fprintf(f, "%s\nfingerprint %016" PRIx64 "\nparameters %zu\nparticles %zu\n"
               "generations %d\nsimulations %ld\n",
            CHECKPOINT_MAGIC, fp, r->n_params, r->n_particles, r->n_gen, r->simulations);
    for (int g = 0; g < r->n_gen; g++)
        fprintf(f, "generation %a %a %ld %a\n", r->gen[g].tolerance, r->gen[g].ess,
                r->gen[g].simulations, r->gen[g].acceptance_rate);
    for (size_t i = 0; i < r->n_particles; i++) {
        fprintf(f, "particle %a %a", r->weight[i], r->distance[i]);
        for (size_t j = 0; j < r->n_params; j++)
            fprintf(f, " %a", r->theta[i * r->n_params + j]);
        fputc('\n', f);
    }
    fputs("end\n", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        remove(tmp);
        return arv_error_set(err, ARV_EIO, "%s: write error", tmp);
    }
    if (rename(tmp, file) != 0)
        return arv_error_set(err, ARV_EIO, "%s: cannot replace: %s", file, strerror(errno));
    return ARV_OK;
}

/* The checkpoint, written by rank 0; every rank learns whether it was. */
static int save_checkpoint(const struct arv_calib_settings *s, uint64_t fp,
                           const struct arv_calib_result *r, struct arv_error *err)
{
    if (s->checkpoint == NULL)
        return ARV_OK;
    int rc = s->rank == 0 ? write_checkpoint(s->checkpoint, fp, r, err) : ARV_OK;
    if (s->ranks > 1 && !arv_mpi_all(rc == ARV_OK) && rc == ARV_OK)
        rc = arv_error_set(err, ARV_EIO, "%s: rank 0 could not write the checkpoint",
                           s->checkpoint);
    return rc;
}

static int read_checkpoint(const char *file, uint64_t fp, size_t P, size_t N,
                           struct arv_calib_result *r, struct arv_error *err)
{
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return arv_error_set(err, ARV_EIO, "%s: cannot open the checkpoint: %s", file,
                             strerror(errno));
    char magic[64] = "";
    uint64_t got_fp = 0;
    size_t got_p = 0, got_n = 0;
    int n_gen = 0;
    long sims = 0;
    int ok = fscanf(f, "%63[^\n] fingerprint %" SCNx64 " parameters %zu particles %zu "
                       "generations %d simulations %ld",
                    magic, &got_fp, &got_p, &got_n, &n_gen, &sims) == 6 &&
             strcmp(magic, CHECKPOINT_MAGIC) == 0;
    if (!ok) {
        fclose(f);
        return arv_error_set(err, ARV_EINVAL, "%s: not a calibration checkpoint", file);
    }
    if (got_fp != fp || got_p != P || got_n != N) {
        fclose(f);
        return arv_error_set(err, ARV_EINVAL,
                             "%s: the checkpoint was written with other calibration settings, "
                             "priors or targets (fingerprint %016" PRIx64 ", now %016" PRIx64
                             "): refusing to resume",
                             file, got_fp, fp);
    }
    if (n_gen < 1 || n_gen > 100000 || sims < 0) {
        fclose(f);
        return arv_error_set(err, ARV_EINVAL, "%s: corrupt checkpoint header", file);
    }
    r->n_gen = n_gen;
    r->simulations = sims;
    r->gen = arv_xcalloc((size_t)n_gen, sizeof *r->gen);
    char num[4][64];
    for (int g = 0; g < n_gen && ok; g++) {
        ok = fscanf(f, " generation %63s %63s %ld %63s", num[0], num[1], &r->gen[g].simulations,
                    num[2]) == 4;
        if (ok) {
            r->gen[g].tolerance = strtod(num[0], NULL);
            r->gen[g].ess = strtod(num[1], NULL);
            r->gen[g].acceptance_rate = strtod(num[2], NULL);
        }
    }
    for (size_t i = 0; i < N && ok; i++) {
        ok = fscanf(f, " particle %63s %63s", num[0], num[1]) == 2;
        r->weight[i] = strtod(num[0], NULL);
        r->distance[i] = strtod(num[1], NULL);
        for (size_t j = 0; j < P && ok; j++) {
            ok = fscanf(f, " %63s", num[0]) == 1;
            r->theta[i * P + j] = strtod(num[0], NULL);
        }
    }
    char end[8] = "";
    if (ok)
        ok = fscanf(f, " %7s", end) == 1 && strcmp(end, "end") == 0;
    fclose(f);
    if (!ok)
        return arv_error_set(err, ARV_EINVAL, "%s: truncated or corrupt checkpoint", file);
    return ARV_OK;
}

/* ---- the runs ---------------------------------------------------------- */

static void result_alloc(struct arv_calib_result *r, size_t N, size_t P)
{
    memset(r, 0, sizeof *r);
    r->n_particles = N;
    r->n_params = P;
    r->theta = arv_xcalloc(N * P, sizeof(double));
    r->weight = arv_xcalloc(N, sizeof(double));
    r->distance = arv_xcalloc(N, sizeof(double));
}

void arv_calib_result_free(struct arv_calib_result *r)
{
    free(r->theta);
    free(r->weight);
    free(r->distance);
    free(r->gen);
    memset(r, 0, sizeof *r);
}

static void push_generation(struct arv_calib_result *r, double tol, long sims)
{
    r->gen = arv_xrealloc(r->gen, (size_t)(r->n_gen + 1) * sizeof *r->gen);
    struct arv_calib_generation *g = &r->gen[r->n_gen++];
    g->tolerance = tol;
    g->ess = ess(r->weight, r->n_particles);
    g->simulations = sims;
    g->acceptance_rate = sims > 0 ? (double)r->n_particles / (double)sims : NAN;
    r->simulations += sims;
}

struct order {
    double d;
    size_t i;
};

static int cmp_order(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    if (x->d != y->d)
        return (x->d > y->d) - (x->d < y->d);
    return (x->i > y->i) - (x->i < y->i);
}

static int cmp_index(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    return (x->i > y->i) - (x->i < y->i);
}

/* Rejection without a tolerance: the N closest of `budget` prior draws
 * (ties broken by index), kept in index order. */
static int rejection_closest(const struct arv_calib_problem *pb,
                             const struct arv_calib_settings *s, struct arv_calib_result *r,
                             struct arv_error *err)
{
    size_t N = s->particles, P = pb->n_params, T = pb->targets->n;
    size_t M = (size_t)s->budget, bsize = s->batch ? s->batch : N;
    struct proposal pr = {pb->priors, P, NULL, NULL, 0, NULL};
    double *theta = arv_xmalloc(M * P * sizeof *theta);
    struct order *o = arv_xmalloc(M * sizeof *o);
    struct batch b;
    batch_init(&b, bsize, P, T);
    for (size_t first = 0; first < M; first += bsize) {
        size_t n = M - first < bsize ? M - first : bsize;
        run_batch(pb, s, &pr, 0, (long)first, n, &b);
        r->simulations_run += (long)n;
        for (size_t i = 0; i < n; i++) {
            if (candidate_failed(&b, i, r, err))
                goto done;
            memcpy(theta + (first + i) * P, b.theta + i * P, P * sizeof(double));
            o[first + i].d = b.dist[i];
            o[first + i].i = first + i;
        }
    }
    qsort(o, M, sizeof *o, cmp_order);
    double tol = o[N - 1].d;
    if (!isfinite(tol)) {
        arv_error_set(err, ARV_EINVAL,
                      "calibration: only %ld of %zu candidates could compute every target, "
                      "fewer than %zu particles (%s)",
                      (long)M - r->simulations_nostat, M, N, r->nostat_reason);
        goto done;
    }
    qsort(o, N, sizeof *o, cmp_index);
    for (size_t k = 0; k < N; k++) {
        memcpy(r->theta + k * P, theta + o[k].i * P, P * sizeof(double));
        r->distance[k] = o[k].d;
        r->weight[k] = 1.0 / (double)N;
    }
    push_generation(r, tol, (long)M);
done:
    batch_free(&b);
    free(theta);
    free(o);
    return err->status;
}

int arv_calib_run(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                  struct arv_calib_result *r, struct arv_error *err)
{
    size_t N = s->particles, P = pb->n_params;
    memset(r, 0, sizeof *r);
    if (arv_calib_check(pb, s, err) != ARV_OK)
        return err->status;
    if (s->method == ARV_CALIB_SMM)
        return arv_error_set(err, ARV_EINVAL, "calibration: method smm runs with arv_smm_run");
    uint64_t fp = arv_calib_fingerprint(pb, s);
    result_alloc(r, N, P);
    if (s->resume) {
        if (s->checkpoint == NULL) {
            arv_error_set(err, ARV_EINVAL, "calibration: resume needs a checkpoint file");
            goto fail;
        }
        if (read_checkpoint(s->checkpoint, fp, P, N, r, err) != ARV_OK)
            goto fail;
    }
    if (s->method == ARV_CALIB_REJECTION) {
        if (r->n_gen > 0) /* resumed a finished rejection run */
            return ARV_OK;
        if (s->tolerance == 0) {
            if (rejection_closest(pb, s, r, err) != ARV_OK)
                goto fail;
        } else {
            struct proposal pr = {pb->priors, P, NULL, NULL, 0, NULL};
            struct accepted acc = {r->theta, r->distance, 0};
            long used = 0;
            if (run_generation(pb, s, &pr, 0, s->tolerance, s->budget, &acc, &used, r,
                               err) != ARV_OK)
                goto fail;
            if (acc.n < N) {
                arv_error_set(err, ARV_EINVAL,
                              "calibration: rejection accepted only %zu of %zu particles within "
                              "tolerance %g in the budget of %ld simulations",
                              acc.n, N, s->tolerance, s->budget);
                goto fail;
            }
            for (size_t i = 0; i < N; i++)
                r->weight[i] = 1.0 / (double)N;
            push_generation(r, s->tolerance, used);
        }
        if (save_checkpoint(s, fp, r, err) != ARV_OK)
            goto fail;
        return ARV_OK;
    }

    /* abc-smc */
    double *prev = arv_xmalloc(N * P * sizeof *prev), *wprev = arv_xmalloc(N * sizeof *wprev);
    double *cumw = arv_xmalloc(N * sizeof *cumw), *L = arv_xmalloc(P * P * sizeof *L);
    double *ntheta = arv_xmalloc(N * P * sizeof *ntheta), *ndist = arv_xmalloc(N * sizeof *ndist);
    if (r->n_gen == 0) {
        struct proposal pr = {pb->priors, P, NULL, NULL, 0, NULL};
        struct accepted acc = {r->theta, r->distance, 0};
        long used = 0;
        long remaining = s->budget;
        if (run_generation(pb, s, &pr, 0, INFINITY, remaining, &acc, &used, r, err) != ARV_OK)
            goto fail_smc;
        if (acc.n < N) {
            arv_error_set(err, ARV_EINVAL, "calibration: the budget (%ld) is smaller than one "
                          "generation of %zu particles", s->budget, N);
            goto fail_smc;
        }
        for (size_t i = 0; i < N; i++)
            r->weight[i] = 1.0 / (double)N;
        push_generation(r, INFINITY, used);
        if (save_checkpoint(s, fp, r, err) != ARV_OK)
            goto fail_smc;
    }
    while (r->n_gen < s->generations) {
        uint32_t g = (uint32_t)r->n_gen;
        if (s->min_tolerance > 0 && r->gen[r->n_gen - 1].tolerance <= s->min_tolerance)
            break; /* reached the floor */
        double tol = dist_quantile(r->distance, N, s->quantile);
        if (tol < s->min_tolerance)
            tol = s->min_tolerance;
        memcpy(prev, r->theta, N * P * sizeof *prev);
        memcpy(wprev, r->weight, N * sizeof *wprev);
        double c = 0;
        for (size_t i = 0; i < N; i++)
            cumw[i] = c += wprev[i];
        if (kernel_cholesky(prev, wprev, N, P, pb->priors, L, err) != ARV_OK)
            goto fail_smc;
        struct proposal pr = {pb->priors, P, prev, cumw, N, L};
        struct accepted acc = {ntheta, ndist, 0};
        long used = 0;
        long remaining = 0;
        if (s->budget > 0) {
            remaining = s->budget - r->simulations;
            if (remaining <= 0) {
                r->budget_exhausted = true;
                break;
            }
        }
        if (run_generation(pb, s, &pr, g, tol, remaining, &acc, &used, r, err) != ARV_OK)
            goto fail_smc;
        if (acc.n < N) {
            r->budget_exhausted = true;
            break;
        }
        memcpy(r->theta, ntheta, N * P * sizeof *ntheta);
        memcpy(r->distance, ndist, N * sizeof *ndist);
        smc_weights(pb->priors, P, prev, wprev, N, L, r->theta, r->weight);
        push_generation(r, tol, used);
        if (save_checkpoint(s, fp, r, err) != ARV_OK)
            goto fail_smc;
    }
    free(prev);
    free(wprev);
    free(cumw);
    free(L);
    free(ntheta);
    free(ndist);
    return ARV_OK;
fail_smc:
    free(prev);
    free(wprev);
    free(cumw);
    free(L);
    free(ntheta);
    free(ndist);
fail:
    arv_calib_result_free(r);
    return err->status;
}

/* ---- summaries --------------------------------------------------------- */

void arv_calib_moments(const struct arv_calib_result *r, size_t j, double *mean, double *var)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < r->n_particles; i++)
        m += r->weight[i] * r->theta[i * r->n_params + j];
    for (size_t i = 0; i < r->n_particles; i++) {
        double d = r->theta[i * r->n_params + j] - m;
        v += r->weight[i] * d * d;
    }
    *mean = m;
    *var = v;
}

struct wv {
    double x, w;
};

static int cmp_wv(const void *a, const void *b)
{
    const struct wv *x = a, *y = b;
    return (x->x > y->x) - (x->x < y->x);
}

/* Weighted quantile: the smallest x whose cumulative weight reaches q. */
double arv_calib__wquantile(const double *x, size_t stride, const double *w, size_t n, double q)
{
    /* (entries of weight 0 left out: they may be NaN) */
    struct wv *v = arv_xmalloc(n * sizeof *v);
    double tot = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] > 0) {
            v[m].x = x[i * stride];
            v[m++].w = w[i];
            tot += w[i];
        }
    if (m == 0) {
        free(v);
        return NAN;
    }
    qsort(v, m, sizeof *v, cmp_wv);
    double c = 0, out = v[m - 1].x;
    for (size_t i = 0; i < m; i++) {
        c += v[i].w;
        if (c >= q * tot) {
            out = v[i].x;
            break;
        }
    }
    free(v);
    return out;
}

double arv_calib_quantile(const struct arv_calib_result *r, size_t j, double q)
{
    return arv_calib__wquantile(r->theta + j, r->n_params, r->weight, r->n_particles, q);
}

int arv_calib_predict(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                      const struct arv_calib_result *r, struct arv_calib_predictive *out,
                      struct arv_error *err)
{
    size_t N = r->n_particles, T = pb->targets->n, P = pb->n_params;
    out->n_particles = N;
    out->n_targets = T;
    out->stat = arv_xcalloc(N * T, sizeof(double));
    out->var = arv_xcalloc(N * T, sizeof(double));
    out->p = arv_xcalloc(N * T, sizeof(double));
    int *status = arv_xcalloc(N, sizeof *status);
    struct arv_error *errs = arv_xcalloc(N, sizeof *errs);
    int nt = n_threads(s), ranks = s->ranks > 1 ? s->ranks : 1;
    size_t lo = 0, hi = N;
    if (ranks > 1)
        arv_mpi_block(N, s->rank, ranks, &lo, &hi);
    bool par = pb->thread_safe && nt > 1;
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (par)
    for (size_t k = lo; k < hi; k++) {
        arv_error_init(&errs[k]);
        struct arv_rng rng;
        arv_rng_init(&rng, s->seed, KEY_PREDICT);
        arv_rng_seek(&rng, ARV_STREAM_CALIBRATION, (uint32_t)k, PURPOSE_SEED);
        status[k] = arv_calib__simulate(pb, r->theta + k * P, arv_rng_u32(&rng),
                                        out->stat + k * T, out->var + k * T, out->p + k * T,
                                        &errs[k]);
    }
    if (ranks > 1) {
        arv_mpi_allgather_blocks(out->stat, T * sizeof(double), N);
        arv_mpi_allgather_blocks(out->var, T * sizeof(double), N);
        arv_mpi_allgather_blocks(out->p, T * sizeof(double), N);
        arv_mpi_allgather_blocks(status, sizeof *status, N);
        arv_mpi_allgather_blocks(errs, sizeof *errs, N);
    }
    out->n_nostat = 0;
    for (size_t k = 0; k < N; k++) {
        if (status[k] == ARV_ENOSTAT) {
            /* left out of the predictive summaries (arv_calib_write_fit) */
            if (out->n_nostat++ == 0)
                snprintf(out->nostat_reason, sizeof out->nostat_reason, "%s", errs[k].msg);
            for (size_t i = 0; i < T; i++)
                out->stat[k * T + i] = out->var[k * T + i] = out->p[k * T + i] = NAN;
        } else if (status[k] != ARV_OK) {
            arv_error_set(err, status[k], "%s", errs[k].msg);
            break;
        }
    }
    free(status);
    free(errs);
    if (err->status != ARV_OK)
        arv_calib_predictive_free(out);
    return err->status;
}

void arv_calib_predictive_free(struct arv_calib_predictive *p)
{
    free(p->stat);
    free(p->var);
    free(p->p);
    memset(p, 0, sizeof *p);
}

/* ---- writers ----------------------------------------------------------- */

static void put_double(FILE *f, double x)
{
    if (isnan(x))
        return; /* empty cell */
    if (isinf(x))
        fputs(x > 0 ? "inf" : "-inf", f);
    else
        fprintf(f, "%.17g", x);
}

static int finish(FILE *f)
{
    return ferror(f) ? ARV_EIO : ARV_OK;
}

int arv_calib_write_posterior(FILE *f, const struct arv_calib_problem *pb,
                              const struct arv_calib_result *r)
{
    fputs("particle,weight", f);
    for (size_t j = 0; j < pb->n_params; j++)
        fprintf(f, ",%s", pb->priors[j].path);
    fputc('\n', f);
    for (size_t i = 0; i < r->n_particles; i++) {
        fprintf(f, "%zu,", i);
        put_double(f, r->weight[i]);
        for (size_t j = 0; j < r->n_params; j++) {
            fputc(',', f);
            put_double(f, r->theta[i * r->n_params + j]);
        }
        fputc('\n', f);
    }
    return finish(f);
}

int arv_calib_write_generations(FILE *f, const struct arv_calib_result *r)
{
    fputs("generation,tolerance,ess,simulations,acceptance_rate\n", f);
    for (int g = 0; g < r->n_gen; g++) {
        fprintf(f, "%d,", g);
        put_double(f, r->gen[g].tolerance);
        fputc(',', f);
        put_double(f, r->gen[g].ess);
        fprintf(f, ",%ld,", r->gen[g].simulations);
        put_double(f, r->gen[g].acceptance_rate);
        fputc('\n', f);
    }
    return finish(f);
}

static void put_csv_text(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\n\r") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int arv_calib_write_fit(FILE *f, const struct arv_calib_problem *pb,
                        const struct arv_calib_settings *s, const struct arv_calib_result *r,
                        const struct arv_calib_predictive *pred)
{
    size_t N = r->n_particles, T = pb->targets->n;
    /* the particles whose simulation computed the targets, weights
     * renormalised; the others (a row of NaN: ARV_ENOSTAT,
     * arv_calib_predict) get weight 0 and are skipped */
    double *w = arv_xmalloc(N * sizeof *w), total = 0;
    for (size_t k = 0; k < N; k++)
        total += w[k] = isnan(pred->var[k * T]) ? 0.0 : r->weight[k];
    for (size_t k = 0; k < N; k++)
        w[k] = total > 0 ? w[k] / total : 0.0;
    fputs("id,metric,group,time,observed,se,simulated_mean,lo,hi,z,ppp\n", f);
    for (size_t i = 0; i < T; i++) {
        const struct arv_target *t = &pb->targets->t[i];
        double mean = 0, vbetween = 0, vwithin = 0;
        for (size_t k = 0; k < N; k++) {
            if (w[k] == 0)
                continue;
            mean += w[k] * pred->stat[k * T + i];
            vwithin += w[k] * pred->var[k * T + i];
        }
        for (size_t k = 0; k < N; k++) {
            if (w[k] == 0)
                continue;
            double d = pred->stat[k * T + i] - mean;
            vbetween += w[k] * d * d;
        }
        double lo = arv_calib__wquantile(pred->stat + i, T, w, N, 0.025);
        double hi = arv_calib__wquantile(pred->stat + i, T, w, N, 0.975);
        double z = NAN, ppp = 0;
        if (total == 0) { /* no particle computed the targets */
            mean = ppp = NAN;
        } else if (t->kind == ARV_TARGET_TRIAL_NULL) {
            for (size_t k = 0; k < N; k++)
                if (w[k] > 0 && pred->p[k * T + i] > ARV_EST_ALPHA)
                    ppp += w[k];
        } else {
            double sc = arv_calib__scale(t, s->discrepancy, 0);
            z = (t->value - mean) / sqrt(sc * sc + vbetween + vwithin);
            double up = 0; /* P(replicate >= observed) */
            for (size_t k = 0; k < N; k++) {
                if (w[k] == 0)
                    continue;
                double sk = sqrt(sc * sc + pred->var[k * T + i]);
                double d = pred->stat[k * T + i] - t->value;
                up += w[k] * (sk > 0 ? gsl_cdf_ugaussian_P(d / sk) : d > 0 ? 1.0 : d < 0 ? 0 : 0.5);
            }
            ppp = 2 * (up < 1 - up ? up : 1 - up);
            if (ppp > 1)
                ppp = 1;
        }
        put_csv_text(f, t->id);
        fputc(',', f);
        put_csv_text(f, t->metric);
        fputc(',', f);
        put_csv_text(f, t->group);
        fputc(',', f);
        if (t->time_kind == ARV_TIME_MONTH)
            fprintf(f, "%d", t->time);
        else if (t->time_kind == ARV_TIME_AGE)
            fprintf(f, "age:%d", t->time);
        fputc(',', f);
        put_double(f, t->value);
        fputc(',', f);
        if (!t->se_missing)
            put_double(f, t->se);
        fputc(',', f);
        put_double(f, mean);
        fputc(',', f);
        put_double(f, lo);
        fputc(',', f);
        put_double(f, hi);
        fputc(',', f);
        put_double(f, z);
        fputc(',', f);
        put_double(f, ppp);
        fputc('\n', f);
    }
    free(w);
    return finish(f);
}

/* Writes the priors idx[0..n) (all below the same group at depth) as
 * nested libconfig groups. */
static void emit_group(FILE *f, const struct arv_prior *priors, const double *values,
                       const size_t *idx, size_t n, int depth, bool *done)
{
    for (size_t a = 0; a < n; a++) {
        size_t k = idx[a];
        if (done[k])
            continue;
        const char *path = priors[k].path;
        const char *c = path;
        for (int d = 0; d < depth; d++)
            c = strchr(c, '.') + 1;
        const char *dot = strchr(c, '.');
        int len = dot ? (int)(dot - c) : (int)strlen(c);
        fprintf(f, "%*s", 2 * depth, "");
        if (dot == NULL) {
            char num[64];
            snprintf(num, sizeof num, "%.17g", values[k]);
            if (strpbrk(num, ".eEni") == NULL)
                strcat(num, ".0");
            fprintf(f, "%.*s = %s;\n", len, c, num);
            done[k] = true;
            continue;
        }
        /* every later prior in this group with the same component */
        size_t *sub = arv_xmalloc(n * sizeof *sub);
        size_t m = 0;
        for (size_t b = a; b < n; b++) {
            size_t q = idx[b];
            if (done[q])
                continue;
            const char *e = priors[q].path;
            for (int d = 0; d < depth; d++)
                e = strchr(e, '.') + 1;
            if (strncmp(e, c, (size_t)len) == 0 && e[len] == '.')
                sub[m++] = q;
        }
        fprintf(f, "%.*s: {\n", len, c);
        emit_group(f, priors, values, sub, m, depth + 1, done);
        fprintf(f, "%*s};\n", 2 * depth, "");
        free(sub);
    }
}

int arv_calib_write_snippet(FILE *f, const char *scenario, const struct arv_prior *priors,
                            size_t n_params, const double *values)
{
    fprintf(f, "# Calibrated parameters (posterior summary) over %s\n@include \"%s\"\n\n",
            scenario, scenario);
    size_t *idx = arv_xmalloc(n_params * sizeof *idx);
    bool *done = arv_xcalloc(n_params, sizeof *done);
    for (size_t k = 0; k < n_params; k++)
        idx[k] = k;
    emit_group(f, priors, values, idx, n_params, 0, done);
    free(idx);
    free(done);
    return finish(f);
}

/* Dotted libconfig names: [A-Za-z][-A-Za-z0-9_]* joined by single dots. */
static bool valid_path(const char *p)
{
    bool start = true;
    for (; *p; p++) {
        char c = *p;
        bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (start) {
            if (!letter)
                return false;
            start = false;
        } else if (c == '.') {
            start = true;
        } else if (!letter && !(c >= '0' && c <= '9') && c != '_' && c != '-') {
            return false;
        }
    }
    return !start;
}

static int write_snippet_file(const struct arv_outdir *o, const char *name,
                              const char *scenario, const struct arv_calib_problem *pb,
                              const double *values, struct arv_error *err)
{
    FILE *f = arv_outdir_open(o, name, err);
    if (f == NULL)
        return ARV_EIO;
    arv_calib_write_snippet(f, scenario, pb->priors, pb->n_params, values);
    return arv_outdir_close(o, f, name, err);
}

int arv_calib_write_snippets(const struct arv_outdir *o, const char *scenario,
                             const struct arv_calib_problem *pb,
                             const struct arv_calib_settings *s,
                             const struct arv_calib_result *r, int draws, struct arv_error *err)
{
    size_t P = pb->n_params, N = r->n_particles;
    for (size_t k = 0; k < P; k++)
        if (!valid_path(pb->priors[k].path))
            return arv_error_set(err, ARV_EINVAL,
                                 "calibration: '%s' is not a parameter path (names of letters, "
                                 "digits, '_' and '-', starting with a letter, joined by dots)",
                                 pb->priors[k].path);
    for (size_t k = 0; k < P; k++) /* paths must form a tree: no a.b and a.b.c */
        for (size_t j = 0; j < P; j++) {
            size_t lk = strlen(pb->priors[k].path);
            if (j != k && strncmp(pb->priors[j].path, pb->priors[k].path, lk) == 0 &&
                pb->priors[j].path[lk] == '.')
                return arv_error_set(err, ARV_EINVAL,
                                     "calibration: %s is both a parameter and a group (%s)",
                                     pb->priors[k].path, pb->priors[j].path);
        }
    double *v = arv_xmalloc(P * sizeof *v);
    for (size_t j = 0; j < P; j++) {
        double var;
        arv_calib_moments(r, j, &v[j], &var);
    }
    int rc = write_snippet_file(o, "calibrated.cfg", scenario, pb, v, err);
    double *cumw = arv_xmalloc(N * sizeof *cumw);
    double c = 0;
    for (size_t i = 0; i < N; i++)
        cumw[i] = c += r->weight[i];
    if (draws > 0 && rc == ARV_OK) {
        /* K particles drawn by weight, as the scenario's parameter_draws:
         * replicate r of a run uses draw r mod K */
        struct arv_param_draws d = {.n_paths = P, .n_rows = (size_t)draws};
        d.paths = arv_xcalloc(P, sizeof *d.paths);
        for (size_t j = 0; j < P; j++)
            d.paths[j] = (char *)pb->priors[j].path;
        d.values = arv_xcalloc((size_t)draws * P, sizeof *d.values);
        for (int k = 0; k < draws; k++) {
            struct arv_rng rng;
            arv_rng_init(&rng, s->seed, KEY_DRAWS);
            arv_rng_seek(&rng, ARV_STREAM_CALIBRATION, (uint32_t)k, 0);
            size_t i = pick(cumw, N, arv_rng_uniform(&rng));
            memcpy(d.values + (size_t)k * P, r->theta + i * P, P * sizeof(double));
        }
        FILE *f = arv_outdir_open(o, "calibrated-draws.cfg", err);
        if (f == NULL) {
            rc = ARV_EIO;
        } else {
            fprintf(f, "# %d draws from the posterior (by weight) over %s: replicate r of a run\n"
                       "# uses draw r mod %d, so the replicates carry the parameter uncertainty.\n"
                       "@include \"%s\"\n\n",
                    draws, scenario, draws, scenario);
            arv_param_draws_write(&d, f);
            rc = arv_outdir_close(o, f, "calibrated-draws.cfg", err);
        }
        free(d.paths);
        free(d.values);
    }
    free(cumw);
    free(v);
    return rc;
}

int arv_calib_write_all(const struct arv_outdir *o, const char *scenario,
                        const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                        const struct arv_calib_result *r, const struct arv_calib_predictive *pred,
                        int draws, struct arv_error *err)
{
    static const char *const names[] = {"posterior.csv", "generations.csv", "fit.csv"};
    for (int k = 0; k < 3; k++) {
        FILE *f = arv_outdir_open(o, names[k], err);
        if (f == NULL)
            return ARV_EIO;
        if (k == 0)
            arv_calib_write_posterior(f, pb, r);
        else if (k == 1)
            arv_calib_write_generations(f, r);
        else
            arv_calib_write_fit(f, pb, s, r, pred);
        int rc = arv_outdir_close(o, f, names[k], err);
        if (rc != ARV_OK)
            return rc;
    }
    return arv_calib_write_snippets(o, scenario, pb, s, r, draws, err);
}
