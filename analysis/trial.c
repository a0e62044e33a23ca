/*
 * The virtual cluster-randomised trial: see arv/trial.h and docs/trial.md.
 */
#include "arv/trial.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <omp.h>

#include "allocation.h"
#include "arv/mpi.h"
#include "arv/output.h"
#include "arv/rng.h"
#include "household.h"
#include "snapshot.h"

static const struct arv_param_def defs[] = {
    {"trial.month", ARV_PARAM_INT, 24, 0, 1200, "months",
     "Month of the register outcomes (employment, SA, income, housing) in arv trial.",
     "H20 (register data to 30 months; 24: assumption)", NULL, NULL},
    {"trial.survey_month", ARV_PARAM_INT, 12, 0, 1200, "months",
     "Month of the survey outcomes (financial strain, child inclusion) in arv trial; must be "
     "one of measurement.survey_months.",
     "H19", NULL, NULL},
    {"trial.covariate", ARV_PARAM_BOOL, 1, 0, 1, "-",
     "Adjust the regression estimators for the outcome's month-0 value.", "method "
     "(docs/trial.md)", NULL, NULL},
    {"trial.boot_reps", ARV_PARAM_INT, 199, 19, 99999, "replications",
     "Wild cluster bootstrap replications per trial and outcome.", "method (docs/estimators.md)",
     NULL, NULL},
    {"trial.perm_reps", ARV_PARAM_INT, 199, 19, 99999, "replications",
     "Re-randomisations per trial and outcome.", "method (docs/estimators.md)", NULL, NULL},
    {"trial.offices", ARV_PARAM_INT, 0, 0, 5000, "offices",
     "Design: offices in the trial, half (rounded up) HOLF; the household pool grows with "
     "them. 0: as offices.*.", "method (docs/trial.md)", NULL, NULL},
    {"trial.families_per_office", ARV_PARAM_INT, 0, 0, 10000, "families",
     "Design: families drawn per office; the household pool and the caseload grow with them. "
     "0: as followup.families_per_office.", "method (docs/trial.md)", NULL, NULL},
    {"trial.effect_scale", ARV_PARAM_DOUBLE, 1, 0, 100, "-",
     "Design: multiplier of the four followup.holf.effect.* increments (0: no HOLF effect).",
     "method (docs/trial.md)", NULL, NULL},
    {"trial.compact", ARV_PARAM_BOOL, 1, 0, 1, "-",
     "Simulate only the households the trial needs (the same results, faster): each office's "
     "pool in the order of the draw until its families are found, and after month 0 only the "
     "followed families; false: the whole household pool, as a check.",
     "method (docs/trial.md)", NULL, NULL},
};

const struct arv_model_ops arv_model_trial = {
    .name = "trial",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
};

static const char *const outcome_names[ARV_TRIAL_N_OUTCOMES] = {
    "employment", "sa_receipt", "income", "housing_stable", "financial_strain", "child_inclusion"};

const char *arv_trial_outcome_name(int outcome)
{
    return outcome >= 0 && outcome < ARV_TRIAL_N_OUTCOMES ? outcome_names[outcome] : NULL;
}

/* ---- design settings ----------------------------------------------------- */

static int set_number(struct arv_params *p, const char *path, double v, bool integer,
                      const char *why, struct arv_error *err)
{
    char text[64];
    if (integer)
        snprintf(text, sizeof text, "%lld", (long long)llround(v));
    else
        snprintf(text, sizeof text, "%.17g", v);
    struct arv_param_origin o = {why, 0};
    return arv_params_set_value(p, path, text, o, err);
}

int arv_trial_derive(struct arv_params *p, struct arv_error *err)
{
    if (arv_params_find(p, "trial.offices") < 0)
        return ARV_OK;
    int k = (int)arv_params_int(p, "trial.offices");
    int f = (int)arv_params_int(p, "trial.families_per_office");
    double scale = arv_params_double(p, "trial.effect_scale");
    double households = (double)arv_params_int(p, "population.households");
    int count = (int)arv_params_int(p, "offices.count");
    if (k > 0) {
        households *= (double)k / count;
        if (set_number(p, "offices.count", k, true, "trial.offices", err) ||
            set_number(p, "offices.holf", (k + 1) / 2, true, "trial.offices", err) ||
            set_number(p, "offices.coordinator", k / 2, true, "trial.offices", err))
            return err->status;
    }
    if (f > 0) {
        int f0 = (int)arv_params_int(p, "followup.families_per_office");
        double caseload = arv_params_double(p, "followup.caseload_per_coordinator");
        if (f0 > 0) {
            households *= (double)f / f0;
            caseload *= (double)f / f0;
        }
        if (set_number(p, "followup.families_per_office", f, true, "trial.families_per_office",
                       err) ||
            set_number(p, "followup.caseload_per_coordinator", caseload, false,
                       "trial.families_per_office", err))
            return err->status;
    }
    if ((k > 0 || f > 0) &&
        set_number(p, "population.households", ceil(households), true, "trial design", err))
        return err->status;
    if (scale != 1) {
        static const char *const d[] = {"work", "housing", "economy", "children"};
        for (int j = 0; j < 4; j++) {
            char path[64];
            snprintf(path, sizeof path, "followup.holf.effect.%s", d[j]);
            if (set_number(p, path, arv_params_double(p, path) * scale, false,
                           "trial.effect_scale", err))
                return err->status;
        }
        /* applied: a second derive (arv trial OUT/resolved.cfg) scales no more */
        if (set_number(p, "trial.effect_scale", 1, false, "trial.effect_scale (applied)", err))
            return err->status;
    }
    return ARV_OK;
}

