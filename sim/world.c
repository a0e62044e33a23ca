/*
 * The world and its scheduler: set-up, per-replicate start, the monthly
 * step over fixed chunks, and the deterministic reduction of tallies.
 */
#include "arv/world.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

static int table_slots(const struct arv_world *w, int t)
{
    return t == ARV_TABLE_YOUNG_ADULTS ? w->n_ages : 1;
}

static size_t table_cells(const struct arv_world *w, int t)
{
    return (size_t)w->reg->n_groups * table_slots(w, t) * w->table_size[t];
}

void arv_tally_add_group(struct arv_tally *t, int m, int g, int slot, double num, double den)
{
    const struct arv_world *w = t->w;
    int table = (int)w->metric[m]->table;
    assert(g >= 0 && g < w->reg->n_groups && slot >= 0 && slot < table_slots(w, table));
    size_t i = ((size_t)g * table_slots(w, table) + slot) * w->table_size[table] +
               w->metric_table_index[m];
    t->num[table][i] += num;
    t->den[table][i] += den;
}

void arv_tally_add_xy(struct arv_tally *t, int m, int g, int slot, double x, double y)
{
    assert(t->w->metric[m]->stat == ARV_STAT_SLOPE);
    arv_tally_add(t, m, g, slot, x * y, 1);
    arv_tally_add(t, m + 1, g, slot, x, y);
    arv_tally_add(t, m + 2, g, slot, x * x, y * y);
}

void arv_tally_add(struct arv_tally *t, int m, int g, int slot, double num, double den)
{
    const struct arv_world *w = t->w;
    int table = (int)w->metric[m]->table;
    assert(g >= 0 && g < w->reg->n_groups && slot >= 0 && slot < table_slots(w, table));
    size_t size = (size_t)w->table_size[table];
    size_t local = (size_t)w->metric_table_index[m];
    size_t i = ((size_t)g * table_slots(w, table) + slot) * size + local;
    t->num[table][i] += num;
    t->den[table][i] += den;
    if (g != 0) {
        i = (size_t)slot * size + local;
        t->num[table][i] += num;
        t->den[table][i] += den;
    }
}

static void tally_clear(struct arv_tally *t, int table)
{
    size_t n = table_cells(t->w, table);
    memset(t->num[table], 0, n * sizeof(double));
    memset(t->den[table], 0, n * sizeof(double));
}

static size_t model_index(const struct arv_world *w, const struct arv_model_ops *ops)
{
    for (size_t k = 0; k < w->reg->n_models; k++)
        if (w->reg->models[k] == ops)
            return k;
    assert(0 && "model not in this world's registry");
    return 0;
}

void *arv_world_state(const struct arv_world *w, const struct arv_model_ops *ops)
{
    return w->model_state[model_index(w, ops)];
}

void arv_world_set_state(struct arv_world *w, const struct arv_model_ops *ops, void *state)
{
    w->model_state[model_index(w, ops)] = state;
}

int arv_world_metric_in(const struct arv_world *w, enum arv_table table, const char *name)
{
    for (int m = 0; m < w->n_metrics; m++)
        if (w->metric[m]->table == table && strcmp(w->metric[m]->name, name) == 0)
            return m;
    return -1;
}

int arv_world_metric(const struct arv_world *w, const char *name)
{
    for (int t = ARV_TABLE_SUMMARY; t <= ARV_TABLE_TOTALS; t++) {
        int m = arv_world_metric_in(w, (enum arv_table)t, name);
        if (m >= 0)
            return m;
    }
    return -1;
}

static void register_metrics(struct arv_world *w)
{
    const struct arv_registry *reg = w->reg;
    for (size_t k = 0; k < reg->n_models; k++) {
        const struct arv_model_ops *ops = reg->models[k];
        w->first_metric[k] = w->n_metrics;
        for (size_t j = 0; j < ops->n_metrics; j++) {
            assert(w->n_metrics < ARV_MAX_METRICS);
            const struct arv_metric_def *m = &ops->metrics[j];
            assert(arv_world_metric_in(w, m->table, m->name) < 0 && "metric declared twice");
            assert(m->stat != ARV_STAT_SLOPE ||
                   (j + 2 < ops->n_metrics && ops->metrics[j + 1].stat == ARV_STAT_AUX &&
                    ops->metrics[j + 2].stat == ARV_STAT_AUX &&
                    ops->metrics[j + 1].table == m->table && ops->metrics[j + 2].table == m->table));
            w->metric[w->n_metrics] = m;
            w->metric_table_index[w->n_metrics] = w->table_size[m->table]++;
            w->n_metrics++;
        }
    }
}

