/*
 * Work, per adult: five states moving by a monthly multinomial logit.
 *
 * From state i the linear predictor of moving to j != i is
 *   eta_ij = alpha_ij + dir(i, j) * z + delta * log(1 + months in i)
 * where dir is +1 for a move up the ladder (inactive < seeking = programme
 * < part time < full time), -1 for a move down and 0 sideways, and z is the
 * adult's work propensity:
 *   z = beta_edu + beta_origin + beta_years log(1 + years in Norway)
 *     + beta_barrier barrier + beta_child3 [youngest child under 3]
 *     + beta_unemployment (local rate - mean rate) + beta_stress stress
 *     + office effect
 *     + follow-up effect (work domain, up moves only).
 * Staying has predictor 0. delta < 0 gives duration dependence. An
 * immigrant's years in Norway, and with them the barrier, move on once a
 * year from month 0 (adult_factor).
 */
#include "household.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#define ALPHA(from, to, v)                                                                       \
    {"work.alpha." from "_to_" to, ARV_PARAM_DOUBLE, v, -50, 5, "logit",                         \
     "Intercept of the monthly move " from " -> " to " (reference adult).", "assumption", NULL,  \
     NULL}
#define BETA(name, v, desc)                                                                      \
    {"work.beta." name, ARV_PARAM_DOUBLE, v, -50, 50, "logit", desc, "assumption", NULL, NULL}

static const struct arv_param_def defs[] = {
    ALPHA("inactive", "seeking", -2.400),     ALPHA("inactive", "programme", -2.700),
    ALPHA("inactive", "part_time", -2.975),   ALPHA("inactive", "full_time", -2.800),
    ALPHA("seeking", "inactive", -3.750),     ALPHA("seeking", "programme", -3.5),
    ALPHA("seeking", "part_time", -2.875),    ALPHA("seeking", "full_time", -2.400),
    ALPHA("programme", "inactive", -4.450),   ALPHA("programme", "seeking", -3.35),
    ALPHA("programme", "part_time", -3.075),  ALPHA("programme", "full_time", -2.700),
    ALPHA("part_time", "inactive", -5.100),   ALPHA("part_time", "seeking", -4.700),
    ALPHA("part_time", "programme", -6.300),  ALPHA("part_time", "full_time", -2.150),
    ALPHA("full_time", "inactive", -5.800),   ALPHA("full_time", "seeking", -5.300),
    ALPHA("full_time", "programme", -7.400),  ALPHA("full_time", "part_time", -5.675),
    BETA("upper_secondary", 0.3, "Education effect, upper secondary vs primary."),
    BETA("tertiary", 0.6, "Education effect, tertiary vs primary."),
    BETA("somalia", -1.7, "Origin effect vs Norway-born (direction: G45, G48)."),
    BETA("eritrea", -1.36, "Origin effect vs Norway-born (G47, G48)."),
    BETA("iraq", -1.53, "Origin effect vs Norway-born (G46, G48)."),
    BETA("afghanistan", -1.53, "Origin effect vs Norway-born (G47, G48)."),
    BETA("other", -1.36, "Origin effect vs Norway-born (G42)."),
    BETA("years_norway", 0.15, "Effect per unit of log(1 + years in Norway) (direction: G46)."),
    BETA("barrier", -0.6, "Effect per sd of the latent barrier to work."),
    BETA("child_under_3", -0.4, "Effect of a youngest child under 3."),
    BETA("unemployment", -10, "Effect per unit of local unemployment above the mean rate."),
    BETA("stress", -0.4, "Effect per unit of family stress (last month's; children.stress.*)."),
    {"work.duration", ARV_PARAM_DOUBLE, 0.000, -3, 3, "logit",
     "Duration dependence: effect of log(1 + months in the state) on every exit.", "assumption",
     NULL, NULL},
};

static const struct arv_metric_def metrics[] = {
    {"employment_rate", ARV_TABLE_SUMMARY, "share of adults in part- or full-time work", ARV_STAT_RATIO},
    {"fulltime_rate", ARV_TABLE_SUMMARY, "share of adults in full-time work", ARV_STAT_RATIO},
    {"programme_rate", ARV_TABLE_SUMMARY, "share of adults in a qualification programme", ARV_STAT_RATIO},
    {"employment_rate_immigrant", ARV_TABLE_SUMMARY,
     "share of adults of immigrant background in part- or full-time work (G42)", ARV_STAT_RATIO},
    {"employment_rate_non_immigrant", ARV_TABLE_SUMMARY,
     "share of Norway-born adults in part- or full-time work (G42)", ARV_STAT_RATIO},
};

