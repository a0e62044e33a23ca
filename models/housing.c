/*
 * Housing, per household: five states moving by a monthly multinomial
 * logit, like work. The ladder is temporary < private_insecure < municipal
 * < private_stable < owner; from state i the predictor of moving to j is
 *   eta_ij = alpha_ij + dir(i, j) * z + [down] beta_arrears log(1 + arrears / 10,000)
 * with z = beta_income clamp(log(disposable / needs), -1, 1)
 *        + beta_fulltime [an adult works full time]
 *        + beta_size max(0, members - size_reference) + office effect
 *        + follow-up effect (housing domain, up moves only).
 * Arrears raise the risk of eviction. A large family (more members than
 * housing.size_reference) finds a suitable home harder to get and to keep:
 * with beta_size < 0 it moves up less and down more. Insecure private tenants also move
 * between rentals (housing.churn_insecure). Every move is counted for the
 * children (children.c reads `moved`).
 */
#include "household.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALPHA(from, to, v)                                                                       \
    {"housing.alpha." from "_to_" to, ARV_PARAM_DOUBLE, v, -50, 5, "logit",                      \
     "Intercept of the monthly move " from " -> " to ".", "assumption", NULL, NULL}

static const struct arv_param_def defs[] = {
    ALPHA("temporary", "municipal", -3.2),
    ALPHA("temporary", "private_insecure", -2.8),
    ALPHA("temporary", "private_stable", -4.6),
    ALPHA("temporary", "owner", -7.6),
    ALPHA("municipal", "temporary", -6.2),
    ALPHA("municipal", "private_insecure", -5.5),
    ALPHA("municipal", "private_stable", -5.5),
    ALPHA("municipal", "owner", -6.9),
    ALPHA("private_insecure", "temporary", -5.5),
    ALPHA("private_insecure", "municipal", -4.8),
    ALPHA("private_insecure", "private_stable", -4.2),
    ALPHA("private_insecure", "owner", -6.9),
    ALPHA("private_stable", "temporary", -6.9),
    ALPHA("private_stable", "municipal", -6.9),
    ALPHA("private_stable", "private_insecure", -4.8),
    ALPHA("private_stable", "owner", -6.2),
    ALPHA("owner", "temporary", -8.1),
    ALPHA("owner", "municipal", -8.1),
    ALPHA("owner", "private_insecure", -6.9),
    ALPHA("owner", "private_stable", -6.9),
    {"housing.beta.income", ARV_PARAM_DOUBLE, 1.0, -20, 20, "logit",
     "Effect of log(disposable income / needs), clamped to [-1, 1].", "assumption", NULL, NULL},
    {"housing.beta.fulltime", ARV_PARAM_DOUBLE, 0.5, -20, 20, "logit",
     "Effect of an adult in full-time work (start loans, leases).", "assumption", NULL, NULL},
    {"housing.beta.arrears", ARV_PARAM_DOUBLE, 0.5, -20, 20, "logit",
     "Effect of log(1 + arrears / 10,000 NOK) on moves down (eviction).", "assumption", NULL,
     NULL},
    {"housing.beta.size", ARV_PARAM_DOUBLE, -0.15, -20, 20, "logit per person",
     "Effect of each household member beyond housing.size_reference (a large family finds a "
     "suitable home harder to get and to keep).", "assumption", NULL, NULL},
    {"housing.size_reference", ARV_PARAM_INT, 4, 1, ARV_MAX_ADULTS + ARV_MAX_CHILDREN, "persons",
     "Household size up to which housing.beta.size does not apply.", "assumption", NULL, NULL},
    {"housing.churn_insecure", ARV_PARAM_DOUBLE, 0.015, 0, 1, "per month",
     "Monthly probability that an insecure private tenant moves to another such rental.",
     "assumption", NULL, NULL},
};

static const struct arv_metric_def metrics[] = {
    {"temporary_housing_rate", ARV_TABLE_SUMMARY, "share of families in temporary housing", ARV_STAT_RATIO},
    {"housing_stable_rate", ARV_TABLE_SUMMARY,
     "share in municipal, stable private or owned housing", ARV_STAT_RATIO},
    {"moves_rate", ARV_TABLE_SUMMARY, "share of families who moved this month", ARV_STAT_RATIO},
};

static const int rank[N_HOUSING] = {0, 2, 1, 3, 4};

enum { EVICTION_BINS = 128 };
/* household members: 1 to ARV_MAX_ADULTS + ARV_MAX_CHILDREN */
enum { N_MEMBERS = ARV_MAX_ADULTS + ARV_MAX_CHILDREN + 1 };