/* ---- one worker: a world, its snapshot, an estimator workspace ------------ */

struct worker {
    struct arv_world *w;
    struct arv__snapshot *snap;
    struct arv_est_workspace *ws;
    int8_t *arm_group;      /* group of each household in the trial as drawn */
    uint16_t *office;       /* office of each household */
    uint32_t *ids;          /* the followed households, for the compacted follow */
    uint32_t *fam;          /* the followed families' identities, increasing */
    /* starting part of the pool (trial.compact): */
    uint32_t *held, *next;  /* identities the world holds; those it starts next */
    struct arv__draw *order; /* the pool, office by office, in the order of the draw */
    struct arv__draw *sort_tmp; /* room for the pool, to sort order */
    size_t *first;          /* office o's households are [first[o], first[o + 1]) */
    size_t *taken, *found;  /* per office: households taken in the draw's order, eligible */
    double drawn, eligible; /* the same over this worker's trials so far */
    double *base, *obs, *ya, *yb; /* [outcome][household] */
    double *y, *x;          /* estimation data */
    int *t, *c, *cluster_of, *stratum, *office_stratum;
};

struct settings {
    int month, survey_month, last, covariate, stratified, any_usual, compact;
    struct arv_est_options opt;
    struct arv_trial_wanted want;
};

static void worker_free(struct worker *k)
{
    if (k == NULL)
        return;
    arv__snapshot_free(k->snap);
    arv_est_workspace_free(k->ws);
    arv_world_free(k->w);
    free(k->arm_group), free(k->office), free(k->ids), free(k->fam);
    free(k->held), free(k->next), free(k->order), free(k->sort_tmp), free(k->first);
    free(k->taken), free(k->found);
    free(k->base), free(k->obs), free(k->ya), free(k->yb), free(k->y), free(k->x);
    free(k->t), free(k->c), free(k->cluster_of), free(k->stratum), free(k->office_stratum);
    free(k);
}

static struct worker *worker_alloc(const struct arv_registry *reg, const struct arv_params *p,
                                   int reps, struct arv_error *err)
{
    struct arv_world *w = arv_world_alloc(reg, p, err);
    if (w == NULL)
        return NULL;
    struct worker *k = arv_xcalloc(1, sizeof *k);
    k->w = w;
    const struct arv_pop *pop = arv__pop(w);
    size_t n = w->n_households, no = ARV_TRIAL_N_OUTCOMES;
    k->snap = arv__snapshot_alloc(pop);
    struct arv_est_limits lim = {n, 2, (size_t)pop->n_offices, reps};
    k->ws = arv_est_workspace_alloc(&lim);
    k->arm_group = arv_xcalloc(n, sizeof *k->arm_group);
    k->office = arv_xcalloc(n, sizeof *k->office);
    k->ids = arv_xcalloc(n, sizeof *k->ids);
    k->fam = arv_xcalloc(n, sizeof *k->fam);
    k->held = arv_xcalloc(n, sizeof *k->held);
    k->next = arv_xcalloc(n, sizeof *k->next);
    k->order = arv_xcalloc(n, sizeof *k->order);
    k->sort_tmp = arv_xcalloc(n, sizeof *k->sort_tmp);
    size_t offices = (size_t)pop->n_offices;
    k->first = arv_xcalloc(offices + 1, sizeof *k->first);
    k->taken = arv_xcalloc(offices, sizeof *k->taken);
    k->found = arv_xcalloc(offices, sizeof *k->found);
    /* offices are contiguous blocks of the pool, in increasing order */
    for (size_t id = 0; id < n; id++)
        k->first[arv__population_office(w, id) + 1] = id + 1;
    for (size_t o = 1; o <= offices; o++)
        if (k->first[o] < k->first[o - 1])
            k->first[o] = k->first[o - 1]; /* an office without households */
    k->base = arv_xcalloc(n * no, sizeof(double));
    k->obs = arv_xcalloc(n * no, sizeof(double));
    k->ya = arv_xcalloc(n * no, sizeof(double));
    k->yb = arv_xcalloc(n * no, sizeof(double));
    k->y = arv_xcalloc(n, sizeof(double));
    k->x = arv_xcalloc(2 * n, sizeof(double));
    k->t = arv_xcalloc(n, sizeof(int));
    k->c = arv_xcalloc(n, sizeof(int));
    k->cluster_of = arv_xcalloc((size_t)pop->n_offices, sizeof(int));
    k->stratum = arv_xcalloc((size_t)pop->n_offices, sizeof(int));
    k->office_stratum = arv_xcalloc(2 * (size_t)pop->n_offices, sizeof(int)); /* (scratch) */
    return k;
}

static bool followed(int group)
{
    return group == GROUP_COORDINATOR || group == GROUP_HOLF;
}

static double any_employed(const struct arv_pop *p, size_t h)
{
    for (int a = 0; a < p->n_adults[h]; a++)
        if (arv__employed(p->work[(size_t)ARV_MAX_ADULTS * h + a]))
            return 1;
    return 0;
}

/* Register outcomes of household h now, into y[outcome * n + i] (n: the
 * whole pool, i: h's identity). */
static void record_register(const struct arv_pop *p, size_t h, size_t n, size_t i, double *y)
{
    y[ARV_TRIAL_EMPLOYMENT * n + i] = any_employed(p, h);
    y[ARV_TRIAL_SA_RECEIPT * n + i] = p->sa[h];
    y[ARV_TRIAL_INCOME * n + i] = p->disposable[h];
    y[ARV_TRIAL_HOUSING_STABLE * n + i] = arv__housing_stable(p->housing[h]);
}

/* Survey outcomes: the report if the family responded (else NAN) into
 * reported, the true state into truth (either may be NULL). */