static void alloc_results(struct arv_world *w)
{
    int times[3] = {w->months / w->report_every + 1, w->n_ages, 1};
    int time0[3] = {0, w->age0, 0};
    for (int t = 0; t < 3; t++) {
        struct arv_results *r = &w->results[t];
        r->reps = w->reps;
        r->n_times = times[t];
        r->n_groups = w->reg->n_groups;
        r->n_metrics = w->table_size[t];
        r->time0 = time0[t];
        size_t n = (size_t)r->reps * r->n_times * r->n_groups * r->n_metrics;
        r->value = arv_xcalloc(n ? n : 1, sizeof *r->value);
    }
    w->chunk_tally = arv_xcalloc(w->n_chunks, sizeof *w->chunk_tally);
    for (size_t c = 0; c < w->n_chunks; c++) {
        struct arv_tally *tally = &w->chunk_tally[c];
        tally->w = w;
        for (int t = 0; t < 3; t++) {
            tally->num[t] = arv_xcalloc(table_cells(w, t) + 1, sizeof(double));
            tally->den[t] = arv_xcalloc(table_cells(w, t) + 1, sizeof(double));
        }
    }
}

struct arv_params *arv_registry_params(const struct arv_registry *reg)
{
    struct arv_param_group groups[ARV_MAX_MODELS + 4];
    size_t n = 0;
    assert(reg->n_engine_groups <= 4);
    for (size_t k = 0; k < reg->n_engine_groups; k++)
        groups[n++] = reg->engine_params[k];
    for (size_t k = 0; k < reg->n_models; k++)
        if (reg->models[k]->n_params)
            groups[n++] = (struct arv_param_group){reg->models[k]->params,
                                                   reg->models[k]->n_params};
    struct arv_params *p = arv_params_alloc(groups, n);
    arv_params_add_aliases(p, reg->aliases, reg->n_aliases);
    return p;
}

int arv_registry_months(const struct arv_registry *reg, const struct arv_params *p)
{
    return reg->months ? reg->months(p) : (int)arv_params_int(p, "run.months");
}

/* Sets up every model, in registry order. */
static int setup_models(struct arv_world *w, struct arv_error *err)
{
    for (size_t k = 0; k < w->reg->n_models; k++) {
        const struct arv_model_ops *ops = w->reg->models[k];
        if (ops->setup && ops->setup(w, err) != ARV_OK)
            return err->status;
        w->n_setup = k + 1;
    }
    return ARV_OK;
}

static void release_models(struct arv_world *w)
{
    for (size_t k = w->n_setup; k-- > 0;)
        if (w->reg->models[k]->release)
            w->reg->models[k]->release(w);
    w->n_setup = 0;
}

/* The models set up again with row `row` of the parameter draws. */
static int use_draw(struct arv_world *w, long row, struct arv_error *err)
{
    release_models(w);
    arv_params_apply_draw(w->own_params, w->draws, (size_t)row);
    w->draw_row = row;
    return setup_models(w, err);
}

