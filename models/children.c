/*
 * Children, per child: participation in an age-appropriate activity
 * (kindergarten at 1-5; after-school club or organised leisure at 6-17) as a
 * two-state chain, social inclusion as an AR(1) score, and the exposures
 * the young-adult model will read (months in low income, on SA, in temporary
 * housing; moves).
 *
 * Participation: monthly entry and exit log-odds by age band, shifted by
 * low income, immigrant background, temporary housing and the follow-up
 * children effect (up on entry, down on exit); a move makes a participating
 * child drop out with probability children.drop_on_move.
 * Inclusion: x' = rho x + (1 - rho) m + sd e, with the level
 *   m = trait + c_part participation + c_low low income + c_temp temporary
 *     + c_insecure insecure rental + c_move moved + c_stress stress
 *     + office effect + follow-up effect (children domain).
 *
 * Family stress is updated here, after every phase that produces events:
 *   stress' = rho_s stress + sum of the impulses of this month's events
 * (a crisis such as illness, separation, an adult's job loss, an expense
 * shock, eviction into temporary housing). Stress also holds the parents
 * back from work (work.beta.stress), so families often come to social
 * assistance in such a period; eligibility for follow-up (months on SA)
 * then tends to select them while stress is high, and as it fades their
 * strain and their children's inclusion recover whatever the follow-up
 * does.
 */
#include "household.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

#define NUM(path, v, lo, hi, unit, desc)                                                        \
    {path, ARV_PARAM_DOUBLE, v, lo, hi, unit, desc, "assumption", NULL, NULL}

static const struct arv_param_def defs[] = {
    NUM("children.enter_kindergarten", -2.0, -15, 5, "logit",
        "Monthly log-odds that a non-participating child aged 1-5 starts kindergarten."),
    NUM("children.exit_kindergarten", -5.0, -15, 5, "logit",
        "Monthly log-odds that a child aged 1-5 leaves kindergarten."),
    NUM("children.enter_activity", -3.0, -15, 5, "logit",
        "Monthly log-odds that a child aged 6-17 starts an after-school club or leisure activity."),
    NUM("children.exit_activity", -4.0, -15, 5, "logit",
        "Monthly log-odds that a child aged 6-17 stops their activity."),
    NUM("children.beta_low_income", -0.5, -10, 10, "logit",
        "Effect of low income on starting (and, negated, on stopping) an activity."),
    NUM("children.beta_immigrant", -0.5, -10, 10, "logit",
        "Effect of immigrant background on starting (negated: on stopping) an activity."),
    NUM("children.beta_temporary", -0.5, -10, 10, "logit",
        "Effect of temporary housing on starting (negated: on stopping) an activity."),
    NUM("children.drop_on_move", 0.3, 0, 1, "probability",
        "Probability that a participating child drops out when the family moves."),
    NUM("children.inclusion.persistence", 0.8, 0, 0.999, "-",
        "Monthly AR(1) coefficient of social inclusion."),
    NUM("children.inclusion.sd", 0.25, 0, 5, "score", "SD of the monthly inclusion innovation."),
    NUM("children.inclusion.trait_sd", 0.5, 0, 5, "score",
        "SD of the child's persistent inclusion level (drawn at birth or synthesis)."),
    NUM("children.inclusion.participation", 0.4, -5, 5, "score",
        "Inclusion level shift while participating."),
    NUM("children.inclusion.low_income", -0.5, -5, 5, "score",
        "Inclusion level shift in low income."),
    NUM("children.inclusion.temporary", -0.4, -5, 5, "score",
        "Inclusion level shift in temporary housing."),
    NUM("children.inclusion.insecure", -0.15, -5, 5, "score",
        "Inclusion level shift in insecure private rental."),
    NUM("children.inclusion.move", -0.5, -5, 5, "score",
        "Inclusion level shift in a month with a move."),
    NUM("children.inclusion.stress", -0.3, -5, 5, "score per unit",
        "Inclusion level shift per unit of family stress."),
    NUM("children.stress.persistence", 0.9, 0, 0.999, "-",
        "Monthly persistence of family stress after an adverse event."),
    NUM("children.stress.separation", 2, 0, 10, "units", "Stress impulse of a separation."),
    NUM("children.stress.job_loss", 2, 0, 10, "units",
        "Stress impulse of an adult's job loss."),
    NUM("children.stress.shock", 0.5, 0, 10, "units",
        "Stress impulse of an unexpected expense."),
    NUM("children.stress.eviction", 1.5, 0, 10, "units",
        "Stress impulse of a move into temporary housing."),
    NUM("children.stress.crisis", 2.0, 0, 10, "units",
        "Stress impulse of an illness or family crisis (demography.crisis_rate)."),
};

