/*
 * Follow-up: who is followed, how intensely, and how large the effect is.
 *
 * At enrolment (end of the burn-in) eligible families are found (SA in at
 * least followup.eligibility_sa_months of the last 12 months and on SA now,
 * 1 to followup.eligibility_max_children children), and in offices with
 * coordinators followup.families_per_office of them are drawn at random; the
 * eligible families not drawn are the "third group" (group usual). Each
 * month a serial phase counts active cases per office: intensity is
 * min(1, capacity / active). A followed family's effect multiplier ramps up
 * over followup.ramp_months, holds while follow-up lasts (duration cap) and
 * fades with time constant followup.fade_months afterwards.
 *
 * Effects per domain d are on the log-odds (or score) scale of that domain:
 *   effect = multiplier x (theta_coord[d] + [HOLF] theta_holf[d] x fidelity).
 */
#include "household.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define EFFECT(arm, dom, v, desc)                                                                \
    {"followup." arm ".effect." dom, ARV_PARAM_DOUBLE, v, -3, 3, "logit", desc,                  \
     "assumption (H26-H29: no significant effects)", NULL, NULL}

static const struct arv_param_def defs[] = {
    {"followup.eligibility", ARV_PARAM_ENUM, 0, 0, 0, "-",
     "Who is eligible: 'trial' (the HOLF criteria) or 'none' (every family; national runs).",
     "H17, H18", "trial", "trial|none"},
    {"followup.eligibility_sa_months", ARV_PARAM_INT, 6, 1, 12, "months",
     "Months on SA within the last 12 required for eligibility (and on SA now).", "H17", NULL,
     NULL},
    {"followup.eligibility_max_children", ARV_PARAM_INT, 4, 1, ARV_MAX_CHILDREN, "children",
     "Most children under 18 at home for eligibility.", "H18", NULL, NULL},
    {"followup.families_per_office", ARV_PARAM_INT, 26, 0, 100000, "families",
     "Eligible families drawn for a coordinator in each office with coordinators.",
     "derived: (383 + 360) / 29 = 25.6 (H11, H12, H01)", NULL, NULL},
    {"followup.caseload_per_coordinator", ARV_PARAM_DOUBLE, 13, 0.1, 1000, "families",
     "Families a coordinator can follow at full intensity.",
     "derived: 26 families per office / 2 coordinators (H06's caseload of 21 is ambiguous)",
     NULL, NULL},
    {"followup.duration_months", ARV_PARAM_INT, 24, 1, 600, "months",
     "Duration cap of follow-up.", "MODEL.md section 3.2", NULL, NULL},
    {"followup.ramp_months", ARV_PARAM_DOUBLE, 3, 0, 60, "months",
     "Months for the effect to reach full strength after follow-up starts.", "assumption",
     NULL, NULL},
    {"followup.fade_months", ARV_PARAM_DOUBLE, 6, 0, 600, "months",
     "Time constant of the effect's decay after follow-up ends (0: stops at once).",
     "assumption", NULL, NULL},
    EFFECT("coordinator", "work", 0.1, "Coordinator effect on moves into work."),
    EFFECT("coordinator", "housing", 0.1, "Coordinator effect on moves to better housing."),
    EFFECT("coordinator", "economy", 0.1,
           "Coordinator effect on arrears settlement and strain (debt counselling)."),
    EFFECT("coordinator", "children", 0.05,
           "Coordinator effect on children's participation and inclusion."),
    EFFECT("holf", "work", 0.05, "HOLF increment on moves into work (times fidelity)."),
    EFFECT("holf", "housing", 0.05, "HOLF increment on housing (times fidelity)."),
    EFFECT("holf", "economy", 0.05, "HOLF increment on the family economy (times fidelity)."),
    EFFECT("holf", "children", 0.05, "HOLF increment on children (times fidelity)."),
};

static const struct arv_metric_def metrics[] = {
    {"followup_active_rate", ARV_TABLE_SUMMARY,
     "share of families followed up in this month (months 1 to followup.duration_months)",
     ARV_STAT_RATIO},
    {"followup_intensity_mean", ARV_TABLE_SUMMARY,
     "mean effect multiplier among families ever followed (0-1)", ARV_STAT_RATIO},
};

struct fu {
    int eligibility_none, sa_months, max_children, per_office, duration;
    double caseload, ramp, fade_factor, coordinators;
    double theta_coord[N_DOMAINS], theta_holf[N_DOMAINS];
    struct arv__draw *scratch; /* n entries, for drawing families at enrolment */
};

static const char *const domain_names[N_DOMAINS] = {"work", "housing", "economy", "children"};