static void record_survey(const struct arv_pop *p, size_t h, size_t n, size_t i,
                          double *reported, double *truth)
{
    if (reported) {
        reported[ARV_TRIAL_FINANCIAL_STRAIN * n + i] = p->responded[h] ? p->survey_strain[h] : NAN;
        reported[ARV_TRIAL_CHILD_INCLUSION * n + i] =
            p->responded[h] ? p->survey_inclusion[h] : NAN;
    }
    if (truth) {
        truth[ARV_TRIAL_FINANCIAL_STRAIN * n + i] = p->strain[h];
        truth[ARV_TRIAL_CHILD_INCLUSION * n + i] = arv__children_inclusion(p, h);
    }
}

static int by_id(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Whether a comes before b in the drawing order (arv__by_draw). */
static bool draw_before(const struct arv__draw *a, const struct arv__draw *b)
{
    return a->u < b->u || (a->u == b->u && a->h < b->h);
}

/* Sorts d[0..n) in the drawing order (tmp: room for n). The order is total,
 * so this is qsort's result with arv__by_draw; a merge sort with the
 * comparison inline, since qsort's calls through a pointer cost a trial
 * about as much as drawing its families. */
static void sort_draws(struct arv__draw *d, size_t n, struct arv__draw *tmp)
{
    enum { RUN = 16 };
    for (size_t i0 = 0; i0 < n; i0 += RUN) {
        size_t i1 = i0 + RUN < n ? i0 + RUN : n;
        for (size_t i = i0 + 1; i < i1; i++) {
            struct arv__draw x = d[i];
            size_t j = i;
            for (; j > i0 && draw_before(&x, &d[j - 1]); j--)
                d[j] = d[j - 1];
            d[j] = x;
        }
    }
    struct arv__draw *src = d, *dst = tmp;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                dst[o++] = draw_before(&src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        struct arv__draw *t = src;
        src = dst;
        dst = t;
    }
    if (src != d)
        memcpy(d, src, n * sizeof *d);
}

/* The population drawn, before its work and housing are: keeps only the
 * households that can be eligible at month 0 (keep: room for all, becomes
 * their identities). */
static void keep_may_enroll(struct arv_world *w, void *keep)
{
    uint32_t *ids = keep;
    size_t n = arv__pop(w)->n, kept = 0;
    bool may[ARV_CHUNK];
    for (size_t h0 = 0; h0 < n; h0 += ARV_CHUNK) {
        size_t h1 = h0 + ARV_CHUNK < n ? h0 + ARV_CHUNK : n;
        arv__followup_may_enroll(w, h0, h1, may);
        for (size_t h = h0; h < h1; h++)
            if (may[h - h0])
                ids[kept++] = (uint32_t)h;
    }
    arv__pop_compact(w, ids, kept);
}

/* Keeps the households w holds for which keep(w, h) (identities in ids,
 * which they keep). */
static void keep_only(struct worker *k, uint32_t *ids,
                      bool (*keep)(const struct arv_world *, size_t, int), int arg)
{
    struct arv_world *w = k->w;
    const struct arv_pop *p = arv__pop(w);
    size_t kept = 0;
    for (size_t h = 0; h < p->n; h++)
        if (keep(w, h, arg))
            k->next[kept++] = (uint32_t)h;
    arv__pop_compact(w, k->next, kept); /* (next: free once drawn) */
    memcpy(ids, k->next, kept * sizeof *ids);
    arv__pop_select(w, ids, kept);
}

static bool eligible_now(const struct arv_world *w, size_t h, int unused)
{
    (void)unused;
    return arv__followup_eligible(w, h);
}

/* The burn-in of the households w holds (identities in ids, which they
 * keep). A household that has had too few months on SA to be eligible even
 * with SA in every month left is dropped, once, at the first month where
 * that can happen: followup.eligibility_sa_months - 1 months before the
 * enrolment, those with no SA yet in the last 12. At month 0 only the
 * eligible are kept (the others can only be left out of the enrolment),
 * before the children's deferred months are replayed. */
static void burn_in(struct worker *k, uint32_t *ids)
{
    struct arv_world *w = k->w;
    int left = arv__followup_sa_months(w) - 1;
    if (left > 0 && -w->month > left) {
        while (w->month < -left)
            arv_world_step(w);
        keep_only(k, ids, arv__followup_may_still_enroll, left);
    }
    while (w->month < 0)
        arv_world_step(w);
    keep_only(k, ids, eligible_now, 0);
    arv_world_burn_in(w);
}

/* Starts trial t with only the households its draw of families can reach
 * (snapshot.h: each evolves exactly as in the whole pool). An office with
 * coordinators draws the followup.families_per_office eligible families
 * with the lowest keyed uniforms (followup.c), so its households are
 * started in that order, in rounds, until that many are eligible or the
 * office has no more: the families drawn are then those of the whole pool.
 * The households never started would only have been ineligible or the
 * third group, which the trial does not follow. Of those drawn, only the
 * ones that can be eligible at month 0 (arv__followup_may_enroll: those
 * that would take SA up) are started further and burnt in, dropped late
 * in the burn-in if they can no longer be, and at month 0 unless they are
 * (burn_in). Each round is sized from the eligible share seen so far,
 * which changes the work but never the result. Ends enrolled at month 0. */
static void start_part(struct worker *k, uint32_t t)
{
    struct arv_world *w = k->w;
    struct arv_pop *p = arv__pop(w);
    size_t n_offices = (size_t)p->n_offices;
    arv__followup_draws(w, t, w->max_households, k->order);
    for (size_t o = 0; o < n_offices; o++) {
        sort_draws(k->order + k->first[o], k->first[o + 1] - k->first[o], k->sort_tmp);
        k->taken[o] = k->found[o] = 0;
    }
    const double need = arv__followup_per_office(w);
    /* the share eligible: this worker's so far, or a first guess */
    double share = k->drawn > 0 ? fmax(0.02, k->eligible / k->drawn) : 0.25;
    for (int round = 0;; round++) {
        size_t m = 0;
        for (size_t o = 0; o < n_offices; o++) {
            size_t size = k->first[o + 1] - k->first[o];
            if (k->found[o] >= need || k->taken[o] == size ||
                (round > 0 && p->offices[o].arm == ARM_USUAL))
                continue;
            /* the families still missing over the share eligible, less
             * than that suggests: the share seen so far in a first round,
             * then this office's own share (offices differ, and another
             * round costs less than households burnt in vain: measured
             * best at 0.6 and 0.35) */
            double rate = round == 0 ? share
                                     : fmax(0.02, (double)k->found[o] / (double)k->taken[o]);
            size_t want =
                (size_t)ceil((need - (double)k->found[o]) / rate * (round == 0 ? 0.6 : 0.35)) + 1;
            if (want > size - k->taken[o])
                want = size - k->taken[o];
            for (size_t j = 0; j < want; j++)
                k->next[m++] = k->order[k->first[o] + k->taken[o] + j].h;
            k->taken[o] += want;
        }
        if (m == 0 && round > 0)
            break; /* (a first round may be empty: no families to draw) */
        qsort(k->next, m, sizeof *k->next, by_id);
        if (round > 0)
            arv__snapshot_save(k->snap, p); /* the households started so far */
        arv__pop_select(w, k->next, m);
        uint32_t *ids = round == 0 ? k->held : k->ids;
        arv_world_draw_with(w, t, keep_may_enroll, ids);
        burn_in(k, ids);
        for (size_t h = 0; h < p->n; h++)
            k->found[p->office[h]] += arv__followup_eligible(w, h);
        k->drawn += (double)m;
        if (round > 0)
            arv__pop_merge(w, k->snap, k->held);
    }
    for (size_t o = 0; o < n_offices; o++)
        k->eligible += (double)k->found[o];
    arv_world_enroll(w);
}

/* Steps the world from month 0 to the last month needed, recording the
 * outcomes of the followed families into truth (and obs, if not NULL).
 * With s->compact the world simulates only the followed families (snapshot.h:
 * each evolves exactly as in the whole pool) and is left whole in size but
 * with undefined contents. */
static void follow(struct worker *k, const struct settings *s, double *truth, double *obs)
{
    struct arv_world *w = k->w;
    const struct arv_pop *p = arv__pop(w);
    size_t n = w->max_households;
    if (s->compact) {
        size_t m = 0;
        for (size_t h = 0; h < p->n; h++)
            if (followed(p->group[h]))
                k->ids[m++] = (uint32_t)h;
        arv__pop_compact(w, k->ids, m);
    }
    for (;;) {
        if (w->month == s->month || w->month == s->survey_month)
            for (size_t h = 0; h < p->n; h++) {
                if (!followed(p->group[h]))
                    continue;
                size_t i = arv__id(p, h);
                if (w->month == s->month) {
                    record_register(p, h, n, i, truth);
                    if (obs)
                        record_register(p, h, n, i, obs);
                }
                if (w->month == s->survey_month)
                    record_survey(p, h, n, i, obs, truth);
            }
        if (w->month >= s->last)
            break;
        arv_world_step(w);
    }
    if (s->compact)
        arv__pop_expand(w);
}

/* Does a caller want anything of outcome oc? */
static bool wants_outcome(const struct arv_trial_wanted *want, int oc)
{
    bool any = want->icc || want->truth;
    for (int e = 0; e < ARV_EST_N; e++)
        any |= want->est[oc][e];
    return any;
}

/* Follows trial t's families again from month 0 (restored from k->snap),
 * each under the other arm, recording the outcomes into k->yb. */
static void follow_swapped(struct worker *k, const struct settings *s, uint32_t t)
{
    struct arv_world *w = k->w;
    const struct arv_pop *p = arv__pop(w);
    arv__snapshot_restore(k->snap, w);
    w->month = 0;
    arv__population_swap_arms(w);
    arv_model_followup.enroll(w);
    for (size_t h = 0; h < p->n; h++) {
        int g = k->arm_group[arv__id(p, h)];
        /* the draw of families is keyed per household: the same families,
         * each under the other arm */
        if (followed(g) != followed(p->group[h]) || (followed(g) && g == p->group[h])) {
            fprintf(stderr, "arv: trial %u: household %zu is not the same family under both "
                            "arms\n", t, (size_t)arv__id(p, h));
            abort();
        }
    }
    follow(k, s, k->yb, NULL);
}

/* Simulates trial t and analyses it into cells[outcome]. Households are
 * indexed by their identity in the pool of n. */
static void run_trial(struct worker *k, const struct settings *s, uint32_t t,
                      struct arv_trial_cell *cells, double *n_followed)
{
    struct arv_world *w = k->w;
    struct arv_pop *p = arv__pop(w);
    size_t n = w->max_households;
    /* simulating only what the trial reads: no costs, no young adults */
    w->skip_accounting = s->compact;
    /* children's participation and inclusion only for the households not
     * dropped in the burn-in */
    w->defer_burn_in = s->compact;
    if (s->compact)
        start_part(k, t);
    else
        arv_world_start(w, t);
    if (s->want.truth)
        arv__snapshot_save(k->snap, p);
    memset(k->arm_group, GROUP_NONE, n * sizeof *k->arm_group);
    size_t families = 0;
    for (size_t h = 0; h < p->n; h++) {
        size_t id = arv__id(p, h);
        k->arm_group[id] = p->group[h];
        k->office[id] = p->office[h];
        if (!followed(p->group[h]))
            continue;
        assert(families == 0 || id > k->fam[families - 1]);
        k->fam[families++] = (uint32_t)id;
        record_register(p, h, n, id, k->base);
        record_survey(p, h, n, id, k->base, NULL);
    }
    *n_followed = (double)families;
    /* the trial as drawn, then (for the truth) the same families from the
     * same month 0 with the arms swapped */
    follow(k, s, k->ya, k->obs);
    if (s->want.truth)
        follow_swapped(k, s, t);

    /* clusters: offices of the two trial arms, in office order */
    int G = 0;
    for (int o = 0; o < p->n_offices; o++)
        k->cluster_of[o] = -1;
    for (size_t f = 0; f < families; f++)
        k->cluster_of[k->office[k->fam[f]]] = 0;
    for (int o = 0; o < p->n_offices; o++)
        if (k->cluster_of[o] == 0)
            k->cluster_of[o] = G++;
    const int *strata = NULL;
    if (s->stratified && !s->any_usual) {
        /* the randomisation's pairs (population.c), for the re-randomisation;
         * an office without followed families leaves its partner alone */
        arv__allocation_strata_present(p->offices, p->n_offices, k->cluster_of,
                                       k->office_stratum, k->stratum);
        strata = k->stratum;
    }
    for (int oc = 0; oc < ARV_TRIAL_N_OUTCOMES; oc++) {
        struct arv_trial_cell *cell = &cells[oc];
        for (int e = 0; e < ARV_EST_N; e++)
            cell->est[e] = (struct arv_est_result){.estimate = NAN, .se = NAN, .df = NAN,
                                                   .lo = NAN, .hi = NAN, .p = NAN, .icc = NAN,
                                                   .reason = "not computed"};
        cell->truth = cell->icc = NAN;
        if (!wants_outcome(&s->want, oc))
            continue;
        const double *base = k->base + (size_t)oc * n, *obs = k->obs + (size_t)oc * n;
        const double *ya = k->ya + (size_t)oc * n, *yb = k->yb + (size_t)oc * n;
        double sum = 0;
        size_t both = 0, m = 0, x_missing = 0;
        double x_sum = 0, x_sq = 0;
        for (size_t f = 0; f < families; f++) {
            size_t h = k->fam[f];
            int g = k->arm_group[h];
            if (s->want.truth && !isnan(ya[h]) && !isnan(yb[h])) {
                sum += g == GROUP_HOLF ? ya[h] - yb[h] : yb[h] - ya[h];
                both++;
            }
            if (isnan(obs[h]))
                continue;
            k->y[m] = obs[h];
            k->t[m] = g == GROUP_HOLF;
            k->c[m] = k->cluster_of[k->office[h]];
            k->x[2 * m] = base[h];
            if (isnan(base[h]))
                x_missing++;
            else
                x_sum += base[h], x_sq += base[h] * base[h];
            m++;
        }
        if (s->want.truth)
            cell->truth = both ? sum / both : NAN;
        cell->n = m;
        /* the baseline covariate: left out when it does not vary (SA at
         * month 0 is 1 for every eligible family); missing values are set
         * to the observed mean with an indicator column */
        size_t px = 0, seen = m - x_missing;
        double mean = seen ? x_sum / seen : 0;
        if (s->covariate && seen > 1 && x_sq / seen - mean * mean > 1e-12 * (1 + mean * mean))
            px = x_missing ? 2 : 1;
        if (px) {
            for (size_t i = 0, j = 0; i < m; i++) {
                double xi = k->x[2 * i];
                k->x[j++] = isnan(xi) ? mean : xi;
                if (px == 2)
                    k->x[j++] = isnan(xi);
            }
        }
        struct arv_est_data d = {.n = m, .p = px, .G = (size_t)G, .y = k->y, .t = k->t,
                                 .c = k->c, .x = px ? k->x : NULL, .stratum = strata};
        struct arv_est_options opt = s->opt;
        opt.trial = t;
        opt.rep = (uint32_t)oc;
        for (int e = 0; e < ARV_EST_N; e++)
            if (s->want.est[oc][e])
                arv_estimate(k->ws, (enum arv_est_method)e, &d, &opt, &cell->est[e]);
        cell->G = 0;
        if (!s->want.icc)
            continue;
        struct arv_icc icc;
        arv_est_icc(k->ws, &d, -1, &icc);
        cell->icc = icc.ok ? icc.icc : NAN;
        cell->G = icc.ok ? icc.clusters : 0;
        if (!icc.ok) {
            size_t used = 0;
            for (int o = 0; o < p->n_offices; o++)
                used += k->cluster_of[o] >= 0;
            cell->G = m ? used : 0;
        }
    }
}

/* Is month one of measurement.survey_months? */
static bool is_survey_month(const struct arv_params *p, int month)
{
    const char *c = arv_params_str(p, "measurement.survey_months");
    while (*c) {
        char *end;
        long v = strtol(c, &end, 10);
        if (end == c)
            return false;
        if (v == month)
            return true;
        c = *end ? end + 1 : end;
    }
    return false;
}

/* Numbers of one cell for the MPI sum: truth, n, G, icc, then per
 * estimator ok, estimate, se, df, lo, hi, p, icc. */
enum { CELL_DOUBLES = 4 + 8 * ARV_EST_N };

static void cell_pack(const struct arv_trial_cell *c, double *v)
{
    v[0] = c->truth, v[1] = (double)c->n, v[2] = (double)c->G, v[3] = c->icc;
    for (int e = 0; e < ARV_EST_N; e++) {
        const struct arv_est_result *r = &c->est[e];
        double *x = v + 4 + 8 * e;
        x[0] = r->ok, x[1] = r->estimate, x[2] = r->se, x[3] = r->df;
        x[4] = r->lo, x[5] = r->hi, x[6] = r->p, x[7] = r->icc;
    }
}

static void cell_unpack(const double *v, struct arv_trial_cell *c)
{
    c->truth = v[0], c->n = (size_t)v[1], c->G = (size_t)v[2], c->icc = v[3];
    for (int e = 0; e < ARV_EST_N; e++) {
        struct arv_est_result *r = &c->est[e];
        const double *x = v + 4 + 8 * e;
        r->ok = (int)x[0], r->estimate = x[1], r->se = x[2], r->df = x[3];
        r->lo = x[4], r->hi = x[5], r->p = x[6], r->icc = x[7];
        r->reason = r->ok ? NULL : "computed on another rank";
    }
}

/* Gathers every rank's trials on rank 0 (each trial is non-zero on one
 * rank only, so the sum is exact). */
static void gather_ranks(struct arv_trial_results *r, double *families, int rank, int size)
{
    size_t cells = (size_t)r->trials * ARV_TRIAL_N_OUTCOMES;
    size_t n = cells * CELL_DOUBLES + (size_t)r->trials;
    double *buf = arv_xcalloc(n, sizeof *buf);
    for (int t = rank; t < r->trials; t += size) {
        for (int o = 0; o < ARV_TRIAL_N_OUTCOMES; o++) {
            size_t i = (size_t)t * ARV_TRIAL_N_OUTCOMES + o;
            cell_pack(&r->cell[i], buf + i * CELL_DOUBLES);
        }
        buf[cells * CELL_DOUBLES + t] = families[t];
    }
    arv_mpi_sum_to_root(buf, n);
    if (rank == 0) {
        for (size_t i = 0; i < cells; i++)
            cell_unpack(buf + i * CELL_DOUBLES, &r->cell[i]);
        for (int t = 0; t < r->trials; t++)
            families[t] = buf[cells * CELL_DOUBLES + t];
    }
    free(buf);
}

static struct arv_trial_results *run_ranks(const struct arv_registry *reg,
                                           const struct arv_params *p, int trials, int threads,
                                           int rank, int size,
                                           const struct arv_trial_wanted *want,
                                           void (*progress)(void *ctx, double fraction),
                                           void *ctx, struct arv_error *err)
{
    char where[512];
    if (arv_params_find(p, "trial.month") < 0 || arv_params_find(p, "followup.eligibility") < 0) {
        arv_error_set(err, ARV_EINVAL, "this model has no virtual trial");
        return NULL;
    }
    if (p->draws) {
        /* each trial's two arms restore one month-0 state: one parameter set */
        arv_error_set(err, ARV_EINVAL,
                      "%s:%d: parameter_draws: arv trial runs every trial at one parameter "
                      "set; use one row's values (or run and compare for parameter "
                      "uncertainty)",
                      p->draws->file, p->draws->line);
        return NULL;
    }
    int holf = (int)arv_params_int(p, "offices.holf");
    int coord = (int)arv_params_int(p, "offices.coordinator");
    if (holf < 2 || coord < 2) {
        arv_params_where(p, holf < 2 ? "offices.holf" : "offices.coordinator", where,
                         sizeof where);
        arv_error_set(err, ARV_EINVAL,
                      "%s: a trial needs at least 2 offices per arm (offices.holf = %d, "
                      "offices.coordinator = %d)",
                      where, holf, coord);
        return NULL;
    }
    struct settings s;
    s.month = (int)arv_params_int(p, "trial.month");
    s.survey_month = (int)arv_params_int(p, "trial.survey_month");
    s.last = s.month > s.survey_month ? s.month : s.survey_month;
    s.covariate = arv_params_bool(p, "trial.covariate");
    s.stratified = arv_params_enum(p, "offices.allocation") == 1;
    s.any_usual = holf + coord < arv_params_int(p, "offices.count");
    s.compact = arv_params_bool(p, "trial.compact");
    if (want) {
        s.want = *want;
    } else {
        for (int oc = 0; oc < ARV_TRIAL_N_OUTCOMES; oc++)
            for (int e = 0; e < ARV_EST_N; e++)
                s.want.est[oc][e] = true;
        s.want.icc = s.want.truth = true;
    }
    if (!is_survey_month(p, s.survey_month)) {
        /* blame the one of the pair the user set (trial.survey_month if both) */
        bool month_set = arv_params_origin(p, "trial.survey_month").file != NULL;
        bool months_set = arv_params_origin(p, "measurement.survey_months").file != NULL;
        arv_params_where(p,
                         !month_set && months_set ? "measurement.survey_months"
                                                  : "trial.survey_month",
                         where, sizeof where);
        arv_error_set(err, ARV_EINVAL,
                      "%s: trial.survey_month %d is not one of measurement.survey_months (%s)",
                      where, s.survey_month, arv_params_str(p, "measurement.survey_months"));
        return NULL;
    }
    arv_est_options_default(&s.opt);
    s.opt.boot_reps = (int)arv_params_int(p, "trial.boot_reps");
    s.opt.perm_reps = (int)arv_params_int(p, "trial.perm_reps");
    s.opt.seed = (uint32_t)arv_params_int(p, "run.seed");
    s.opt.stream = ARV_STREAM_TRIAL;
    int reps = s.opt.boot_reps > s.opt.perm_reps ? s.opt.boot_reps : s.opt.perm_reps;
    if (threads < 1)
        threads = 1;
    int mine = (trials - rank + size - 1) / size; /* trials of this rank */
    if (threads > mine)
        threads = mine > 0 ? mine : 1;
    struct worker **k = arv_xcalloc((size_t)threads, sizeof *k);
    for (int j = 0; j < threads; j++)
        if ((k[j] = worker_alloc(reg, p, reps, err)) == NULL) {
            for (int i = 0; i < j; i++)
                worker_free(k[i]);
            free(k);
            return NULL;
        }
    struct arv_trial_results *r = arv_xcalloc(1, sizeof *r);
    r->trials = trials;
    r->month = s.month;
    r->survey_month = s.survey_month;
    r->holf_offices = holf;
    r->coordinator_offices = coord;
    r->cell = arv_xcalloc((size_t)trials * ARV_TRIAL_N_OUTCOMES, sizeof *r->cell);
    double *families = arv_xcalloc((size_t)trials, sizeof *families);
    /* one world per thread, each world single-threaded inside */
    int levels = omp_get_max_active_levels();
    omp_set_max_active_levels(1);
    double t0 = omp_get_wtime();
    int done = 0;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int j = 0; j < mine; j++) {
        int t = rank + j * size;
        struct worker *me = k[omp_get_thread_num()];
        run_trial(me, &s, (uint32_t)t, r->cell + (size_t)t * ARV_TRIAL_N_OUTCOMES, &families[t]);
        int now;
#pragma omp atomic capture
        now = ++done;
        if (progress && omp_get_thread_num() == 0)
            progress(ctx, (double)now / mine);
    }
    r->wall_seconds = omp_get_wtime() - t0;
    omp_set_max_active_levels(levels);
    if (size > 1)
        gather_ranks(r, families, rank, size);
    double fam = 0;
    for (int t = 0; t < trials; t++)
        fam += families[t];
    r->families_mean = fam / trials;
    free(families);
    for (int j = 0; j < threads; j++)
        worker_free(k[j]);
    free(k);
    return r;
}