static const struct arv_metric_def metrics[] = {
    {"child_participation_rate", ARV_TABLE_SUMMARY,
     "share of children aged 1-17 in kindergarten, after-school club or organised leisure", ARV_STAT_RATIO},
    {"child_inclusion_mean", ARV_TABLE_SUMMARY, "mean social inclusion score of children", ARV_STAT_RATIO},
};

struct kids {
    double enter[2], exit[2], b_low, b_imm, b_temp, drop_on_move;
    double rho, sd, c_part, c_low, c_temp, c_insecure, c_move, c_stress;
    double stress_rho, impulse[32]; /* stress impulse of each event combination */
    /* switching probabilities of a household without follow-up effect,
     * [low income][immigrant][temporary][band][participating] */
    double p_switch[2][2][2][2][2];
};

/* The monthly probability that a child of age band `band` who is
 * (`part`) or is not participating switches, given the household's
 * barriers and follow-up effect fu. */
static double switch_probability(const struct kids *k, int band, int part, double barriers,
                                 double fu)
{
    return arv__logistic(part ? k->exit[band] - barriers - fu : k->enter[band] + barriers + fu);
}

static double household_barriers(const struct kids *k, int low_income, int immigrant,
                                 int temporary)
{
    return k->b_low * low_income + k->b_imm * immigrant + k->b_temp * temporary;
}

static int setup(struct arv_world *w, struct arv_error *err)
{
    const struct arv_params *p = w->params;
    struct kids *k = arv_xcalloc(1, sizeof *k);
    k->enter[0] = arv_params_double(p, "children.enter_kindergarten");
    k->exit[0] = arv_params_double(p, "children.exit_kindergarten");
    k->enter[1] = arv_params_double(p, "children.enter_activity");
    k->exit[1] = arv_params_double(p, "children.exit_activity");
    k->b_low = arv_params_double(p, "children.beta_low_income");
    k->b_imm = arv_params_double(p, "children.beta_immigrant");
    k->b_temp = arv_params_double(p, "children.beta_temporary");
    k->drop_on_move = arv_params_double(p, "children.drop_on_move");
    k->rho = arv_params_double(p, "children.inclusion.persistence");
    k->sd = arv_params_double(p, "children.inclusion.sd");
    k->c_part = arv_params_double(p, "children.inclusion.participation");
    k->c_low = arv_params_double(p, "children.inclusion.low_income");
    k->c_temp = arv_params_double(p, "children.inclusion.temporary");
    k->c_insecure = arv_params_double(p, "children.inclusion.insecure");
    k->c_move = arv_params_double(p, "children.inclusion.move");
    k->c_stress = arv_params_double(p, "children.inclusion.stress");
    k->stress_rho = arv_params_double(p, "children.stress.persistence");
    double sep = arv_params_double(p, "children.stress.separation"),
           job = arv_params_double(p, "children.stress.job_loss"),
           shock = arv_params_double(p, "children.stress.shock"),
           evict = arv_params_double(p, "children.stress.eviction"),
           crisis = arv_params_double(p, "children.stress.crisis");
    for (int e = 0; e < 32; e++)
        k->impulse[e] = sep * !!(e & EVENT_SEPARATION) + job * !!(e & EVENT_JOB_LOSS) +
                        shock * !!(e & EVENT_SHOCK) + evict * !!(e & EVENT_EVICTION) +
                        crisis * !!(e & EVENT_CRISIS);
    for (int low = 0; low < 2; low++)
        for (int imm = 0; imm < 2; imm++)
            for (int temp = 0; temp < 2; temp++)
                for (int band = 0; band < 2; band++)
                    for (int part = 0; part < 2; part++)
                        k->p_switch[low][imm][temp][band][part] = switch_probability(
                            k, band, part, household_barriers(k, low, imm, temp), 0.0);
    arv_world_set_state(w, &arv_model_children, k);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    free(arv_world_state(w, &arv_model_children));
}

