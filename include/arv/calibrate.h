/*
 * Calibration engine: fits model parameters to published figures.
 *
 * The engine knows nothing about the household model. The model is reached
 * only through a callback (arv_calib_simulate_fn) that turns a parameter
 * vector and a simulation seed into one simulated statistic per target.
 *
 *   priors      one prior per calibrated parameter path (normal, lognormal,
 *               uniform, beta), parsed from the scenario's `calibration`
 *               group (arv_calib_config_parse)
 *   targets     the targets CSV (arv_targets_read), metric and group names
 *               checked against lists supplied by the caller
 *   rejection   ABC rejection from the prior
 *   abc-smc     ABC population Monte Carlo with an adaptive tolerance
 *   smm         simulated method of moments (Nelder-Mead with common random
 *               numbers) and an identifiability report
 *
 * Determinism: candidate k of generation g draws its parameters, its
 * simulation seed and its observation noise from the Philox stream
 * key = (seed, g), counter = (k, ARV_STREAM_CALIBRATION, purpose, .), and
 * candidates are accepted strictly in index order, so results do not depend
 * on the number of threads or the batch size. See docs/calibration.md.
 */
#ifndef ARV_CALIBRATE_H
#define ARV_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arv/error.h"
#include "arv/rng.h"

struct arv_outdir; /* arv/output.h */

/* ---- priors ------------------------------------------------------------ */

enum arv_prior_family {
    ARV_PRIOR_NORMAL,    /* a = mean, b = sd; optional truncation lower/upper */
    ARV_PRIOR_LOGNORMAL, /* a = meanlog, b = sdlog; support (0, inf) */
    ARV_PRIOR_UNIFORM,   /* a = min, b = max */
    ARV_PRIOR_BETA,      /* a = alpha, b = beta; support (0, 1) */
};

struct arv_prior {
    char path[256];             /* parameter path, e.g. "work.beta.somalia" */
    enum arv_prior_family family;
    double a, b;                /* the family's two parameters (above) */
    double lower, upper;        /* support; -INFINITY / INFINITY when open */
    int line;                   /* source line in the scenario (0 if none) */
};

/* Fills lower/upper from the family (and truncation, normal only) and
 * checks the parameters: sd > 0, min < max, alpha, beta > 0, a truncation
 * interval with positive prior mass. Errors name the path. */
int arv_prior_check(struct arv_prior *p, struct arv_error *err);

/* One draw from the prior with r (already seeked). Truncated normals are
 * drawn by inversion, so every draw uses a fixed number of words. */
double arv_prior_sample(const struct arv_prior *p, struct arv_rng *r);

/* Normalised log density (with the truncation's normalising constant);
 * -INFINITY outside the support. */
double arv_prior_logpdf(const struct arv_prior *p, double x);

/* Prior mean and standard deviation (of the truncated law for normal). */
double arv_prior_mean(const struct arv_prior *p);
double arv_prior_sd(const struct arv_prior *p);

/* ---- settings ---------------------------------------------------------- */

enum arv_calib_method { ARV_CALIB_ABC_SMC, ARV_CALIB_REJECTION, ARV_CALIB_SMM };

struct arv_calib_settings {
    enum arv_calib_method method;
    size_t particles;       /* accepted particles per generation (N) */
    int generations;        /* abc-smc: generations including generation 0 */
    long budget;            /* simulation budget; 0 = unlimited (rejection
                               without a tolerance: the number of draws) */
    double discrepancy;     /* model discrepancy, as a fraction of |value| */
    double quantile;        /* abc-smc: next tolerance = this quantile of the
                               accepted distances (default 0.5) */
    double tolerance;       /* rejection: the first N candidates (in index
                               order) with distance <= this; 0 = keep the N
                               closest of `budget` draws */
    double min_tolerance;   /* abc-smc: the tolerance never goes below this;
                               the run stops after a generation at it (0 =
                               no floor) */
    bool observation_noise; /* add N(0, se^2 + (discrepancy |value|)^2) to
                               simulated statistics (noisy ABC); see docs */
    uint32_t seed;          /* key of every calibration stream */
    size_t batch;           /* candidates simulated per batch (0 = N) */
    int threads;            /* OpenMP threads for a batch (0 = default) */
    int rank, ranks;        /* MPI: this process and how many share each
                               batch (contiguous blocks of candidates;
                               0 or 1 ranks = one process). Every rank calls
                               the engine alike; rank 0 writes the
                               checkpoint */
    const char *checkpoint; /* checkpoint file written after each generation
                               (NULL = none) */
    bool resume;            /* start from `checkpoint` */
    uint64_t model_fingerprint; /* the caller's hash of what the engine cannot
                               see (scenario, model version); part of the
                               checkpoint's fingerprint */
    double smm_rel_tol;     /* smm: a direction whose singular value is at
                               most this x the largest is "not identified"
                               (default 1e-3) */
    int smm_max_iter;       /* smm: Nelder-Mead iterations (default 2000) */
};

