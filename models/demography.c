/*
 * Demography: children and adults age; at 18 a child leaves home; births;
 * partnership formation and dissolution; crisis events (illness, family
 * crises). During the burn-in, which settles economic states for the
 * synthesised composition, only crisis events happen.
 * Hazards are monthly and keyed per household (stream DEMOGRAPHY). A
 * birth needs a mother at home (a woman among the adults present) of at
 * most demography.birth_max_age; its hazard falls by
 * demography.birth_age_decline per year of her age beyond 30. A single
 * parent's hazard of finding a partner falls likewise with age
 * (demography.partnership_age_decline).
 */
#include "household.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>

static const struct arv_param_def defs[] = {
    {"demography.birth_rate", ARV_PARAM_DOUBLE, 0.008, 0, 0.1, "per month",
     "Monthly probability of a birth in a household with fewer than 8 children and a mother "
     "aged 30 or less.", "assumption", NULL, NULL},
    {"demography.birth_age_decline", ARV_PARAM_DOUBLE, 0.15, 0, 5, "log per year",
     "Fall of the log birth hazard per year of the mother's age beyond 30.", "assumption", NULL,
     NULL},
    {"demography.birth_max_age", ARV_PARAM_INT, 49, 16, 60, "years",
     "Oldest age (whole years) of a mother who can give birth.", "assumption", NULL, NULL},
    {"demography.partnership_rate", ARV_PARAM_DOUBLE, 0.002, 0, 0.1, "per month",
     "Monthly probability that a single parent aged 30 or less gains a partner.", "assumption",
     NULL, NULL},
    {"demography.partnership_age_decline", ARV_PARAM_DOUBLE, 0.05, 0, 5, "log per year",
     "Fall of the log partnership hazard per year of the single parent's age beyond 30.",
     "assumption", NULL, NULL},
    {"demography.separation_rate", ARV_PARAM_DOUBLE, 0.002, 0, 0.1, "per month",
     "Monthly probability that a couple separates (the second adult leaves).", "assumption",
     NULL, NULL},
    {"demography.crisis_rate", ARV_PARAM_DOUBLE, 0.01, 0, 0.5, "per month",
     "Monthly probability of an illness or another family crisis (a stress event).",
     "assumption", NULL, NULL},
    {"demography.leave_home_age", ARV_PARAM_INT, 18, 16, 18, "years",
     "Age at which a child leaves the household and is followed as a young adult (at most "
     "18: the budget rules know no adult children at home).",
     "MODEL.md section 2", NULL, NULL},
};

/* hazards by age in whole years, 0 .. MAX_YEARS (older adults: the last) */
enum { MAX_YEARS = 100 };

struct demo {
    double separate, crisis, trait_sd;
    double birth[MAX_YEARS + 1], partner[MAX_YEARS + 1]; /* by age in years */
    double change_max; /* the largest of partner[] and separate */
    int leave_months;
};

/* The monthly hazard `rate` at ages up to 30 years, falling by `decline`
 * (log) per year beyond. */
static double by_age(double rate, double decline, int years)
{
    return rate * exp(-decline * (years > 30 ? years - 30 : 0));
}

static int setup(struct arv_world *w, struct arv_error *err)
{
    struct demo *d = arv_xcalloc(1, sizeof *d);
    const struct arv_params *p = w->params;
    double birth = arv_params_double(p, "demography.birth_rate"),
           birth_decline = arv_params_double(p, "demography.birth_age_decline"),
           partner = arv_params_double(p, "demography.partnership_rate"),
           partner_decline = arv_params_double(p, "demography.partnership_age_decline");
    int birth_max = (int)arv_params_int(p, "demography.birth_max_age");
    for (int y = 0; y <= MAX_YEARS; y++) {
        d->birth[y] = y <= birth_max ? by_age(birth, birth_decline, y) : 0.0;
        d->partner[y] = by_age(partner, partner_decline, y);
    }
    d->separate = arv_params_double(w->params, "demography.separation_rate");
    /* (the hazards fall with age: the youngest ages' are the largest) */
    d->change_max = arv__max(d->partner[0], d->separate);
    d->trait_sd = arv_params_double(w->params, "children.inclusion.trait_sd");
    d->crisis = arv_params_double(w->params, "demography.crisis_rate");
    d->leave_months = 12 * (int)arv_params_int(w->params, "demography.leave_home_age");
    arv_world_set_state(w, &arv_model_demography, d);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    free(arv_world_state(w, &arv_model_demography));
}

/* Whole years of an age in months, at most MAX_YEARS. */
static inline int years(unsigned months)
{
    return months / 12 < MAX_YEARS ? (int)(months / 12) : MAX_YEARS;
}

/* The birth hazard of household h in the month `elapsed` months after the
 * start: by the age of its mother, the first woman among the adults
 * present; 0 without one. */
static double birth_hazard(const struct demo *d, const struct arv_pop *p, size_t h,
                           unsigned elapsed)
{
    size_t a0 = (size_t)ARV_MAX_ADULTS * h;
    if (p->female[a0])
        return d->birth[years(p->adult_age[a0] + elapsed)];
    if (p->n_adults[h] == 2 && p->female[a0 + 1])
        return d->birth[years(p->adult_age[a0 + 1] + elapsed)];
    return 0.0;
}