struct arv_trial_results *arv_trial_run(const struct arv_registry *reg,
                                        const struct arv_params *p, int trials, int threads,
                                        void (*progress)(void *ctx, double fraction),
                                        void *ctx, struct arv_error *err)
{
    return run_ranks(reg, p, trials, threads, 0, 1, NULL, progress, ctx, err);
}

struct arv_trial_results *arv_trial_run_ranks(const struct arv_registry *reg,
                                              const struct arv_params *p, int trials,
                                              int threads, int rank, int size,
                                              void (*progress)(void *ctx, double fraction),
                                              void *ctx, struct arv_error *err)
{
    return run_ranks(reg, p, trials, threads, rank, size, NULL, progress, ctx, err);
}

struct arv_trial_results *arv_trial_run_wanted(const struct arv_registry *reg,
                                               const struct arv_params *p, int trials,
                                               const struct arv_trial_wanted *want,
                                               struct arv_error *err)
{
    return run_ranks(reg, p, trials, 1, 0, 1, want, NULL, NULL, err);
}

void arv_trial_results_free(struct arv_trial_results *r)
{
    if (r == NULL)
        return;
    free(r->cell);
    free(r);
}

/* ---- summaries and files --------------------------------------------------- */

void arv_trial_power(const struct arv_trial_results *r, int outcome, enum arv_est_method m,
                     struct arv_trial_power *out)
{
    double truth = 0, reject = 0, cover = 0, est = 0, se = 0, sq = 0, icc = 0;
    int n = 0, n_icc = 0;
    for (int t = 0; t < r->trials; t++) {
        const struct arv_trial_cell *c = &r->cell[(size_t)t * ARV_TRIAL_N_OUTCOMES + outcome];
        if (!isnan(c->icc))
            icc += c->icc, n_icc++;
        const struct arv_est_result *e = &c->est[m];
        if (!e->ok || isnan(c->truth))
            continue;
        n++;
        truth += c->truth;
        reject += e->p <= ARV_EST_ALPHA;
        cover += e->lo <= c->truth && c->truth <= e->hi;
        est += e->estimate;
        se += e->se;
        sq += (e->estimate - c->truth) * (e->estimate - c->truth);
    }
    out->trials = n;
    out->true_effect = n ? truth / n : NAN;
    out->rejection_rate = n ? reject / n : NAN;
    out->ci_coverage = n ? cover / n : NAN;
    out->mean_estimate = n ? est / n : NAN;
    out->mean_se = n ? se / n : NAN;
    out->rmse = n ? sqrt(sq / n) : NAN;
    out->icc = n_icc ? icc / n_icc : NAN;
}