/* The defaults: abc-smc, 500 particles, 10 generations, no budget, no
 * discrepancy, quantile 0.5, observation noise off, seed 1, smm 1e-3/2000. */
void arv_calib_settings_default(struct arv_calib_settings *s);

/* ---- the scenario's calibration group ---------------------------------- */

/* What arv_calib_config_parse reads from
 *   calibration: {
 *     method = "abc-smc";        # or "rejection", "smm"
 *     particles = 500; generations = 10; budget = 100000;
 *     discrepancy = 0.05; quantile = 0.5; tolerance = 0.0; min_tolerance = 0.0;
 *     observation_noise = true;
 *     smm_iterations = 2000; smm_tolerance = 1e-3;
 *     parameters = (
 *       { path = "work.beta.somalia"; prior = "normal"; mean = -1.6; sd = 0.5;
 *         min = -5.0; max = 0.0; },
 *       { path = "income.tax"; prior = "beta"; alpha = 2.0; beta = 6.0; } );
 *   };
 * Settings not given keep their defaults. */
struct arv_calib_config {
    struct arv_calib_settings settings;
    int trial_estimator;      /* trial targets: enum arv_est_method (cr2) */
    char *trial_scenario;     /* trial targets: the scenario whose virtual
                                 trial they read, relative paths resolved
                                 against the calibrating scenario's
                                 directory (owned; NULL = that scenario) */
    int trial_scenario_line;
    struct arv_prior *priors; /* n_priors (owned) */
    size_t n_priors;
};

/* libconfig 1.5's setting (config_setting_t), declared here so that this
 * header does not need libconfig.h. */
struct config_setting_t;

/* group is the calibration group (libconfig 1.5); file names the scenario
 * in messages ("file:line: reason"). Unknown settings, a missing or
 * duplicated path, an unknown prior family, missing or extra prior
 * parameters and invalid values are errors. */
int arv_calib_config_parse(const struct config_setting_t *group, const char *file,
                           struct arv_calib_config *out, struct arv_error *err);
void arv_calib_config_free(struct arv_calib_config *c);

/* ---- targets ----------------------------------------------------------- */

enum arv_target_kind { ARV_TARGET_LEVEL, ARV_TARGET_TRIAL_EFFECT, ARV_TARGET_TRIAL_NULL };
enum arv_target_time { ARV_TIME_TOTAL, ARV_TIME_MONTH, ARV_TIME_AGE };

struct arv_target {
    char *id, *metric, *group, *source; /* owned */
    enum arv_target_kind kind;
    enum arv_target_time time_kind;
    int time;       /* month or age; 0 for totals */
    double value;
    double se;      /* 0 when the se cell is empty (se_missing) */
    bool se_missing;
    int line;       /* file row */
};

struct arv_targets {
    struct arv_target *t;
    size_t n;
};

/* The names a targets file may use. Either arrays (NULL-terminated) or a
 * predicate; a NULL list with a NULL predicate accepts every name. */
struct arv_target_names {
    const char *const *metrics;
    const char *const *groups;
    bool (*valid_metric)(void *ctx, const char *name);
    bool (*valid_group)(void *ctx, const char *name);
    void *ctx;
};

/* Reads a targets CSV (header exactly id,kind,metric,group,time,value,se,
 * source). A bad line fails with "FILE: line L, column C (name): reason". */