static const int rank[N_WORK] = {0, 1, 1, 2, 3};

enum { STRESS_STEPS = 8, STRESS_BINS = 64 * STRESS_STEPS };

struct work {
    double exp_alpha[N_WORK][N_WORK];
    signed char dir[N_WORK][N_WORK];
    double beta_edu[N_EDUCATION], beta_origin[N_ORIGINS];
    double beta_years, beta_barrier, beta_child3, beta_unemp, beta_stress, delta, unemp_ref;
    double barrier_year;         /* population.barrier_per_year */
    double duration_factor[601]; /* exp(delta log(1 + m)), m capped at 600 */
    int ui_tenure, ui_months;    /* unemployment benefit rules (income.ui.*) */
    double ui_rate, part_share;
    double child3_factor[2];     /* [youngest child under 3]: 1, exp(beta_child3) */
    double *office_factor;       /* per office: exp(unemployment term + office effect) */
    struct arv_mnl_sums sums[N_WORK];
    /* the stress factor (1 if stress <= 0.01) lies in [stress_lo[0],
     * stress_hi[0]] = [1, 1] for stress <= 0.01, and in [stress_lo[b + 1],
     * stress_hi[b + 1]] for stress in [b, b + 1] / STRESS_STEPS */
    double stress_lo[1 + STRESS_BINS], stress_hi[1 + STRESS_BINS];
};

static int setup(struct arv_world *w, struct arv_error *err)
{
    const struct arv_params *p = w->params;
    struct work *k = arv_xcalloc(1, sizeof *k);
    arv__ladder_read(p, "work", arv__work_names, rank, N_WORK, &k->exp_alpha[0][0],
                     &k->dir[0][0]);
    k->beta_edu[EDU_UPPER_SECONDARY] = arv_params_double(p, "work.beta.upper_secondary");
    k->beta_edu[EDU_TERTIARY] = arv_params_double(p, "work.beta.tertiary");
    char path[128];
    for (int o = ORIGIN_SOMALIA; o < N_ORIGINS; o++) {
        snprintf(path, sizeof path, "work.beta.%s", arv__origin_names[o]);
        k->beta_origin[o] = arv_params_double(p, path);
    }
    k->beta_years = arv_params_double(p, "work.beta.years_norway");
    k->beta_barrier = arv_params_double(p, "work.beta.barrier");
    k->barrier_year = arv_params_double(p, "population.barrier_per_year");
    k->beta_child3 = arv_params_double(p, "work.beta.child_under_3");
    k->beta_unemp = arv_params_double(p, "work.beta.unemployment");
    k->beta_stress = arv_params_double(p, "work.beta.stress");
    k->delta = arv_params_double(p, "work.duration");
    k->unemp_ref = arv_params_double(p, "offices.unemployment_mean");
    for (int m = 0; m <= 600; m++)
        k->duration_factor[m] = exp(k->delta * log1p(m));
    k->ui_tenure = (int)arv_params_int(p, "income.ui.min_tenure");
    k->ui_months = (int)arv_params_int(p, "income.ui.months");
    k->ui_rate = arv_params_double(p, "income.ui.replacement");
    k->part_share = arv_params_double(p, "income.part_time_share");
    k->child3_factor[0] = 1.0;
    k->child3_factor[1] = exp(k->beta_child3);
    k->office_factor = arv_xcalloc((size_t)arv_params_int(p, "offices.count"), sizeof(double));
    arv__mnl_sums(&k->exp_alpha[0][0], &k->dir[0][0], N_WORK, k->sums);
    k->stress_lo[0] = k->stress_hi[0] = 1.0;
    for (int b = 0; b < STRESS_BINS; b++) {
        double e0 = exp(k->beta_stress * b / STRESS_STEPS),
               e1 = exp(k->beta_stress * (b + 1) / STRESS_STEPS);
        k->stress_lo[1 + b] = arv__min(e0, e1);
        k->stress_hi[1 + b] = arv__max(e0, e1);
    }
    arv_world_set_state(w, &arv_model_work, k);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    struct work *k = arv_world_state(w, &arv_model_work);
    free(k->office_factor);
    free(k);
}

