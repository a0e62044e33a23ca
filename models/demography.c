/*
 * Demography: children age; at 18 a child leaves home; births;
 * partnership formation and dissolution; crisis events (illness, family
 * crises). During the burn-in, which settles economic states for the
 * synthesised composition, only crisis events happen.
 * Hazards are monthly and keyed per household (stream DEMOGRAPHY).
 */
#include "household.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>

static const struct arv_param_def defs[] = {
    {"demography.birth_rate", ARV_PARAM_DOUBLE, 0.004, 0, 0.1, "per month",
     "Monthly probability of a birth in a household with fewer than 8 children.", "assumption",
     NULL, NULL},
    {"demography.partnership_rate", ARV_PARAM_DOUBLE, 0.002, 0, 0.1, "per month",
     "Monthly probability that a single parent gains a partner.", "assumption", NULL, NULL},
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

struct demo {
    double birth, partner, separate, crisis, trait_sd;
    int leave_months;
};

static int setup(struct arv_world *w, struct arv_error *err)
{
    struct demo *d = arv_xcalloc(1, sizeof *d);
    d->birth = arv_params_double(w->params, "demography.birth_rate");
    d->partner = arv_params_double(w->params, "demography.partnership_rate");
    d->separate = arv_params_double(w->params, "demography.separation_rate");
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
    struct arv_pop *p = arv__pop(w);
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
    /* the monthly rate of a change of adults, by their number */
    const double change[3] = {0, d->partner, d->separate};
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
        if (free_slot >= 0 && u_birth < d->birth) {
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
        size_t a1 = (size_t)ARV_MAX_ADULTS * h + 1;
        /* a single parent may find a partner, a couple may separate: one
         * comparison with the rate of the household's case first (rare),
         * then which case it is */
        int adults = p->n_adults[h]; /* 1 or 2 */
        if (u_partner < change[adults]) {
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