double arv_trial_mde(double mean_se, int clusters)
{
    if (isnan(mean_se) || clusters < 3)
        return NAN;
    double df = clusters - 2;
    return (gsl_cdf_tdist_Pinv(0.975, df) + gsl_cdf_tdist_Pinv(0.80, df)) * mean_se;
}

int arv_trial_write_power(const struct arv_trial_results *r, FILE *f)
{
    fputs("outcome,estimator,true_effect,trials,rejection_rate,ci_coverage,mean_estimate,"
          "mean_se,rmse\n",
          f);
    for (int o = 0; o < ARV_TRIAL_N_OUTCOMES; o++)
        for (int m = 0; m < ARV_EST_N; m++) {
            struct arv_trial_power pw;
            arv_trial_power(r, o, (enum arv_est_method)m, &pw);
            fprintf(f, "%s,%s,", outcome_names[o], arv_est_name((enum arv_est_method)m));
            arv_csv_number(f, pw.true_effect);
            fprintf(f, ",%d,", pw.trials);
            double v[] = {pw.rejection_rate, pw.ci_coverage, pw.mean_estimate, pw.mean_se,
                          pw.rmse};
            for (size_t j = 0; j < 5; j++) {
                arv_csv_number(f, v[j]);
                fputc(j < 4 ? ',' : '\n', f);
            }
        }
    return ferror(f) ? ARV_EIO : ARV_OK;
}