static int youngest_under_3(const struct arv_pop *p, size_t h)
{
    int n[3]; /* at home, aged 36 months or more (twice) */
    arv__count_children(p, h, 36, 36, n);
    return n[0] > n[1];
}

/* The time-constant parts of the propensity, once per replicate, as the
 * factors exp(z) they contribute: per office (after population.c has drawn
 * the offices) and per adult. */
static void prepare(struct arv_world *w)
{
    struct work *k = arv_world_state(w, &arv_model_work);
    const struct arv_pop *p = arv__pop(w);
    for (int o = 0; o < p->n_offices; o++)
        k->office_factor[o] = exp(k->beta_unemp * (p->offices[o].unemployment - k->unemp_ref) +
                                  p->offices[o].effect[DOMAIN_WORK]);
}

/* exp of adult i's own terms of z (origin, education, years in Norway,
 * barrier) `years` whole years after month 0. An immigrant's years in
 * Norway grow by one a year, and the barrier moves by
 * population.barrier_per_year with each, as they differ between adults in
 * synthesis (population.c); at years = 0 these are the adult's month-0
 * values. */
static float adult_factor(const struct work *k, const struct arv_pop *p, size_t h, size_t i,
                          int years)
{
    double in_norway = p->years_norway[i], barrier = p->barrier[i];
    if (p->origin[h] != ORIGIN_NORWAY && years > 0) {
        in_norway += years;
        barrier += k->barrier_year * years;
    }
    return (float)exp(k->beta_origin[p->origin[h]] + k->beta_edu[p->education[i]] +
                      k->beta_years * log1p(in_norway) + k->beta_barrier * barrier);
}

/* Each adult's start state is drawn from the stationary distribution of
 * its own chain (at the reference duration of 24 months, without stress or
 * follow-up), unless the household file gave it. */
static void start(struct arv_world *w, size_t begin, size_t end)
{
    const struct work *k = arv_world_state(w, &arv_model_work);
    struct arv_pop *p = arv__pop(w);
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    int from_file = arv_params_str(w->params, "population.file")[0] != '\0';
    for (size_t h = begin; h < end; h++) {
        arv_rng_seek(&r, ARV_STREAM_POPULATION, arv__id(p, h), 2);
        double household = k->office_factor[p->office[h]];
        for (int a = 0; a < ARV_MAX_ADULTS; a++) {
            size_t i = (size_t)ARV_MAX_ADULTS * h + a;
            double u = arv_rng_uniform(&r);
            p->work_z[i] = adult_factor(k, p, h, i, 0);
            if (from_file && a < p->n_adults[h])
                continue;
            double e_z = household * p->work_z[i], dur = k->duration_factor[24];
            double P[N_WORK * N_WORK], pi[N_WORK];
            arv__mnl_matrix(&k->exp_alpha[0][0], &k->dir[0][0], N_WORK, e_z * dur, dur / e_z, dur,
                            P);
            arv__stationary(P, N_WORK, pi);
            p->work[i] = (uint8_t)arv__categorical(pi, N_WORK, u);
            p->work_months[i] = 24;
        }
    }
}

/* Household h's propensity factor exp(z) without the adult's own part: the
 * office, a child under 3 and the family's stress. */