struct arv_world *arv_world_alloc(const struct arv_registry *reg, const struct arv_params *params,
                                  struct arv_error *err)
{
    assert(reg->n_models <= ARV_MAX_MODELS);
    assert(reg->n_groups >= 1 && reg->n_groups <= ARV_MAX_GROUPS);
    assert(strcmp(reg->groups[0], "all") == 0);
    struct arv_world *w = arv_xcalloc(1, sizeof *w);
    w->reg = reg;
    w->params = params;
    w->seed = (uint32_t)arv_params_int(params, "run.seed");
    w->reps = (int)arv_params_int(params, "run.reps");
    w->months = arv_registry_months(reg, params);
    w->report_every = (int)arv_params_int(params, "run.report_every");
    w->burn_in = (int)arv_params_int(params, "run.burn_in");
    w->n_households = (size_t)arv_params_int(params, "population.households");
    w->max_households = w->n_households;
    w->rank = 0;
    w->size = 1;
    w->n_chunks = (w->n_households + ARV_CHUNK - 1) / ARV_CHUNK;
    w->age0 = 18;
    w->n_ages = 18; /* ages 18..35 */
    register_metrics(w);
    /* results of every replicate are kept until the end: refuse sizes that
     * cannot fit rather than fail half-way */
    double cells = (double)w->reps * reg->n_groups *
                   ((w->months / w->report_every + 1.0) * w->table_size[ARV_TABLE_SUMMARY] +
                    w->n_ages * w->table_size[ARV_TABLE_YOUNG_ADULTS] +
                    w->table_size[ARV_TABLE_TOTALS]);
    if (cells * sizeof(double) > 4.0 * (1 << 30)) {
        char where[512];
        arv_params_where(params, "run.reps", where, sizeof where);
        arv_error_set(err, ARV_EINVAL,
                      "%s: %d replicates of %d months need %.1f GiB of results; use fewer "
                      "replicates or a larger run.report_every",
                      where, w->reps, w->months, cells * sizeof(double) / (1 << 30));
        free(w);
        return NULL;
    }
    alloc_results(w);
    w->draw_row = -1;
    if (params->draws) {
        w->draws = params->draws;
        w->own_params = arv_params_clone(params);
        w->params = w->own_params;
    }
    if (w->draws == NULL && setup_models(w, err) != ARV_OK) {
        arv_world_free(w); /* releases the models already set up */
        return NULL;
    }
    /* with draws the models are set up once per row: every draw must set
     * up (shares that no longer add up, say) and keep the horizon, or the
     * run is refused before it starts. Last to first, so that the models
     * end set up for row 0, which replicate 0 uses. */
    for (size_t r = w->draws ? w->draws->n_rows : 0; r-- > 0;) {
        struct arv_error inner;
        arv_error_init(&inner);
        if (use_draw(w, (long)r, &inner) != ARV_OK) {
            arv_error_set(err, inner.status, "%s:%d: parameter_draws row %zu: %s",
                          w->draws->file, w->draws->line, r + 1, inner.msg);
            arv_world_free(w);
            return NULL;
        }
        int months = arv_registry_months(reg, w->params);
        if (months != w->months) {
            arv_error_set(err, ARV_EINVAL,
                          "%s:%d: parameter_draws row %zu: changes the horizon (%d months, not "
                          "%d)",
                          w->draws->file, w->draws->line, r + 1, months, w->months);
            arv_world_free(w);
            return NULL;
        }
    }
    return w;
}

void arv_world_free(struct arv_world *w)
{
    if (w == NULL)
        return;
    release_models(w);
    size_t tallies = (w->max_households + ARV_CHUNK - 1) / ARV_CHUNK;
    for (size_t c = 0; w->chunk_tally && c < tallies; c++)
        for (int t = 0; t < 3; t++) {
            free(w->chunk_tally[c].num[t]);
            free(w->chunk_tally[c].den[t]);
        }
    free(w->chunk_tally);
    for (int t = 0; t < 3; t++)
        free(w->results[t].value);
    arv_params_free(w->own_params);
    free(w);
}

void arv_world_resize(struct arv_world *w, size_t n)
{
    assert(n <= w->max_households);
    w->n_households = n;
    w->n_chunks = (n + ARV_CHUNK - 1) / ARV_CHUNK;
}

/* Households [*begin, *end) of chunk c. */
static void chunk_range(const struct arv_world *w, long c, size_t *begin, size_t *end)
{
    *begin = (size_t)c * ARV_CHUNK;
    *end = *begin + ARV_CHUNK < w->n_households ? *begin + ARV_CHUNK : w->n_households;
}

typedef void (*chunk_fn)(struct arv_world *w, size_t begin, size_t end);

/* Whether model k runs at all in this world. */
static bool runs(const struct arv_world *w, size_t k)
{
    return !(w->skip_accounting && w->reg->models[k]->accounting);
}

/* The per-household functions of a model: at the start of a replicate,
 * each month, and at the end of a deferred burn-in. */
enum chunk_phase { PHASE_START, PHASE_STEP, PHASE_REPLAY };

/* Model k's per-household function of the phase, if it runs. */
static chunk_fn chunk_fn_of(const struct arv_world *w, size_t k, enum chunk_phase phase)
{
    const struct arv_model_ops *m = w->reg->models[k];
    if (!runs(w, k))
        return NULL;
    return phase == PHASE_START ? m->start : phase == PHASE_STEP ? m->step : m->replay;
}

/* Runs the per-household functions of models [first, last) over every
 * chunk, fused: each chunk goes through all of them before the next chunk. */