static int setup(struct arv_world *w, struct arv_error *err)
{
    const struct arv_params *p = w->params;
    struct fu *f = arv_xcalloc(1, sizeof *f);
    f->eligibility_none = arv_params_enum(p, "followup.eligibility") == 1;
    f->sa_months = (int)arv_params_int(p, "followup.eligibility_sa_months");
    f->max_children = (int)arv_params_int(p, "followup.eligibility_max_children");
    f->per_office = (int)arv_params_int(p, "followup.families_per_office");
    f->caseload = arv_params_double(p, "followup.caseload_per_coordinator");
    f->duration = (int)arv_params_int(p, "followup.duration_months");
    f->ramp = arv_params_double(p, "followup.ramp_months");
    double fade = arv_params_double(p, "followup.fade_months");
    f->fade_factor = fade > 0 ? exp(-1.0 / fade) : 0.0;
    f->coordinators = arv_params_double(p, "offices.coordinators");
    char path[96];
    for (int d = 0; d < N_DOMAINS; d++) {
        snprintf(path, sizeof path, "followup.coordinator.effect.%s", domain_names[d]);
        f->theta_coord[d] = arv_params_double(p, path);
        snprintf(path, sizeof path, "followup.holf.effect.%s", domain_names[d]);
        f->theta_holf[d] = arv_params_double(p, path);
    }
    f->scratch = arv_xcalloc(w->n_households, sizeof *f->scratch);
    arv_world_set_state(w, &arv_model_followup, f);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    struct fu *f = arv_world_state(w, &arv_model_followup);
    free(f->scratch);
    free(f);
}

int arv__by_draw(const void *a, const void *b)
{
    const struct arv__draw *x = a, *y = b;
    if (x->u != y->u)
        return x->u < y->u ? -1 : 1;
    return x->h < y->h ? -1 : x->h > y->h;
}

static int sa_months_last_year(uint16_t history)
{
    return __builtin_popcount(history & 0xFFFu);
}

static bool eligible(const struct fu *f, const struct arv_pop *p, size_t h)
{
    if (f->eligibility_none)
        return true;
    return p->sa[h] && sa_months_last_year(p->sa_history[h]) >= f->sa_months &&
           p->n_children[h] >= 1 && p->n_children[h] <= f->max_children;
}

bool arv__followup_eligible(const struct arv_world *w, size_t h)
{
    return eligible(arv_world_state(w, &arv_model_followup), arv__pop(w), h);
}

void arv__followup_may_enroll(const struct arv_world *w, size_t begin, size_t end, bool *out)
{
    const struct fu *f = arv_world_state(w, &arv_model_followup);
    /* without a burn-in, month 0's SA is the start state's */
    if (f->eligibility_none || w->burn_in < 1) {
        for (size_t h = begin; h < end; h++)
            out[h - begin] = true;
        return;
    }
    uint16_t window[ARV_CHUNK];
    arv__income_takeup_window(w, begin, end, window);
    for (size_t j = 0; j < end - begin; j++)
        out[j] = (window[j] & 1u) && sa_months_last_year(window[j]) >= f->sa_months;
}

bool arv__followup_may_still_enroll(const struct arv_world *w, size_t h, int left)
{
    const struct fu *f = arv_world_state(w, &arv_model_followup);
    if (f->eligibility_none || left < 0 || left > 12)
        return true;
    /* the window's months already in the history: its lowest 12 - left
     * bits, which the months left shift into place */
    uint16_t window = (uint16_t)(arv__pop(w)->sa_history[h] & ((1u << (12 - left)) - 1u));
    int so_far = sa_months_last_year(window);
    return so_far + left >= f->sa_months;
}

int arv__followup_sa_months(const struct arv_world *w)
{
    const struct fu *f = arv_world_state(w, &arv_model_followup);
    return f->eligibility_none ? 0 : f->sa_months;
}

int arv__followup_per_office(const struct arv_world *w)
{
    const struct fu *f = arv_world_state(w, &arv_model_followup);
    return f->per_office;
}

double arv__followup_draw(const struct arv_world *w, uint32_t rep, uint32_t id)
{
    struct arv_rng r;
    arv_rng_init(&r, w->seed, rep);
    arv_rng_seek(&r, ARV_STREAM_ALLOCATION, id, 1);
    return arv_rng_uniform(&r);
}

void arv__followup_draws(const struct arv_world *w, uint32_t rep, size_t n, struct arv__draw *out)
{
    struct arv_rng r;
    arv_rng_init(&r, w->seed, rep);
    uint32_t block[ARV_CHUNK][4];
    for (size_t i0 = 0; i0 < n; i0 += ARV_CHUNK) {
        size_t m = n - i0 < ARV_CHUNK ? n - i0 : ARV_CHUNK;
        /* arv__followup_draw's block (month 1 of the sub-stream) and its
         * first word */
        arv_rng_blocks_range(&r, ARV_STREAM_ALLOCATION, 1, 0, (uint32_t)i0, m, block);
        for (size_t j = 0; j < m; j++)
            out[i0 + j] = (struct arv__draw){arv_rng_word_uniform(block[j][3]), (uint32_t)(i0 + j)};
    }
}