int arv_trial_write_trials(const struct arv_trial_results *r, FILE *f)
{
    fputs("trial,outcome,estimator,true_effect,estimate,se,df,lo,hi,p,families,offices\n", f);
    for (int t = 0; t < r->trials; t++)
        for (int o = 0; o < ARV_TRIAL_N_OUTCOMES; o++) {
            const struct arv_trial_cell *c = &r->cell[(size_t)t * ARV_TRIAL_N_OUTCOMES + o];
            for (int m = 0; m < ARV_EST_N; m++) {
                const struct arv_est_result *e = &c->est[m];
                fprintf(f, "%d,%s,%s,", t, outcome_names[o],
                        arv_est_name((enum arv_est_method)m));
                double v[] = {c->truth, e->estimate, e->se, e->df, e->lo, e->hi, e->p};
                for (size_t j = 0; j < 7; j++) {
                    arv_csv_number(f, v[j]);
                    fputc(',', f);
                }
                fprintf(f, "%zu,%zu\n", c->n, c->G);
            }
        }
    return ferror(f) ? ARV_EIO : ARV_OK;
}

int arv_trial_write_icc(const struct arv_trial_results *r, FILE *f)
{
    fputs("trial,outcome,families,offices,icc_anova,icc_mixed\n", f);
    for (int t = 0; t < r->trials; t++)
        for (int o = 0; o < ARV_TRIAL_N_OUTCOMES; o++) {
            const struct arv_trial_cell *c = &r->cell[(size_t)t * ARV_TRIAL_N_OUTCOMES + o];
            fprintf(f, "%d,%s,%zu,%zu,", t, outcome_names[o], c->n, c->G);
            arv_csv_number(f, c->icc);
            fputc(',', f);
            arv_csv_number(f, c->est[ARV_EST_MIXED].icc);
            fputc('\n', f);
        }
    return ferror(f) ? ARV_EIO : ARV_OK;
}

