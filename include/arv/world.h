/*
 * The world context, the model interface and the monthly scheduler.
 *
 * A world holds everything one simulation needs: the parameters, the
 * population (owned by the models, in flat arrays sized at set-up), the
 * per-chunk tallies and the results of every replicate. There are no mutable
 * globals, so tests can build several small worlds in one process.
 *
 * Models. Each domain is one module behind a const struct arv_model_ops,
 * listed in a registry in phase order. Per month the scheduler runs, for each
 * model in registry order, its serial (cross-household, id-ordered) phase if
 * it has one and then its per-household step over fixed-size chunks of
 * ARV_CHUNK households in parallel. Consecutive steps without a serial phase
 * between them run fused over each chunk, which gives the same result
 * (households are independent within a month) with better cache use.
 *
 * Reproducibility. Chunks do not depend on the thread count; every draw is
 * keyed (rng.h); tallies are summed per chunk and combined in chunk order.
 * So the same scenario and seed give byte-identical results on any number of
 * threads.
 */
#ifndef ARV_WORLD_H
#define ARV_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arv/error.h"
#include "arv/params.h"

/* Households per chunk: part of the reproducibility contract (it fixes the
 * order of floating-point sums), so it is a constant, not a setting. */
#define ARV_CHUNK 512

#define ARV_MAX_MODELS 16
#define ARV_MAX_METRICS 128
#define ARV_MAX_GROUPS 8
#define ARV_MAX_AGES 64

struct arv_world;

/* Which output table a metric belongs to. */
enum arv_table {
    ARV_TABLE_SUMMARY,      /* by group and month: summary.csv */
    ARV_TABLE_YOUNG_ADULTS, /* by group and age: young_adults.csv */
    ARV_TABLE_TOTALS,       /* by group, whole horizon: totals.csv */
};

/* How a metric's sums become its value. */
enum arv_stat {
    ARV_STAT_RATIO, /* num / den: a rate when num counts a subset of den, a mean when
                       den counts units (undefined when den is 0) */
    ARV_STAT_SUM,   /* num: a count or a total (undefined when den is 0, i.e. when no
                       household of the group contributed) */
    ARV_STAT_COUNT, /* num: a count of units of the group, 0 in a replicate where the
                       group is empty; left out of the outputs only when it is empty in
                       every replicate */
    ARV_STAT_SLOPE, /* least-squares slope of y on x from the sums in this cell and the
                       next two, which must be declared ARV_STAT_AUX:
                       (num, den) = (sum xy, n), (sum x, sum y), (sum xx, sum yy) */
    ARV_STAT_AUX,   /* holds sums for the slope declared before it; never reported */
};

struct arv_metric_def {
    const char *name;        /* contract name, e.g. "employment_rate" */
    enum arv_table table;
    const char *description; /* one sentence, with the unit */
    enum arv_stat stat;      /* ARV_STAT_RATIO unless given */
};

/* Per-chunk accumulators for the three tables, filled by the models'
 * observe and finish functions through arv_tally_add(). */
struct arv_tally {
    const struct arv_world *w;
    double *num[3], *den[3]; /* per table: [group][slot][metric within table] */
};

/* Adds (num, den) to metric m (world metric index) for group g and for
 * group 0 ("all"); slot is 0 except for young-adult metrics (age). */
void arv_tally_add(struct arv_tally *t, int m, int g, int slot, double num, double den);

/* Adds (num, den) to group g only (for groups that overlap others, or when
 * the caller has already summed group 0 itself). */
void arv_tally_add_group(struct arv_tally *t, int m, int g, int slot, double num, double den);

/* Adds one (x, y) observation to the slope metric m (ARV_STAT_SLOPE) for
 * group g and group 0. */
void arv_tally_add_xy(struct arv_tally *t, int m, int g, int slot, double x, double y);

struct arv_model_ops {
    const char *name;
    const struct arv_param_def *params; /* this model's parameters */
    size_t n_params;
    const struct arv_metric_def *metrics; /* metrics this model reports */
    size_t n_metrics;
    /* An accounting model only reads the households and keeps its own
     * tallies (no other model reads anything it writes), so a run that does
     * not want its outputs may leave it out (skip_accounting). */
    bool accounting;