static double household_factor(const struct work *k, const struct arv_pop *p, size_t h,
                               double base)
{
    return p->stress[h] > 0.01f ? base * exp(k->beta_stress * p->stress[h]) : base;
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    const struct work *k = arv_world_state(w, &arv_model_work);
    const struct arv_pop pop = *arv__pop(w), *p = &pop; /* (household.h) */
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    uint32_t month = arv__key_month(w);
    uint32_t block[ARV_CHUNK][4];
    size_t n = end - begin;
    assert(n <= ARV_CHUNK);
    arv__household_blocks(&r, p, ARV_STREAM_WORK, month, 0, begin, n, block);
    /* on each anniversary of month 0 the immigrant adults' years in Norway
     * (and barriers) move on a year; the burn-in keeps the month-0 values */
    if (w->month > 0 && w->month % 12 == 0)
        for (size_t h = begin; h < end; h++)
            if (p->origin[h] != ORIGIN_NORWAY)
                for (int a = 0; a < ARV_MAX_ADULTS; a++)
                    p->work_z[(size_t)ARV_MAX_ADULTS * h + a] =
                        adult_factor(k, p, h, (size_t)ARV_MAX_ADULTS * h + a, w->month / 12);
    double last_fu = 0, exp_fu = 1;
    for (size_t h = begin; h < end; h++) {
        double base = k->office_factor[p->office[h]] * k->child3_factor[youngest_under_3(p, h)];
        double fu = arv__followup_effect(p, h, DOMAIN_WORK);
        if (fu != last_fu) { /* followed families of an office share it in a month */
            last_fu = fu;
            exp_fu = exp(fu);
        }
        /* one sub-stream per household: adult a uses its a-th draw (word
         * a of the block) */
        double u_adult[ARV_MAX_ADULTS];
        for (int a = 0; a < ARV_MAX_ADULTS; a++)
            u_adult[a] = arv_rng_word_uniform(block[h - begin][3 - a]);
        /* bounds of the stress factor, so that an adult who certainly
         * stays needs no exp() (the household factor is computed only if
         * some adult may move) */
        float stress = p->stress[h];
        double s_lo, s_hi;
        if (stress < (float)STRESS_BINS / STRESS_STEPS) {
            /* entry 0: no stress effect (stress <= 0.01) */
            int b = (stress > 0.01f) * (1 + (int)(stress * STRESS_STEPS));
            s_lo = k->stress_lo[b];
            s_hi = k->stress_hi[b];
        } else {
            s_lo = s_hi = exp(k->beta_stress * stress);
        }
        double household = -1;
        for (int a = 0; a < p->n_adults[h]; a++) {
            size_t i = (size_t)ARV_MAX_ADULTS * h + a;
            double u = u_adult[a];
            int from = p->work[i];
            unsigned months = p->work_months[i] < 600 ? p->work_months[i] : 600;
            double dur = k->duration_factor[months];
            int to = from;
            double z_lo = base * s_lo * p->work_z[i], z_hi = base * s_hi * p->work_z[i];
            if (!arv__mnl_stays(&k->sums[from], z_hi * dur * exp_fu, dur / z_lo, dur, u)) {
                if (household < 0)
                    household = household_factor(k, p, h, base);
                double e_z = household * p->work_z[i];
                double e_up = e_z * dur * exp_fu;
                double e_down = dur / e_z;
                to = arv__mnl_draw(k->exp_alpha[from], k->dir[from], N_WORK, from, e_up, e_down,
                                   dur, u);
            }
            if (to != from) {
                if (arv__employed(from) && !arv__employed(to)) {
                    /* unemployment benefit after enough months in work */
                    p->events[h] |= EVENT_JOB_LOSS;
                    double gross = p->wage[i] * (from == WORK_PART_TIME ? k->part_share : 1.0);
                    /* months in work: work_months counts from 0 in the
                     * month of entry, which was a month in work too */
                    int entitled = p->work_months[i] + 1 >= k->ui_tenure;
                    p->ui_months[i] = (uint8_t)(entitled ? k->ui_months + 1 : 0);
                    p->ui_amount[i] = (float)(entitled ? k->ui_rate * gross : 0.0);
                } else if (arv__employed(to)) {
                    p->ui_months[i] = 0;
                }
            }
            arv__advance_state(&p->work[i], &p->work_months[i], to);
        }
    }
}

static void observe(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                    int m0)
{
    const struct arv_pop *p = arv__pop(w);
    for (size_t h = begin; h < end; h++) {
        int g = p->group[h];
        if (g == GROUP_NONE)
            continue;
        int employed = 0, full = 0, programme = 0;
        for (int a = 0; a < p->n_adults[h]; a++) {
            int s = p->work[(size_t)ARV_MAX_ADULTS * h + a];
            employed += arv__employed(s);
            full += s == WORK_FULL_TIME;
            programme += s == WORK_PROGRAMME;
        }
        arv_tally_add(t, m0, g, 0, employed, p->n_adults[h]);
        arv_tally_add(t, m0 + 1, g, 0, full, p->n_adults[h]);
        arv_tally_add(t, m0 + 2, g, 0, programme, p->n_adults[h]);
        /* origin is the household's (both adults share it) */
        arv_tally_add(t, m0 + 3 + (p->origin[h] == ORIGIN_NORWAY), g, 0, employed,
                      p->n_adults[h]);
    }
}

const struct arv_model_ops arv_model_work = {
    .name = "work",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .setup = setup,
    .release = release,
    .prepare = prepare,
    .start = start,
    .step = step,
    .observe = observe,
};
