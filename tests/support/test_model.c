#include "test_model.h"

#include <stdlib.h>
#include <stdio.h>

#include "arv/rng.h"

/* engine parameters (sim/engine_params.c) */
extern const struct arv_param_group arv__engine_params;

static const struct arv_param_def defs[] = {
    {"test.p_up", ARV_PARAM_DOUBLE, 0.1, 0, 1, "probability", "Monthly probability 0 -> 1.",
     "assumption", NULL, NULL},
    {"test.p_down", ARV_PARAM_DOUBLE, 0.2, 0, 1, "probability", "Monthly probability 1 -> 0.",
     "assumption", NULL, NULL},
    {"test.income", ARV_PARAM_DOUBLE, 1000, 0, 1e6, "NOK/month", "Income scale while up.",
     "assumption", NULL, NULL},
    {"test.draw", ARV_PARAM_BOOL, 1, 0, 1, "-", "Draw a keyed uniform every household-month.",
     "assumption", NULL, NULL},
};

static const struct arv_metric_def metrics[] = {
    {"up_rate", ARV_TABLE_SUMMARY, "share of households up", ARV_STAT_RATIO},
    {"income_mean", ARV_TABLE_SUMMARY, "mean income, NOK/month", ARV_STAT_RATIO},
    {"ya_up_rate", ARV_TABLE_YOUNG_ADULTS, "share up at the end, by pseudo-age", ARV_STAT_RATIO},
    {"months_up_mean", ARV_TABLE_TOTALS, "mean months up per household", ARV_STAT_RATIO},
};

struct state {
    double p_up, p_down, income_scale;
    int draw;
    unsigned char *up;
    double *income;
    int *months_up;
};

static struct state *st(const struct arv_world *w)
{
    return arv_world_state(w, &arv_test_model);
}

static int setup(struct arv_world *w, struct arv_error *err)
{
    struct state *s = arv_xcalloc(1, sizeof *s);
    s->p_up = arv_params_double(w->params, "test.p_up");
    s->p_down = arv_params_double(w->params, "test.p_down");
    s->income_scale = arv_params_double(w->params, "test.income");
    s->draw = arv_params_bool(w->params, "test.draw");
    if (s->p_up + s->p_down > 1.5) {
        free(s);
        return arv_error_set(err, ARV_EINVAL, "test.p_up + test.p_down must not exceed 1.5");
    }
    s->up = arv_xcalloc(w->n_households, 1);
    s->income = arv_xcalloc(w->n_households, sizeof(double));
    s->months_up = arv_xcalloc(w->n_households, sizeof(int));
    arv_world_set_state(w, &arv_test_model, s);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    struct state *s = st(w);
    free(s->up);
    free(s->income);
    free(s->months_up);
    free(s);
}

static void start(struct arv_world *w, size_t begin, size_t end)
{
    struct state *s = st(w);
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    for (size_t h = begin; h < end; h++) {
        arv_rng_seek(&r, ARV_STREAM_POPULATION, (uint32_t)h, 0);
        s->up[h] = arv_rng_uniform(&r) < 0.5;
        s->income[h] = s->up[h] * s->income_scale;
        s->months_up[h] = 0;
    }
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    const struct state *s = st(w);
    /* locals, so the compiler knows the stores below cannot change them */
    unsigned char *restrict up = s->up;
    double *restrict income = s->income;
    int *restrict months_up = s->months_up;
    const double p_up = s->p_up, p_down = s->p_down, scale = s->income_scale;
    if (!s->draw) { /* deterministic flip: measures the engine alone */
        for (size_t h = begin; h < end; h++) {
            unsigned char x = up[h];
            x = x ? !(0.5 < p_down) : (0.5 < p_up);
            up[h] = x;
            income[h] = x * scale;
            months_up[h] += x;
        }
        return;
    }
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    uint32_t month = (uint32_t)w->month + 1;
    for (size_t h = begin; h < end; h++) {
        arv_rng_seek(&r, ARV_STREAM_TEST, (uint32_t)h, month);
        double u = arv_rng_uniform(&r);
        unsigned char x = up[h];
        x = x ? !(u < p_down) : (u < p_up);
        up[h] = x;
        income[h] = x * scale * (0.5 + u);
        months_up[h] += x;
    }
}

static int group_of(size_t h)
{
    return 1 + (int)(h % 3);
}

static void observe(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                    int m0)
{
    const struct state *s = st(w);
    for (size_t h = begin; h < end; h++) {
        arv_tally_add(t, m0 + 0, group_of(h), 0, s->up[h], 1);
        arv_tally_add(t, m0 + 1, group_of(h), 0, s->income[h], 1);
    }
}

static void finish(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                   int m0)
{
    const struct state *s = st(w);
    for (size_t h = begin; h < end; h++) {
        arv_tally_add(t, m0 + 2, group_of(h), (int)(h % 18), s->up[h], 1);
        arv_tally_add(t, m0 + 3, group_of(h), 0, s->months_up[h], 1);
    }
}

static void panel_row(const struct arv_world *w, size_t h, char *buf, size_t size)
{
    const struct state *s = st(w);
    snprintf(buf, size, ",%d,%d,%.6f", w->month, s->up[h], s->income[h]);
}

const struct arv_model_ops arv_test_model = {
    .name = "test",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .setup = setup,
    .release = release,
    .start = start,
    .step = step,
    .observe = observe,
    .finish = finish,
    .panel_header = ",month,up,income",
    .panel_row = panel_row,
};

static const struct arv_model_ops *const models[] = {&arv_test_model};
static const char *const groups[] = {"all", "a", "b", "c"};

const struct arv_registry arv_test_registry = {
    .models = models,
    .n_models = 1,
    .engine_params = &arv__engine_params,
    .n_engine_groups = 1,
    .groups = groups,
    .n_groups = 4,
};