    /* Read parameters, allocate state (sized by w->n_households): once, or
     * again before each replicate whose parameter draw differs (after
     * release). May fail on inconsistent parameters; must then free what it
     * built. */
    int (*setup)(struct arv_world *w, struct arv_error *err);
    /* Frees what setup allocated. */
    void (*release)(struct arv_world *w);
    /* Each replicate: serial set-up (office effects, allocation), then the
     * per-household initial state over chunks. Either may be NULL. */
    void (*prepare)(struct arv_world *w);
    void (*start)(struct arv_world *w, size_t begin, size_t end);
    /* After the burn-in months (run.burn_in), before month 0 is observed:
     * serial enrolment (eligibility, drawing families for follow-up). */
    void (*enroll)(struct arv_world *w);
    /* Each month: cross-household work in id order, then the per-household
     * step. Either may be NULL. Neither may allocate. */
    void (*serial)(struct arv_world *w);
    void (*step)(struct arv_world *w, size_t begin, size_t end);
    /* May be NULL. In a world that defers its burn-in (defer_burn_in), the
     * step of a burn-in month may record what it reads instead of
     * simulating state that no other model reads; at the end of the
     * burn-in this simulates those months from the record for the
     * households the world then holds, with the same results. */
    void (*replay)(struct arv_world *w, size_t begin, size_t end);
    /* After every model's step of a month (w->month already counts it):
     * serial, id-ordered work on the month's final state. May be NULL. */
    void (*after_month)(struct arv_world *w);
    /* Adds this model's summary metrics for households [begin, end) at the
     * current month; first_metric is the world index of metrics[0]. */
    void (*observe)(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                    int first_metric);
    /* At the end of a replicate: young-adult and totals metrics. */
    void (*finish)(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                   int first_metric);
    /* Microdata: header (",col,..." appended to "rep,household") and
     * one row's values for household h, both may be NULL. */
    const char *panel_header;
    void (*panel_row)(const struct arv_world *w, size_t h, char *buf, size_t size);
};

/* A list of models in phase order, and the groups households report in. */
struct arv_registry {
    const struct arv_model_ops *const *models;
    size_t n_models;
    const struct arv_param_group *engine_params; /* the engine's own, first */
    size_t n_engine_groups;
    const char *const *groups; /* group names; groups[0] must be "all" */
    int n_groups;
    /* Writes the households at the current month as a CSV that the
     * population can be read back from (`arv synth`); may be NULL. */
    void (*write_population)(const struct arv_world *w, FILE *f);
    /* Months to simulate per replicate given the parameters, when the model
     * can set its own horizon (e.g. until every child has grown up); NULL
     * means run.months. */
    int (*months)(const struct arv_params *p);
    /* Other names for parameters (arv_params_add_aliases); may be empty. */
    const struct arv_param_alias *aliases;
    size_t n_aliases;
};

/* Results of one metric table across replicates: value[rep][time][group][metric]. */
struct arv_results {
    int reps, n_times, n_groups, n_metrics;
    int time0;      /* first month or age */
    double *value;  /* num/den per replicate; NAN where den == 0 */
};

struct arv_world {
    const struct arv_registry *reg;
    const struct arv_params *params;
    /* parameter uncertainty (the scenario's parameter_draws): replicate r
     * runs with row r mod n_rows set in a private copy of the parameters,
     * its models set up again (arv_world_start); NULL without draws */
    const struct arv_param_draws *draws;
    struct arv_params *own_params; /* that copy (owned); params points to it */
    long draw_row;                 /* row the models are set up with, or -1 */
    /* run settings read from params at set-up */
    uint32_t seed;
    int reps, months, report_every;
    int burn_in;   /* months simulated before month 0, not reported */
    size_t n_households; /* households the scheduler steps and observes: population.households,
                            or fewer while arv_world_resize has narrowed the world */
    size_t n_chunks;     /* chunks of ARV_CHUNK households covering n_households */
    size_t max_households; /* population.households: what the models allocate for */
    /* which replicates this process simulates: rank, rank + size, ... */
    int rank, size;
    /* per-replicate state */
    uint32_t rep;  /* current replicate */
    int month;     /* months since month 0 (negative during the burn-in) */
    /* model state: one slot per model (owned by it) and one shared slot for
     * the population that domain models read and write */
    void *model_state[ARV_MAX_MODELS]; /* use arv_world_state() */
    void *shared;
    size_t n_setup; /* models whose setup succeeded (released in reverse) */
    /* metrics */
    const struct arv_metric_def *metric[ARV_MAX_METRICS];
    int first_metric[ARV_MAX_MODELS];
    int n_metrics;
    int metric_table_index[ARV_MAX_METRICS]; /* index within its table */
    int table_size[3];
    struct arv_tally *chunk_tally; /* one per chunk */
    struct arv_results results[3];
    int n_ages, age0; /* young-adult age slots */
    /* hooks of the driver (all optional): progress as a fraction of the
     * work, and a call after every month is observed (month 0 included),
     * used to write microdata */
    void (*progress)(void *ctx, double fraction);
    void (*on_month)(struct arv_world *w, void *ctx);
    void *hook_ctx;
    /* optional (arv bench): seconds spent in each model's monthly phases
     * (step and serial), summed over threads, [registry index]; NULL: not
     * measured */
    double *model_seconds;
    /* leave the accounting models out (arv trial, which reads none of
     * their outputs): their outputs are then undefined, and so is the
     * income history only they and the persistent low-income metrics
     * read (household.h: keeps_history) */
    bool skip_accounting;
    /* models with a replay leave their own state out of the burn-in
     * months and replay them at the end of the burn-in
     * (arv_world_burn_in), only for the households still held: worth it
     * when the burn-in drops households (arv trial's compacted start) */
    bool defer_burn_in;
    bool replay_pending; /* deferred months run and not yet replayed */
};