static void cell_number(FILE *f, const char *fmt, double v, int width)
{
    if (isnan(v) || isinf(v))
        fprintf(f, " %*s", width, isinf(v) ? (v > 0 ? "inf" : "-inf") : "-");
    else
        fprintf(f, fmt, width, v);
}

void arv_trial_print_table(const struct arv_trial_results *r, FILE *f)
{
    fprintf(f, "trial 0: %d HOLF and %d local-practice offices, %.0f families; register "
               "outcomes at month %d, survey at month %d\n",
            r->holf_offices, r->coordinator_offices, r->families_mean, r->month,
            r->survey_month);
    fprintf(f, "effect = HOLF - local practice, cr2 (OLS with the month-0 value, CR2 SE, "
               "Satterthwaite df)\n\n");
    fprintf(f, "  %-17s %8s %7s %10s %22s %7s %6s %10s\n", "outcome", "families", "offices",
            "effect", "95% CI", "p", "ICC", "true");
    for (int o = 0; o < ARV_TRIAL_N_OUTCOMES; o++) {
        const struct arv_trial_cell *c = &r->cell[o];
        const struct arv_est_result *e = &c->est[ARV_EST_CR2];
        const char *fmt = o == ARV_TRIAL_INCOME ? " %*.0f" : " %*.3f";
        fprintf(f, "  %-17s %8zu %7zu", outcome_names[o], c->n, c->G);
        cell_number(f, fmt, e->estimate, 10);
        fprintf(f, "  [");
        cell_number(f, fmt, e->lo, 9);
        fprintf(f, ",");
        cell_number(f, fmt, e->hi, 9);
        fprintf(f, "]");
        cell_number(f, " %*.3f", e->p, 7);
        cell_number(f, " %*.3f", c->icc, 6);
        cell_number(f, fmt, c->truth, 10);
        fprintf(f, "\n");
    }
    fprintf(f, "\nOther estimators: trials.csv; ICC: one-way ANOVA, arms pooled.\n");
}