static void run_chunks(struct arv_world *w, size_t first, size_t last, enum chunk_phase phase)
{
    bool any = false;
    for (size_t k = first; k < last; k++)
        any |= chunk_fn_of(w, k, phase) != NULL;
    if (!any)
        return;
    long n_chunks = (long)w->n_chunks;
#pragma omp parallel for schedule(dynamic, 1)
    for (long c = 0; c < n_chunks; c++) {
        size_t begin, end;
        chunk_range(w, c, &begin, &end);
        for (size_t k = first; k < last; k++) {
            chunk_fn fn = chunk_fn_of(w, k, phase);
            if (fn == NULL)
                continue;
            if (w->model_seconds && phase == PHASE_STEP) {
                double t0 = omp_get_wtime();
                fn(w, begin, end);
                double dt = omp_get_wtime() - t0;
#pragma omp atomic
                w->model_seconds[k] += dt;
            } else {
                fn(w, begin, end);
            }
        }
    }
}

/* The scheduler's script: models in registry (phase) order; a serial phase
 * closes the fused chunk loop before it. At the start, after_first (if
 * not NULL) runs once the first model has started every household, before
 * any other model starts them. */
static void run_phases(struct arv_world *w, bool start,
                       void (*after_first)(struct arv_world *, void *), void *ctx)
{
    const struct arv_model_ops *const *models = w->reg->models;
    size_t pending = 0;
    for (size_t k = 0; k < w->reg->n_models; k++) {
        void (*serial)(struct arv_world *) = !runs(w, k) ? NULL
                                             : start      ? models[k]->prepare
                                                          : models[k]->serial;
        bool hook = after_first != NULL && k == 1;
        if (serial || hook) {
            run_chunks(w, pending, k, start ? PHASE_START : PHASE_STEP);
            if (hook)
                after_first(w, ctx);
            if (serial) {
                double t0 = w->model_seconds && !start ? omp_get_wtime() : 0;
                serial(w);
                if (w->model_seconds && !start)
                    w->model_seconds[k] += omp_get_wtime() - t0;
            }
            pending = k;
        }
    }
    run_chunks(w, pending, w->reg->n_models, start ? PHASE_START : PHASE_STEP);
    if (after_first != NULL && w->reg->n_models == 1)
        after_first(w, ctx);
}

void arv_world_draw_with(struct arv_world *w, uint32_t rep,
                         void (*after_first)(struct arv_world *, void *), void *ctx)
{
    if (w->draws && w->draw_row != (long)(rep % w->draws->n_rows)) {
        struct arv_error err;
        arv_error_init(&err);
        /* every row set up when the world was built */
        int rc = use_draw(w, (long)(rep % w->draws->n_rows), &err);
        assert(rc == ARV_OK);
        (void)rc;
    }
    w->rep = rep;
    w->month = -w->burn_in;
    w->replay_pending = false;
    run_phases(w, true, after_first, ctx);
}

void arv_world_draw(struct arv_world *w, uint32_t rep)
{
    arv_world_draw_with(w, rep, NULL, NULL);
}

void arv_world_burn_in(struct arv_world *w)
{
    while (w->month < 0)
        arv_world_step(w);
    /* the deferred months, models in any order: each replays only state
     * that no other model reads */
    if (w->replay_pending)
        run_chunks(w, 0, w->reg->n_models, PHASE_REPLAY);
    w->replay_pending = false;
}

void arv_world_begin(struct arv_world *w, uint32_t rep)
{
    arv_world_draw(w, rep);
    arv_world_burn_in(w);
}

void arv_world_enroll(struct arv_world *w)
{
    for (size_t k = 0; k < w->reg->n_models; k++)
        if (w->reg->models[k]->enroll && runs(w, k))
            w->reg->models[k]->enroll(w);
}

void arv_world_start(struct arv_world *w, uint32_t rep)
{
    arv_world_begin(w, rep);
    arv_world_enroll(w);
}

void arv_world_step(struct arv_world *w)
{
    w->replay_pending |= w->defer_burn_in && w->month < 0;
    run_phases(w, false, NULL, NULL);
    w->month++;
    for (size_t k = 0; k < w->reg->n_models; k++)
        if (w->reg->models[k]->after_month && runs(w, k))
            w->reg->models[k]->after_month(w);
}