/* The parameter table of a registry (engine groups, then each model's), all
 * values at their defaults. Never NULL; free with arv_params_free. */
struct arv_params *arv_registry_params(const struct arv_registry *reg);

/* Builds a world: loads nothing, reads the run settings and calls every
 * model's setup. Returns NULL with err set on failure (having freed what it
 * built). The params must outlive the world. */
/* Months to simulate per replicate: the registry's horizon for p, or
 * run.months. */
int arv_registry_months(const struct arv_registry *reg, const struct arv_params *p);

struct arv_world *arv_world_alloc(const struct arv_registry *reg, const struct arv_params *params,
                                  struct arv_error *err);
void arv_world_free(struct arv_world *w);

/* Starts replicate rep: prepares and starts every model, runs the burn-in
 * months (month -burn_in .. -1), enrols; then month = 0. */
void arv_world_start(struct arv_world *w, uint32_t rep);
/* The two halves of arv_world_start: the start and the burn-in of the
 * households the world holds now (month 0 reached, nobody enrolled), and
 * the enrolment. Between them the models may merge households started
 * separately (snapshot.h). */
void arv_world_begin(struct arv_world *w, uint32_t rep);
void arv_world_enroll(struct arv_world *w);
/* The two halves of arv_world_begin: the draw of the start state (every
 * model prepared and started; month = -burn_in) and the burn-in months.
 * Between them the population may be compacted (snapshot.h) to the
 * households worth a burn-in, and arv_world_step may run some or all of
 * the months; with defer_burn_in, arv_world_burn_in ends with the replay
 * (so the population may also be compacted at month 0 before it). */
void arv_world_draw(struct arv_world *w, uint32_t rep);
void arv_world_burn_in(struct arv_world *w);
/* arv_world_draw with a hook, run once the registry's first model (the
 * population's synthesis) has started every household and before any
 * other model starts one: it may compact the population, so that only the
 * households it keeps are started further. */
void arv_world_draw_with(struct arv_world *w, uint32_t rep,
                         void (*after_first)(struct arv_world *, void *), void *ctx);

/* Sets the number of households the scheduler steps and observes to n (at
 * most max_households; n = max_households restores the world). It only
 * changes the chunking: the models' state must be laid out to match (arv
 * trial compacts the population to the families it follows, snapshot.h). */
void arv_world_resize(struct arv_world *w, size_t n);

/* Simulates one month: the scheduler. */
void arv_world_step(struct arv_world *w);

/* Records the summary metrics of the current month for the current rep. */
void arv_world_observe(struct arv_world *w);

/* Records young-adult and totals metrics at the end of the current rep. */
void arv_world_finish(struct arv_world *w);

/* Runs this process's replicates (start, observe month 0, step/observe
 * each month, finish), filling their part of w->results. */
void arv_world_run(struct arv_world *w);

/* A model's own state slot (what its setup stored with arv_world_set_state). */
void *arv_world_state(const struct arv_world *w, const struct arv_model_ops *ops);
void arv_world_set_state(struct arv_world *w, const struct arv_model_ops *ops, void *state);

/* The world's index of a metric by name, or -1: in one table (a name may be
 * used once per table, e.g. employment_rate by month and by age), or the
 * first found in table order summary, young adults, totals. */
int arv_world_metric_in(const struct arv_world *w, enum arv_table table, const char *name);
int arv_world_metric(const struct arv_world *w, const char *name);

#endif