struct housing {
    double exp_alpha[N_HOUSING][N_HOUSING];
    signed char dir[N_HOUSING][N_HOUSING];
    double beta_income, beta_fulltime, beta_arrears, beta_size, churn;
    struct arv_mnl_sums sums[N_HOUSING];
    /* by household members m: extra[m] = max(0, m - size_reference), the
     * size term beta_size extra[m] and its exp(+-), the multipliers of the
     * moves up and down */
    int extra[N_MEMBERS], n_extra; /* extra[m] takes the values 0 .. n_extra - 1 */
    double size_term[N_MEMBERS], size_up[N_MEMBERS], size_down[N_MEMBERS];
    /* bounds of the multipliers without follow-up (a follow-up effect
     * multiplies exp(z) by its exp), so that a family that
     * certainly stays needs no log() or exp(): per office and full-time
     * work, exp(z) <= up_hi[2 o + f] and exp(-z) <= down_hi[2 o + f]
     * whatever the income ratio; exp(eviction) <= eviction_hi[e + 1] when
     * 1 + arrears / 10,000 lies in [2^e, 2^(e + 1)), 1 = eviction_hi[0]
     * without arrears, and no bound (infinity) beyond the last bin */
    double *up_hi, *down_hi;
    double eviction_hi[EVICTION_BINS + 2];
    /* the start state's distribution per office, full-time work and
     * members beyond the reference: start_pi[((2 o + f) n_extra + e) N_HOUSING + s] */
    double *start_pi;
};

static int setup(struct arv_world *w, struct arv_error *err)
{
    const struct arv_params *p = w->params;
    struct housing *k = arv_xcalloc(1, sizeof *k);
    arv__ladder_read(p, "housing", arv__housing_names, rank, N_HOUSING, &k->exp_alpha[0][0], &k->dir[0][0]);
    k->beta_income = arv_params_double(p, "housing.beta.income");
    k->beta_fulltime = arv_params_double(p, "housing.beta.fulltime");
    k->beta_arrears = arv_params_double(p, "housing.beta.arrears");
    k->churn = arv_params_double(p, "housing.churn_insecure");
    k->beta_size = arv_params_double(p, "housing.beta.size");
    int reference = (int)arv_params_int(p, "housing.size_reference");
    for (int m = 0; m < N_MEMBERS; m++) {
        k->extra[m] = m > reference ? m - reference : 0;
        k->size_term[m] = k->beta_size * k->extra[m];
        k->size_up[m] = exp(k->size_term[m]);
        k->size_down[m] = exp(-k->size_term[m]);
    }
    k->n_extra = k->extra[N_MEMBERS - 1] + 1;
    arv__mnl_sums(&k->exp_alpha[0][0], &k->dir[0][0], N_HOUSING, k->sums);
    size_t offices = (size_t)arv_params_int(p, "offices.count");
    k->up_hi = arv_xcalloc(2 * offices, sizeof(double));
    k->down_hi = arv_xcalloc(2 * offices, sizeof(double));
    k->start_pi = arv_xcalloc(2 * offices * (size_t)k->n_extra * N_HOUSING, sizeof(double));
    k->eviction_hi[0] = 1.0;
    for (int e = 0; e < EVICTION_BINS; e++) {
        double e0 = exp(k->beta_arrears * e * M_LN2), e1 = exp(k->beta_arrears * (e + 1) * M_LN2);
        k->eviction_hi[e + 1] = arv__max(e0, e1);
    }
    k->eviction_hi[EVICTION_BINS + 1] = INFINITY;
    arv_world_set_state(w, &arv_model_housing, k);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    struct housing *k = arv_world_state(w, &arv_model_housing);
    free(k->up_hi);
    free(k->down_hi);
    free(k->start_pi);
    free(k);
}

/* The offices of this replicate are drawn (population.c): bounds of the
 * multipliers per office, with the income term at its extremes +-beta_income. */
static void prepare(struct arv_world *w)
{
    struct housing *k = arv_world_state(w, &arv_model_housing);
    const struct arv_pop *p = arv__pop(w);
    for (int o = 0; o < p->n_offices; o++)
        for (int f = 0; f < 2; f++) {
            double z = k->beta_fulltime * f + p->offices[o].effect[DOMAIN_HOUSING];
            k->up_hi[2 * o + f] = exp(z + fabs(k->beta_income));
            k->down_hi[2 * o + f] = exp(fabs(k->beta_income) - z);
            /* start(): the stationary distribution of the chain with
             * income at needs and no arrears, per family size */
            for (int e = 0; e < k->n_extra; e++) {
                double ze = z + k->beta_size * e;
                double P[N_HOUSING * N_HOUSING];
                arv__mnl_matrix(&k->exp_alpha[0][0], &k->dir[0][0], N_HOUSING, exp(ze), exp(-ze),
                                1.0, P);
                arv__stationary(P, N_HOUSING,
                                k->start_pi + ((size_t)(2 * o + f) * k->n_extra + e) * N_HOUSING);
            }
        }
}

/* Some adult of household h works full time (no branch on the number of
 * adults). */