/* Sums the chunk tallies of table t in chunk order into value[rep][time]. */
static void reduce(struct arv_world *w, int t, int time_index)
{
    struct arv_results *r = &w->results[t];
    int slots = table_slots(w, t);
    const struct arv_metric_def *table_metric[ARV_MAX_METRICS];
    for (int m = 0; m < w->n_metrics; m++)
        if ((int)w->metric[m]->table == t)
            table_metric[w->metric_table_index[m]] = w->metric[m];
    for (int g = 0; g < r->n_groups; g++)
        for (int s = 0; s < slots; s++) {
            double num[ARV_MAX_METRICS] = {0}, den[ARV_MAX_METRICS] = {0};
            size_t i0 = ((size_t)g * slots + s) * r->n_metrics;
            for (size_t c = 0; c < w->n_chunks; c++)
                for (int m = 0; m < r->n_metrics; m++) {
                    num[m] += w->chunk_tally[c].num[t][i0 + m];
                    den[m] += w->chunk_tally[c].den[t][i0 + m];
                }
            int time = t == ARV_TABLE_YOUNG_ADULTS ? s : time_index;
            double *out = r->value + (((size_t)w->rep * r->n_times + time) * r->n_groups + g) *
                                         r->n_metrics;
            for (int m = 0; m < r->n_metrics; m++) {
                double v = NAN;
                switch (table_metric[m]->stat) {
                case ARV_STAT_RATIO:
                    v = den[m] > 0 ? num[m] / den[m] : NAN;
                    break;
                case ARV_STAT_SUM:
                case ARV_STAT_COUNT: /* (NaN here; 0 in the outputs, output.c) */
                    v = den[m] > 0 ? num[m] : NAN;
                    break;
                case ARV_STAT_SLOPE: {
                    /* n sum(xy) - sum(x) sum(y) over n sum(xx) - sum(x)^2 */
                    double n = den[m], sx = num[m + 1], sy = den[m + 1];
                    double sxx = n * num[m + 2] - sx * sx;
                    v = n >= 3 && sxx > 0 ? (n * num[m] - sx * sy) / sxx : NAN;
                    break;
                }
                case ARV_STAT_AUX:
                    break;
                }
                out[m] = v;
            }
        }
}

/* Runs observe (summary) or finish (young adults, totals) over all chunks. */
static void observe_all(struct arv_world *w, bool final)
{
    const struct arv_model_ops *const *models = w->reg->models;
    long n_chunks = (long)w->n_chunks;
#pragma omp parallel for schedule(dynamic, 1)
    for (long c = 0; c < n_chunks; c++) {
        struct arv_tally *tally = &w->chunk_tally[c];
        if (final) {
            tally_clear(tally, ARV_TABLE_YOUNG_ADULTS);
            tally_clear(tally, ARV_TABLE_TOTALS);
        } else {
            tally_clear(tally, ARV_TABLE_SUMMARY);
        }
        size_t begin, end;
        chunk_range(w, c, &begin, &end);
        for (size_t k = 0; k < w->reg->n_models; k++) {
            if (!final && models[k]->observe)
                models[k]->observe(w, begin, end, tally, w->first_metric[k]);
            if (final && models[k]->finish)
                models[k]->finish(w, begin, end, tally, w->first_metric[k]);
        }
    }
}

void arv_world_observe(struct arv_world *w)
{
    if (w->month % w->report_every != 0)
        return;
    observe_all(w, false);
    reduce(w, ARV_TABLE_SUMMARY, w->month / w->report_every);
}

void arv_world_finish(struct arv_world *w)
{
    observe_all(w, true);
    reduce(w, ARV_TABLE_YOUNG_ADULTS, 0);
    reduce(w, ARV_TABLE_TOTALS, 0);
}

void arv_world_run(struct arv_world *w)
{
    int mine = (w->reps - w->rank + w->size - 1) / w->size; /* replicates of this rank */
    double total = (double)mine * (w->months + 1);
    for (int rep = w->rank, done = 0; rep < w->reps; rep += w->size, done++) {
        arv_world_start(w, (uint32_t)rep);
        for (;;) {
            arv_world_observe(w);
            if (w->on_month)
                w->on_month(w, w->hook_ctx);
            if (w->progress)
                w->progress(w->hook_ctx, (done * (w->months + 1.0) + w->month + 1) / total);
            if (w->month == w->months)
                break;
            arv_world_step(w);
        }
        arv_world_finish(w);
    }
}