/* Ages the children at home (age >= 0) of one household's slots by a
 * month; a child reaching `leave` months leaves (age -1). Returns how many
 * left; *free_slot is the first slot empty before (-1: none). On x86-64
 * the eight slots are one SSE2 vector. */
static int age_children(int16_t *age, int leave, int *free_slot)
{
#ifdef __SSE2__
    _Static_assert(ARV_MAX_CHILDREN == 8, "one vector of eight slots");
    __m128i a = _mm_loadu_si128((const __m128i *)age);
    __m128i home = _mm_cmpgt_epi16(a, _mm_set1_epi16(-1)); /* -1 where at home */
    __m128i aged = _mm_sub_epi16(a, home);
    __m128i leaving = _mm_and_si128(home, _mm_cmpgt_epi16(aged, _mm_set1_epi16((short)(leave - 1))));
    _mm_storeu_si128((__m128i *)age, _mm_or_si128(_mm_andnot_si128(leaving, aged), leaving));
    unsigned empty = ~(unsigned)_mm_movemask_epi8(home) & 0xFFFFu; /* two bits per slot */
    *free_slot = empty ? __builtin_ctz(empty) / 2 : -1;
    /* (rarely anyone leaves: no bit count then, which without the popcnt
     * instruction is a call) */
    unsigned left = (unsigned)_mm_movemask_epi8(leaving);
    return left ? __builtin_popcount(left) / 2 : 0;
#else
    int left = 0;
    *free_slot = -1;
    for (int k = 0; k < ARV_MAX_CHILDREN; k++) {
        if (age[k] < 0) {
            if (*free_slot < 0)
                *free_slot = k;
            continue;
        }
        if (++age[k] >= leave) {
            age[k] = -1;
            left++;
        }
    }
    return left;
#endif
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    const struct demo *d = arv_world_state(w, &arv_model_demography);
    const struct arv_pop pop = *arv__pop(w), *p = &pop; /* (household.h) */
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    uint32_t month = arv__key_month(w);
    uint32_t block[ARV_CHUNK][4];
    size_t n = end - begin;
    assert(n <= ARV_CHUNK);
    arv__household_blocks(&r, p, ARV_STREAM_DEMOGRAPHY, month, 0, begin, n, block);
    /* the household's draws are the words of its block 0: the crisis, then
     * the birth and the partnership (rng.h: word k is block[3 - k]) */
    if (w->month < 0) {
        /* the burn-in settles the families' economic states (and their
         * crises) for the composition synthesised; it does not age it */
        for (size_t h = begin; h < end; h++)
            p->events[h] =
                arv_rng_word_uniform(block[h - begin][3]) < d->crisis ? EVENT_CRISIS : 0;
        return;
    }
    /* the adults' ages in this month: a month more than at the start for
     * each month since (household.h) */
    unsigned elapsed = (unsigned)w->month + 1;
    for (size_t h = begin; h < end; h++) {
        const uint32_t *b = block[h - begin];
        /* the month's events start here */
        p->events[h] = arv_rng_word_uniform(b[3]) < d->crisis ? EVENT_CRISIS : 0;
        size_t c0 = (size_t)ARV_MAX_CHILDREN * h;
        int free_slot;
        p->n_children[h] =
            (uint8_t)(p->n_children[h] - age_children(p->child_age + c0, d->leave_months, &free_slot));
        double u_birth = arv_rng_word_uniform(b[2]);
        double u_partner = arv_rng_word_uniform(b[1]);
        size_t a0 = (size_t)ARV_MAX_ADULTS * h, a1 = a0 + 1;
        int adults = p->n_adults[h]; /* 1 or 2 */
        /* a birth is rare: the hazard at the youngest ages bounds it, and
         * only a draw under that bound needs the mother's (the first woman
         * among the adults present) */
        if (free_slot >= 0 && u_birth < d->birth[0] && u_birth < birth_hazard(d, p, h, elapsed)) {
            size_t i = c0 + (size_t)free_slot;
            /* the newborn's trait continues the sub-stream after three words */
            arv_rng_seek_block_after(&r, ARV_STREAM_DEMOGRAPHY, arv__id(p, h), month, 0, b, 3);
            double trait = gsl_ran_gaussian_ziggurat(arv_rng_gsl(&r), d->trait_sd);
            p->child_age[i] = 0;
            p->inclusion_trait[i] = (float)trait;
            p->inclusion[i] = (float)trait;
            p->participation[i] = 0;
            p->months_low_income[i] = p->months_sa[i] = p->months_temporary[i] = 0;
            p->moves[i] = 0;
            p->n_children[h]++;
        }
        /* a single parent may find a partner, a couple may separate: one
         * comparison with the rate of the household's case first (rare),
         * then which case it is */
        if (u_partner < d->change_max &&
            u_partner < (adults == 1 ? d->partner[years(p->adult_age[a0] + elapsed)]
                                     : d->separate)) {
            if (adults == 1) {
                /* the partner's traits and work state were drawn at the
                 * start with the household's (population.c, work.c) */
                p->n_adults[h] = 2;
                p->work_months[a1] = 0;
            } else {
                p->n_adults[h] = 1;
                p->ui_months[a1] = 0;
                p->events[h] |= EVENT_SEPARATION;
            }
        }
    }
}

const struct arv_model_ops arv_model_demography = {
    .name = "demography",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .setup = setup,
    .release = release,
    .step = step,
};