/* Adds the month (0 or 1) to the exposure counters of the children at
 * home (age >= 0) among a household's slots, saturating at the types'
 * maxima (x < max ? x + inc : x). On x86-64 with SSE2 intrinsics: the
 * eight slots are one vector, and adds_epu16 / adds_epu8 are exactly the
 * saturating sums. */
static void add_exposures(const int16_t *age, uint16_t *low, uint16_t *sa, uint16_t *temp,
                          uint8_t *moves, int in_low, int in_sa, int in_temp, int moved)
{
#ifdef __SSE2__
    _Static_assert(ARV_MAX_CHILDREN == 8, "one vector of eight slots");
    __m128i home = _mm_cmpgt_epi16(_mm_loadu_si128((const __m128i *)age), _mm_set1_epi16(-1));
    __m128i inc_low = _mm_and_si128(home, _mm_set1_epi16((short)in_low));
    __m128i inc_sa = _mm_and_si128(home, _mm_set1_epi16((short)in_sa));
    __m128i inc_temp = _mm_and_si128(home, _mm_set1_epi16((short)in_temp));
    __m128i inc_moves = _mm_packs_epi16(_mm_and_si128(home, _mm_set1_epi16((short)moved)),
                                        _mm_setzero_si128());
    _mm_storeu_si128((__m128i *)low,
                     _mm_adds_epu16(_mm_loadu_si128((const __m128i *)low), inc_low));
    _mm_storeu_si128((__m128i *)sa, _mm_adds_epu16(_mm_loadu_si128((const __m128i *)sa), inc_sa));
    _mm_storeu_si128((__m128i *)temp,
                     _mm_adds_epu16(_mm_loadu_si128((const __m128i *)temp), inc_temp));
    _mm_storel_epi64((__m128i *)moves,
                     _mm_adds_epu8(_mm_loadl_epi64((const __m128i *)moves), inc_moves));
#else
    for (int c = 0; c < ARV_MAX_CHILDREN; c++) {
        if (age[c] < 0)
            continue;
        if (low[c] < UINT16_MAX)
            low[c] += in_low;
        if (sa[c] < UINT16_MAX)
            sa[c] += in_sa;
        if (temp[c] < UINT16_MAX)
            temp[c] += in_temp;
        if (moves[c] < UINT8_MAX)
            moves[c] += moved;
    }
#endif
}

/* Households are taken SPAN at a time: first the Philox blocks of their
 * children's sub-streams and each household's terms, then the children in
 * one loop without branches on the family's state. */
enum { SPAN = 64 };

/* The slots i0 <= i < i1 of children at home (age >= 0), in order, into
 * slot (room for i1 - i0); returns how many (arv__children_at_home,
 * household.h). */