/* Serial, in office and id order: groups, drawn families, office effects. */
static void enroll(struct arv_world *w)
{
    struct fu *f = arv_world_state(w, &arv_model_followup);
    struct arv_pop *p = arv__pop(w);
    for (int o = 0; o < p->n_offices; o++) {
        struct arv_office *of = &p->offices[o];
        for (int d = 0; d < N_DOMAINS; d++)
            of->followup[d] = of->arm == ARM_USUAL
                                  ? 0.0f
                                  : (float)(f->theta_coord[d] +
                                            (of->arm == ARM_HOLF ? f->theta_holf[d] * of->fidelity
                                                                 : 0.0));
        of->capacity = (float)(f->coordinators * f->caseload);
    }
    /* households of office o are the contiguous block population.c gave it */
    size_t first = 0;
    for (int o = 0; o < p->n_offices; o++) {
        size_t n_eligible = 0;
        size_t h = first;
        for (; h < p->n && p->office[h] == o; h++) {
            p->followup_month[h] = -1;
            p->followup_scale[h] = 0;
            p->group[h] = GROUP_NONE;
            if (!eligible(f, p, h))
                continue;
            p->group[h] = GROUP_USUAL;
            f->scratch[n_eligible++] =
                (struct arv__draw){arv__followup_draw(w, w->rep, arv__id(p, h)), (uint32_t)h};
        }
        first = h;
        if (p->offices[o].arm == ARM_USUAL)
            continue;
        qsort(f->scratch, n_eligible, sizeof *f->scratch, arv__by_draw);
        size_t drawn = n_eligible < (size_t)f->per_office ? n_eligible : (size_t)f->per_office;
        for (size_t k = 0; k < drawn; k++) {
            size_t d = f->scratch[k].h;
            p->group[d] = p->offices[o].arm == ARM_HOLF ? GROUP_HOLF : GROUP_COORDINATOR;
            p->followup_month[d] = 0;
        }
    }
}

/* Serial each month from month 0: active cases and intensity per office. */
static void serial(struct arv_world *w)
{
    if (w->month < 0)
        return; /* nobody is enrolled before month 0 (arv_world_enroll) */
    const struct fu *f = arv_world_state(w, &arv_model_followup);
    struct arv_pop *p = arv__pop(w);
    for (int o = 0; o < p->n_offices; o++)
        p->offices[o].active = 0;
    for (size_t h = 0; h < p->n; h++)
        if (p->followup_month[h] >= 0 && p->followup_month[h] < f->duration)
            p->offices[p->office[h]].active++;
    for (int o = 0; o < p->n_offices; o++) {
        struct arv_office *of = &p->offices[o];
        of->intensity = of->active > of->capacity ? of->capacity / (float)of->active : 1.0f;
    }
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    if (w->month < 0)
        return; /* (serial) */
    const struct fu *f = arv_world_state(w, &arv_model_followup);
    struct arv_pop *p = arv__pop(w);
    for (size_t h = begin; h < end; h++) {
        int t = p->followup_month[h];
        if (t < 0)
            continue;
        if (t < f->duration) {
            double ramp = f->ramp > 0 ? arv__min(1.0, (t + 1) / f->ramp) : 1.0;
            p->followup_scale[h] = (float)(p->offices[p->office[h]].intensity * ramp);
        } else {
            p->followup_scale[h] = (float)(p->followup_scale[h] * f->fade_factor);
        }
        if (t < INT16_MAX)
            p->followup_month[h] = (int16_t)(t + 1);
    }
}

static void observe(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                    int m0)
{
    const struct fu *f = arv_world_state(w, &arv_model_followup);
    const struct arv_pop *p = arv__pop(w);
    for (size_t h = begin; h < end; h++) {
        int g = p->group[h];
        if (g == GROUP_NONE)
            continue;
        int fm = p->followup_month[h];
        /* followed this month: months 1 to duration of follow-up (the month
         * a multiplier applies, as followup_intensity_mean) */
        arv_tally_add(t, m0, g, 0, fm >= 1 && fm <= f->duration, 1);
        if (fm >= 0)
            arv_tally_add(t, m0 + 1, g, 0, p->followup_scale[h], 1);
    }
}

const struct arv_model_ops arv_model_followup = {
    .name = "followup",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .setup = setup,
    .release = release,
    .enroll = enroll,
    .serial = serial,
    .step = step,
    .observe = observe,
};