int arv_targets_read(const char *file, const struct arv_target_names *names,
                     struct arv_targets *out, struct arv_error *err);
void arv_targets_free(struct arv_targets *t);

/* ---- the model callback ------------------------------------------------ */

/* What the model returns for one parameter vector, one entry per target
 * (in file order). The engine sets var[] to 0 and p[] to NAN before the
 * call.
 *   stat[i]  level: the simulated metric; trial_effect / trial_null: the
 *            virtual trial's estimate
 *   var[i]   Monte Carlo variance of stat[i] (e.g. the variance of the mean
 *            over replicates); 0 if unknown. It widens the scale.
 *   p[i]     trial_null: the trial's two-sided p-value (required) */
struct arv_calib_sim {
    double *stat, *var, *p;
};

/* Simulates the model at theta (one value per prior, in prior order) with
 * the simulation seed sim_seed (from the candidate's keyed stream; a fixed
 * seed in smm). Returns ARV_OK or a status with err set. Called from
 * several threads at once only when the problem says it is thread-safe. */
typedef int (*arv_calib_simulate_fn)(void *ctx, const double *theta, uint32_t sim_seed,
                                     struct arv_calib_sim *out, struct arv_error *err);

struct arv_calib_problem {
    const struct arv_prior *priors;
    size_t n_params;
    const struct arv_targets *targets;
    arv_calib_simulate_fn simulate;
    void *ctx;
    bool thread_safe;
};

/* Checks a problem against settings (a target with an empty se needs a
 * non-zero discrepancy and value; trial_null targets need no se).
 * arv_calib_run and arv_smm_run call it. */
int arv_calib_check(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                    struct arv_error *err);

/* The distance of one simulation: sqrt(sum over targets of z_i^2) with
 *   level, trial_effect: z = (stat - value) / sqrt(se^2 + (discrepancy
 *                        |value|)^2 + var)
 *   trial_null:          z = max(0, Phi^-1(1 - p/2) - 1.959964), that is
 *                        how far the simulated |z| is beyond significance */
double arv_calib_distance(const struct arv_targets *t, double discrepancy,
                          const struct arv_calib_sim *sim);

/* ---- ABC (rejection, abc-smc) ----------------------------------------- */

struct arv_calib_generation {
    double tolerance;       /* INFINITY for generation 0 of abc-smc */
    double ess;             /* 1 / sum w^2 */
    long simulations;       /* simulations this generation */
    double acceptance_rate; /* particles / simulations */
};

struct arv_calib_result {
    size_t n_particles, n_params;
    double *theta;    /* n_particles x n_params, row-major (owned) */
    double *weight;   /* normalised (owned) */
    double *distance; /* (owned) */
    struct arv_calib_generation *gen; /* n_gen completed generations */
    int n_gen;
    long simulations;      /* total simulations used (all generations) */
    long simulations_run;  /* simulations actually run this call: can exceed
                              the used ones by up to batch - 1 per generation */
    long simulations_nostat; /* of those, the ones that could not compute every
                                target (ARV_ENOSTAT): rejected, distance infinite */
    char nostat_reason[512]; /* the first one's reason */
    bool budget_exhausted; /* the last generation did not complete */
};

/* Runs rejection or abc-smc (settings->method). With settings->checkpoint
 * the state is written after every generation; with settings->resume the
 * run continues from it (refused if settings, priors or targets differ). */
int arv_calib_run(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                  struct arv_calib_result *out, struct arv_error *err);
void arv_calib_result_free(struct arv_calib_result *r);

/* Fingerprint of what determines a run (method, particles, quantile,
 * tolerances, discrepancy, observation noise, seed, model fingerprint,
 * priors, targets); not
 * generations, budget, batch or threads, so a resumed run may go further. */
uint64_t arv_calib_fingerprint(const struct arv_calib_problem *pb,
                               const struct arv_calib_settings *s);

/* Posterior predictive simulations: particle k simulated once more with
 * key (seed, 0xffffffff), candidate k. stat/var/p are n_particles x
 * n_targets (owned). */