static size_t children_at_home_scalar(const int16_t *age, size_t i0, size_t i1, uint32_t *slot)
{
    size_t n = 0;
    for (size_t i = i0; i < i1; i++) {
        slot[n] = (uint32_t)i;
        n += age[i] >= 0;
    }
    return n;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
/* Sixteen slots at a time: a mask of the ages >= 0 compresses their
 * indices (in a register, then one store: fast on every AVX-512 core). The
 * store's sixteen entries stay within the room: n <= i - i0 before it. */
__attribute__((target("avx512f,avx512bw,avx512vl,popcnt"))) static size_t
children_at_home_avx512(const int16_t *age, size_t i0, size_t i1, uint32_t *slot)
{
    size_t n = 0, i = i0;
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; i + 16 <= i1; i += 16) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(age + i));
        __mmask16 home = _mm256_cmpgt_epi16_mask(a, _mm256_set1_epi16(-1));
        __m512i index = _mm512_add_epi32(_mm512_set1_epi32((int)i), iota);
        _mm512_storeu_si512(slot + n, _mm512_maskz_compress_epi32(home, index));
        n += (size_t)__builtin_popcount(home);
    }
    return n + children_at_home_scalar(age, i, i1, slot + n);
}

size_t arv__children_at_home(const int16_t *age, size_t i0, size_t i1, uint32_t *slot, int widest)
{
    /* (a load and a test of what the processor was found to have at start) */
    if (widest >= ARV_ISA_AVX512 && __builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("popcnt"))
        return children_at_home_avx512(age, i0, i1, slot);
    return children_at_home_scalar(age, i0, i1, slot);
}
#else
size_t arv__children_at_home(const int16_t *age, size_t i0, size_t i1, uint32_t *slot, int widest)
{
    (void)widest;
    return children_at_home_scalar(age, i0, i1, slot);
}
#endif

/* Family stress after this month's events, stored; the step and the
 * burn-in's record use the same arithmetic. */
static double next_stress(const struct kids *k, const struct arv_pop *p, size_t h)
{
    double stress = k->stress_rho * p->stress[h] + k->impulse[p->events[h] & 31];
    p->stress[h] = (float)stress;
    return stress;
}

/* Month `month` of households [begin, end): stress, then each child at
 * home. */