void arv_trial_print_power(const struct arv_trial_results *r, FILE *f)
{
    fprintf(f, "%d virtual trials: %d HOLF and %d local-practice offices, %.0f families on "
               "average; register outcomes at month %d, survey at month %d\n\n",
            r->trials, r->holf_offices, r->coordinator_offices, r->families_mean, r->month,
            r->survey_month);
    fprintf(f, "  %-17s %-15s %10s %9s %9s %10s %10s\n", "outcome", "estimator", "true",
            "rejects", "coverage", "mean est", "rmse");
    for (int o = 0; o < ARV_TRIAL_N_OUTCOMES; o++)
        for (int m = 0; m < ARV_EST_N; m++) {
            struct arv_trial_power pw;
            arv_trial_power(r, o, (enum arv_est_method)m, &pw);
            const char *fmt = o == ARV_TRIAL_INCOME ? " %*.0f" : " %*.4f";
            fprintf(f, "  %-17s %-15s", m == 0 ? outcome_names[o] : "",
                    arv_est_name((enum arv_est_method)m));
            cell_number(f, fmt, pw.true_effect, 10);
            cell_number(f, " %*.3f", pw.rejection_rate, 9);
            cell_number(f, " %*.3f", pw.ci_coverage, 9);
            cell_number(f, fmt, pw.mean_estimate, 10);
            cell_number(f, fmt, pw.rmse, 10);
            fprintf(f, "\n");
        }
}