static inline int full_time(const struct arv_pop *p, size_t h)
{
    _Static_assert(ARV_MAX_ADULTS == 2, "two adult slots");
    const uint8_t *s = p->work + (size_t)ARV_MAX_ADULTS * h;
    return (s[0] == WORK_FULL_TIME) | ((p->n_adults[h] > 1) & (s[1] == WORK_FULL_TIME));
}

/* The members of household h: its adults and the children at home. */
static inline int members(const struct arv_pop *p, size_t h)
{
    return p->n_adults[h] + p->n_children[h];
}

/* ilogb(x) for a finite x >= 1, from its exponent bits. */
static inline int binade(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    return (int)((bits >> 52) & 0x7ff) - 1023;
}

/* Each family's start state is drawn from the stationary distribution of
 * its chain with income at needs and no arrears (the burn-in then lets
 * income and arrears act), unless the household file gave it. */
static void start(struct arv_world *w, size_t begin, size_t end)
{
    const struct housing *k = arv_world_state(w, &arv_model_housing);
    struct arv_pop *p = arv__pop(w);
    if (arv_params_str(w->params, "population.file")[0] != '\0')
        return;
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    for (size_t h = begin; h < end; h++) {
        arv_rng_seek(&r, ARV_STREAM_POPULATION, arv__id(p, h), 3);
        int fulltime = full_time(p, h), e = k->extra[members(p, h)];
        const double *pi =
            k->start_pi + ((size_t)(2 * p->office[h] + fulltime) * k->n_extra + e) * N_HOUSING;
        p->housing[h] = (uint8_t)arv__categorical(pi, N_HOUSING, arv_rng_uniform(&r));
    }
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    const struct housing *k = arv_world_state(w, &arv_model_housing);
    const struct arv_pop pop = *arv__pop(w), *p = &pop; /* (household.h) */
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    uint32_t month = arv__key_month(w);
    uint32_t block[ARV_CHUNK][4];
    size_t n = end - begin;
    assert(n <= ARV_CHUNK);
    arv__household_blocks(&r, p, ARV_STREAM_HOUSING, month, 0, begin, n, block);
    double last_fu = 0, exp_fu = 1;
    for (size_t h = begin; h < end; h++) {
        /* the household's two draws: words 0 and 1 of its block */
        double u = arv_rng_word_uniform(block[h - begin][3]),
               u_churn = arv_rng_word_uniform(block[h - begin][2]);
        int fulltime = full_time(p, h), size = members(p, h);
        double fu = arv__followup_effect(p, h, DOMAIN_HOUSING);
        int from = p->housing[h], to = from;
        /* first try the bounds of the multipliers (the exponent of
         * 1 + arrears / 10,000 bounds its log) */
        int stays = 0;
        {
            /* the follow-up effect multiplies exp(z); followed families of
             * an office share it in a month, so its exp is kept */
            if (fu != last_fu) {
                last_fu = fu;
                exp_fu = exp(fu);
            }
            size_t of = 2 * (size_t)p->office[h] + (size_t)fulltime;
            /* (an infinite or NaN bound never lets a family stay here) */
            float arrears = p->arrears[h];
            int bin = binade(1.0 + arrears / 10000.0);
            bin = (arrears > 0) * (1 + (bin < EVICTION_BINS ? bin : EVICTION_BINS));
            double e_down = k->down_hi[of] * k->size_down[size] * k->eviction_hi[bin];
            stays = arv__mnl_stays(&k->sums[from], k->up_hi[of] * k->size_up[size] * exp_fu,
                                   e_down, 1.0, u);
        }
        if (!stays) {
            double ratio =
                p->needs[h] > 0 ? log(arv__max(1.0, p->disposable[h]) / p->needs[h]) : 0;
            double z = k->beta_income * arv__min(1, arv__max(-1, ratio)) +
                       k->beta_fulltime * fulltime + k->size_term[size] +
                       p->offices[p->office[h]].effect[DOMAIN_HOUSING];
            double eviction =
                p->arrears[h] > 0 ? k->beta_arrears * log1p(p->arrears[h] / 10000.0) : 0.0;
            double e_up = exp(z + fu), e_down = exp(eviction - z);
            to = arv__mnl_draw(k->exp_alpha[from], k->dir[from], N_HOUSING, from, e_up, e_down,
                               1.0, u);
        }
        int moved = (to != from) | ((from == HOUSING_PRIVATE_INSECURE) & (u_churn < k->churn));
        p->moved[h] = (uint8_t)moved;
        if (to != from && to == HOUSING_TEMPORARY)
            p->events[h] |= EVENT_EVICTION;
        arv__advance_state(&p->housing[h], &p->housing_months[h], to);
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
        arv_tally_add(t, m0, g, 0, p->housing[h] == HOUSING_TEMPORARY, 1);
        arv_tally_add(t, m0 + 1, g, 0, arv__housing_stable(p->housing[h]), 1);
        arv_tally_add(t, m0 + 2, g, 0, p->moved[h], 1);
    }
}

const struct arv_model_ops arv_model_housing = {
    .name = "housing",
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
