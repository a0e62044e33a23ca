/*
 * Estimators of the treatment effect in one cluster-randomised trial.
 *
 * `arv trial` re-runs the trial thousands of times and analyses every virtual
 * trial with each of these estimators, so they are built for use in a loop:
 * an arv_est_workspace is allocated once for the largest trial (individuals,
 * covariates, clusters, resampling replications) and no call allocates.
 * A workspace is not shared between threads; give each thread its own.
 *
 * Data of one trial: y[i] the outcome of individual i, t[i] the arm (0/1) of
 * i's cluster, c[i] the cluster (0..G-1), and optionally p baseline
 * covariates x (row-major n x p). Missing outcomes are left out by the caller.
 * Clusters with no individual left are ignored.
 *
 * Every estimator fills an arv_est_result. An estimate that cannot be made
 * from these data (too few clusters, no variation, a singular design) is
 * reported with ok = 0 and a reason, never as a crash or a silent NaN.
 * Randomness (wild bootstrap weights, re-randomised allocations) comes from
 * the keyed RNG in arv/rng.h, so a trial's draws depend only on the key.
 *
 * docs/estimators.md gives the formula and reference of each estimator.
 */
#ifndef ARV_ESTIMATORS_H
#define ARV_ESTIMATORS_H

#include <stddef.h>
#include <stdint.h>

/* The estimators, in the order they are reported. The names returned by
 * arv_est_name() appear in output files: never rename one. */
enum arv_est_method {
    ARV_EST_CLUSTER_T = 0, /* t-test on cluster means, G - 2 df */
    ARV_EST_CR2,           /* OLS, CR2 variance, Satterthwaite df */
    ARV_EST_WILD,          /* wild cluster bootstrap-t, null imposed */
    ARV_EST_RANDOMISATION, /* re-randomisation test of the cluster_t difference */
    ARV_EST_MIXED,         /* random-intercept model by REML, G - 2 df */
    ARV_EST_NAIVE_OLS,     /* OLS with iid SE: ignores clustering */
    ARV_EST_N
};

/* "cluster_t", "cr2", "wild_bootstrap", "randomisation", "mixed",
 * "naive_ols"; NULL for a value outside the enum. */
const char *arv_est_name(enum arv_est_method m);

/* One trial's data; the arrays belong to the caller. */
struct arv_est_data {
    size_t n;            /* individuals */
    size_t p;            /* baseline covariates (0: none) */
    size_t G;            /* cluster indices run 0..G-1 */
    const double *y;     /* n outcomes */
    const int *t;        /* n arms, 0 or 1, constant within a cluster */
    const int *c;        /* n cluster indices */
    const double *x;     /* n x p covariates, row-major; NULL when p == 0 */
    const int *stratum;  /* G strata (0, 1, ...) for re-randomisation, or NULL */
};

/* What an estimator reports. When ok == 0 every number is NAN and reason
 * says why (a static string). df is NAN for the resampling estimators, whose
 * p-value and interval do not come from a t distribution. */
struct arv_est_result {
    int ok;
    double estimate; /* treated minus control */
    double se;
    double df;
    double lo, hi;   /* 95% confidence interval; a resampling interval is
                        infinite on a side where no effect size is rejected */
    double p;        /* two-sided p-value of no effect */
    double icc;      /* mixed: REML intraclass correlation; NAN otherwise */
    const char *reason;
};

/* The test's level: a test rejects when p <= ARV_EST_ALPHA, as the 95%
 * intervals exclude the null (arv trial's rejection counts; a calibration's
 * trial_null targets: "not significant" is p > ARV_EST_ALPHA). */
#define ARV_EST_ALPHA 0.05

/* Settings of the resampling estimators and the key of their draws. */
struct arv_est_options {
    int boot_reps;   /* wild bootstrap replications B (default 999) */
    int perm_reps;   /* re-randomisations R (default 999) */
    uint32_t seed;   /* RNG key: the run's seed ... */
    uint32_t rep;    /* ... and replicate */
    uint32_t trial;  /* virtual trial index: the counter's entity */
    uint32_t stream; /* ARV_STREAM_TRIAL (the tests use ARV_STREAM_TEST) */
};

/* The draws of one trial are those of arv_rng_init(seed, rep) followed by
 * arv_rng_seek(stream, trial, ARV_EST_DRAWS_*): the third counter word, far
 * above any month number, keeps the estimators' draws apart from each other
 * and from any other use of the stream. Part of the reproducibility
 * contract: never renumber. */
#define ARV_EST_DRAWS_WILD 0x80000001u /* one Webb weight per cluster per replication */
#define ARV_EST_DRAWS_PERM 0x80000002u /* one Fisher-Yates shuffle per stratum per replication */

/* Defaults: 999 replications each, key (0, 0, 0), stream ARV_STREAM_TRIAL. */
void arv_est_options_default(struct arv_est_options *o);

/* The largest trial a workspace serves. */
struct arv_est_limits {
    size_t n;    /* individuals */
    size_t p;    /* covariates */
    size_t G;    /* clusters */
    int reps;    /* max(boot_reps, perm_reps) */
};

struct arv_est_workspace;

struct arv_est_workspace *arv_est_workspace_alloc(const struct arv_est_limits *lim);
void arv_est_workspace_free(struct arv_est_workspace *ws);

/* Each estimator returns ok (1) or 0 with res->reason set. Data larger than
 * the workspace's limits, or replications above lim.reps, are caller bugs
 * and fail an assertion. opt may be NULL for the estimators without draws. */
int arv_est_cluster_t(struct arv_est_workspace *ws, const struct arv_est_data *d,
                      struct arv_est_result *res);
int arv_est_cr2(struct arv_est_workspace *ws, const struct arv_est_data *d,
                struct arv_est_result *res);
int arv_est_wild_bootstrap(struct arv_est_workspace *ws, const struct arv_est_data *d,
                           const struct arv_est_options *opt, struct arv_est_result *res);
int arv_est_randomisation(struct arv_est_workspace *ws, const struct arv_est_data *d,
                          const struct arv_est_options *opt, struct arv_est_result *res);
int arv_est_mixed(struct arv_est_workspace *ws, const struct arv_est_data *d,
                  struct arv_est_result *res);
int arv_est_naive_ols(struct arv_est_workspace *ws, const struct arv_est_data *d,
                      struct arv_est_result *res);

/* Dispatches on m. */
int arv_estimate(struct arv_est_workspace *ws, enum arv_est_method m,
                 const struct arv_est_data *d, const struct arv_est_options *opt,
                 struct arv_est_result *res);

/* One-way ANOVA intraclass correlation of the outcome, clusters nested in
 * arms: between-cluster mean square about each cluster's arm mean, so the
 * treatment effect does not count as cluster variation. arm = 0 or 1 uses
 * that arm's clusters only; arm = -1 pools both arms. */
struct arv_icc {
    int ok;
    double icc;       /* max(0, s2u / (s2u + msw)) */
    double msb, msw;  /* between- and within-cluster mean squares */
    double n0;        /* the effective cluster size of the ANOVA estimator */
    size_t clusters;  /* non-empty clusters used */
    size_t n;         /* individuals used */
    const char *reason;
};

int arv_est_icc(struct arv_est_workspace *ws, const struct arv_est_data *d, int arm,
                struct arv_icc *out);

#endif