struct arv_calib_predictive {
    size_t n_particles, n_targets;
    double *stat, *var, *p; /* NaN rows: particles whose simulation could not
                               compute every target (ARV_ENOSTAT) */
    size_t n_nostat;        /* how many */
    char nostat_reason[512]; /* the first one's reason */
};
int arv_calib_predict(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                      const struct arv_calib_result *r, struct arv_calib_predictive *out,
                      struct arv_error *err);
void arv_calib_predictive_free(struct arv_calib_predictive *p);

/* Weighted posterior mean and variance of parameter j. */
void arv_calib_moments(const struct arv_calib_result *r, size_t j, double *mean, double *var);
/* Weighted quantile q of parameter j. */
double arv_calib_quantile(const struct arv_calib_result *r, size_t j, double q);

/* ---- writers ----------------------------------------------------------- */

/* posterior.csv: particle,weight,<path>... (doubles as %.17g) */
int arv_calib_write_posterior(FILE *f, const struct arv_calib_problem *pb,
                              const struct arv_calib_result *r);
/* generations.csv: generation,tolerance,ess,simulations,acceptance_rate */
int arv_calib_write_generations(FILE *f, const struct arv_calib_result *r);
/* fit.csv: id,metric,group,time,observed,se,simulated_mean,lo,hi,z,ppp */
int arv_calib_write_fit(FILE *f, const struct arv_calib_problem *pb,
                        const struct arv_calib_settings *s, const struct arv_calib_result *r,
                        const struct arv_calib_predictive *pred);
/* A libconfig scenario that @includes `scenario` and sets each prior's path
 * to values[j] as nested groups. */
int arv_calib_write_snippet(FILE *f, const char *scenario, const struct arv_prior *priors,
                            size_t n_params, const double *values);
/* The posterior-mean snippet calibrated.cfg in the output directory o and,
 * with draws = K > 0, calibrated-draws.cfg: K particles resampled by weight
 * (key (seed, 0xfffffffe)) as the scenario's parameter_draws group, so that
 * replicate r of a run uses draw r mod K. A failed write names the file in
 * o's final directory. */
int arv_calib_write_snippets(const struct arv_outdir *o, const char *scenario,
                             const struct arv_calib_problem *pb,
                             const struct arv_calib_settings *s,
                             const struct arv_calib_result *r, int draws, struct arv_error *err);

/* Everything an ABC run writes, into the output directory o (begun):
 * posterior.csv, generations.csv, fit.csv (from pred), calibrated.cfg and
 * with draws > 0 calibrated-draws.cfg (arv_calib_write_snippets). */
int arv_calib_write_all(const struct arv_outdir *o, const char *scenario,
                        const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                        const struct arv_calib_result *r, const struct arv_calib_predictive *pred,
                        int draws, struct arv_error *err);

/* ---- simulated method of moments -------------------------------------- */

struct arv_smm_result {
    size_t n_params, n_targets;
    double *theta;        /* the optimum (owned) */
    double objective;     /* sum of squared standardised residuals there */
    int iterations;
    bool converged;
    double *jacobian;     /* n_targets x n_params: d z_i / d theta_j, with theta
                             in units of the prior sd (owned) */
    double *singular;     /* n_params singular values, decreasing (owned) */
    double *directions;   /* n_params x n_params: column k is the right
                             singular vector of singular[k] (owned) */
    bool *identified;     /* per direction k: singular[k] > rel_tol singular[0] */
    double *se;           /* per parameter: Gauss-Newton standard error in its
                             own units; NAN when it loads on a non-identified
                             direction (owned) */
    int rank;             /* identified directions */
    long simulations;
};

/* Minimises the sum of squared standardised residuals with Nelder-Mead
 * (gsl_multimin_fminimizer_nmsimplex2) from the prior means, steps of one
 * prior sd, every evaluation with the same sim_seed (common random
 * numbers); then the central-difference Jacobian, its SVD and the report. */
int arv_smm_run(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                struct arv_smm_result *out, struct arv_error *err);
void arv_smm_result_free(struct arv_smm_result *r);
/* Human-readable identifiability report. */
int arv_smm_write_report(FILE *f, const struct arv_calib_problem *pb,
                         const struct arv_smm_result *r);

#endif