static void advance(struct arv_world *w, size_t begin, size_t end, int month)
{
    const struct kids *k = arv_world_state(w, &arv_model_children);
    const struct arv_pop pop = *arv__pop(w), *p = &pop; /* (household.h) */
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    uint32_t key = arv__key_of_month(month);
    /* the children at home: their slots here and their sub-streams' entities
     * (the slots themselves unless the population is compacted) */
    uint32_t slot[SPAN * ARV_MAX_CHILDREN], keyed[SPAN * ARV_MAX_CHILDREN];
    uint32_t block[SPAN * ARV_MAX_CHILDREN][4];
    const uint32_t *entity = p->id ? keyed : slot;
    double level_household[SPAN], p_switch[SPAN][2][2]; /* [band][participating] */
    /* with a follow-up effect: the last probabilities computed per
     * (low income, immigrant, temporary housing), and for which effect
     * (followed families of an office share it in a month) */
    double last_fu[2][2][2] = {{{NAN, NAN}, {NAN, NAN}}, {{NAN, NAN}, {NAN, NAN}}};
    double last_switch[2][2][2][2][2];
    /* the arrays and constants of the loop over children, read once: its
     * stores of bytes could otherwise, for the compiler, change them */
    const int16_t *restrict child_age = p->child_age;
    const uint8_t *restrict moved_of = p->moved;
    uint8_t *restrict participation = p->participation;
    float *restrict inclusion = p->inclusion;
    const float *restrict trait = p->inclusion_trait;
    const double drop_on_move = k->drop_on_move, c_part = k->c_part, rho = k->rho, sd = k->sd;
    for (size_t h0 = begin; h0 < end; h0 += SPAN) {
        size_t h1 = h0 + SPAN < end ? h0 + SPAN : end;
        size_t n = arv__children_at_home(child_age, ARV_MAX_CHILDREN * h0,
                                         ARV_MAX_CHILDREN * h1, slot, ARV_ISA_AVX512);
        if (p->id)
            for (size_t j = 0; j < n; j++)
                keyed[j] = ARV_MAX_CHILDREN * p->id[slot[j] / ARV_MAX_CHILDREN] +
                           slot[j] % ARV_MAX_CHILDREN;
        arv_rng_blocks(&r, ARV_STREAM_CHILDREN, key, 0, entity, n, block);
        for (size_t h = h0; h < h1; h++) {
            int hs = p->housing[h];
            const struct arv_office *of = &p->offices[p->office[h]];
            double stress = next_stress(k, p, h);
            double fu = arv__followup_effect(p, h, DOMAIN_CHILDREN);
            int low = p->low_income[h] != 0, imm = p->origin[h] != ORIGIN_NORWAY,
                temp = hs == HOUSING_TEMPORARY;
            level_household[h - h0] = k->c_low * p->low_income[h] +
                                      k->c_temp * (hs == HOUSING_TEMPORARY) +
                                      k->c_insecure * (hs == HOUSING_PRIVATE_INSECURE) +
                                      k->c_move * p->moved[h] + k->c_stress * stress +
                                      of->effect[DOMAIN_CHILDREN] + fu;
            /* switching probabilities: without a follow-up effect from the
             * table (the same values) */
            if (fu == 0) {
                memcpy(p_switch[h - h0], k->p_switch[low][imm][temp], sizeof p_switch[0]);
            } else {
                if (fu != last_fu[low][imm][temp]) {
                    double barriers = household_barriers(k, low, imm, temp);
                    for (int band = 0; band < 2; band++)
                        for (int part = 0; part < 2; part++)
                            last_switch[low][imm][temp][band][part] =
                                switch_probability(k, band, part, barriers, fu);
                    last_fu[low][imm][temp] = fu;
                }
                memcpy(p_switch[h - h0], last_switch[low][imm][temp], sizeof p_switch[0]);
            }
        }
        for (size_t j = 0; j < n; j++) {
            size_t i = slot[j], h = i / ARV_MAX_CHILDREN;
            int age = child_age[i], moved = moved_of[h];
            /* the child's three draws, straight from its block */
            const uint32_t *b = block[j];
            double u = arv_rng_word_uniform(b[3]), u_move = arv_rng_word_uniform(b[2]), z;
            if (!arv_rng_word_normal(b[1], &z)) {
                arv_rng_seek_block_after(&r, ARV_STREAM_CHILDREN, entity[j], key, 0, b, 3);
                z = arv__rng_normal_slow(&r, b[1]);
            }
            /* from age 1: switch, then a move may make the child drop out */
            int part = participation[i];
            part ^= u < p_switch[h - h0][age >= 72][part];
            part &= !(moved && u_move < drop_on_move);
            part &= age >= 12;
            participation[i] = (uint8_t)part;
            double level = trait[i] + c_part * part + level_household[h - h0];
            inclusion[i] = (float)(rho * inclusion[i] + (1 - rho) * level + sd * z);
        }
        /* exposures of the children at home, per household over its slots */
        for (size_t h = h0; h < h1; h++) {
            size_t c0 = ARV_MAX_CHILDREN * h;
            add_exposures(p->child_age + c0, p->months_low_income + c0, p->months_sa + c0,
                          p->months_temporary + c0, p->moves + c0, p->low_income[h], p->sa[h],
                          p->housing[h] == HOUSING_TEMPORARY, p->moved[h]);
        }
    }
}

/* What the children's step reads of a household that changes in the
 * burn-in, besides its own state and stress, packed into a burn_log entry
 * (household.h): the month's events (bits 0-4), low income (bit 5),
 * housing state (bits 6-8), move (bit 9) and SA (bit 10). */
enum { LOG_LOW = 5, LOG_HOUSING = 6, LOG_MOVED = 9, LOG_SA = 10 };
_Static_assert(N_HOUSING <= 8, "housing states in three bits");

/* A burn-in month in a world that defers it: stress (which work and
 * income read) and the record of the month; participation, inclusion and
 * exposures, which only measurement and the young-adult model read, wait
 * for the replay. */
static void record(struct arv_world *w, size_t begin, size_t end)
{
    const struct kids *k = arv_world_state(w, &arv_model_children);
    struct arv_pop *p = arv__pop(w);
    assert(p->burn_log != NULL); /* (allocated at the draw, population.c) */
    uint16_t *row = p->burn_log + (size_t)(w->month + w->burn_in) * p->n;
    for (size_t h = begin; h < end; h++) {
        next_stress(k, p, h);
        assert(p->low_income[h] <= 1 && p->moved[h] <= 1 && p->sa[h] <= 1);
        row[h] = (uint16_t)((p->events[h] & 31) | p->low_income[h] << LOG_LOW |
                            p->housing[h] << LOG_HOUSING | p->moved[h] << LOG_MOVED |
                            p->sa[h] << LOG_SA);
    }
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    if (w->defer_burn_in && w->month < 0)
        record(w, begin, end);
    else
        advance(w, begin, end, w->month);
}

/* The burn-in months of households [begin, end) from their record: each
 * month's inputs set in place, stress again from its start value (0,
 * population.c), then the step of that month. The results are those of
 * the step in the month itself: the same inputs, draws and arithmetic.
 * Nothing else changes a child during the burn-in (demography neither ages
 * nor adds children then), and the follow-up effect is 0 before month 0.
 * Ends with the month-0 inputs put back and stress where the burn-in left
 * it. */
static void replay(struct arv_world *w, size_t begin, size_t end)
{
    struct arv_pop *p = arv__pop(w);
    assert(end - begin <= ARV_CHUNK);
    uint8_t events[ARV_CHUNK], low[ARV_CHUNK], housing[ARV_CHUNK], moved[ARV_CHUNK],
        sa[ARV_CHUNK];
    float stress[ARV_CHUNK];
    for (size_t h = begin; h < end; h++) {
        size_t j = h - begin;
        events[j] = p->events[h], low[j] = p->low_income[h], housing[j] = p->housing[h];
        moved[j] = p->moved[h], sa[j] = p->sa[h], stress[j] = p->stress[h];
        p->stress[h] = 0;
    }
    for (int month = -w->burn_in; month < 0; month++) {
        const uint16_t *row = p->burn_log + (size_t)(month + w->burn_in) * p->n;
        for (size_t h = begin; h < end; h++) {
            p->events[h] = (uint8_t)(row[h] & 31);
            p->low_income[h] = (uint8_t)(row[h] >> LOG_LOW & 1);
            p->housing[h] = (uint8_t)(row[h] >> LOG_HOUSING & 7);
            p->moved[h] = (uint8_t)(row[h] >> LOG_MOVED & 1);
            p->sa[h] = (uint8_t)(row[h] >> LOG_SA & 1);
        }
        advance(w, begin, end, month);
    }
    for (size_t h = begin; h < end; h++) {
        size_t j = h - begin;
        /* the same stress as the burn-in's, bit for bit */
        assert(memcmp(&p->stress[h], &stress[j], sizeof stress[j]) == 0);
        p->events[h] = events[j], p->low_income[h] = low[j], p->housing[h] = housing[j];
        p->moved[h] = moved[j], p->sa[h] = sa[j];
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
        double part = 0, eligible = 0, incl = 0, kids = 0;
        for (int c = 0; c < ARV_MAX_CHILDREN; c++) {
            size_t i = (size_t)ARV_MAX_CHILDREN * h + c;
            if (p->child_age[i] < 0)
                continue;
            kids++;
            incl += p->inclusion[i];
            if (p->child_age[i] >= 12) {
                eligible++;
                part += p->participation[i];
            }
        }
        arv_tally_add(t, m0, g, 0, part, eligible);
        arv_tally_add(t, m0 + 1, g, 0, incl, kids);
    }
}

const struct arv_model_ops arv_model_children = {
    .name = "children",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .setup = setup,
    .release = release,
    .step = step,
    .replay = replay,
    .observe = observe,
};
