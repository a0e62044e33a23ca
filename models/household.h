/*
 * The population every domain model reads and writes: households, their
 * adults and children, and the offices that follow them up, in flat arrays
 * (structure of arrays) allocated once by the population model.
 *
 * All per-household state lives here (not in the models' own state), so
 * that any model can read what an earlier phase wrote this month and the
 * whole population can be reasoned about in one place. Adults are indexed
 * ARV_MAX_ADULTS * h + a, children ARV_MAX_CHILDREN * h + c; an empty child
 * slot has child_age < 0.
 */
#ifndef ARV_HOUSEHOLD_H
#define ARV_HOUSEHOLD_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "arv/rng.h"
#include "arv/world.h"

enum { ARV_MAX_ADULTS = 2, ARV_MAX_CHILDREN = 8, ARV_INCOME_MONTHS = 36 };

enum arv_origin {
    ORIGIN_NORWAY, ORIGIN_SOMALIA, ORIGIN_ERITREA, ORIGIN_IRAQ, ORIGIN_AFGHANISTAN, ORIGIN_OTHER,
    N_ORIGINS
};
enum arv_education { EDU_PRIMARY, EDU_UPPER_SECONDARY, EDU_TERTIARY, N_EDUCATION };
enum arv_work { WORK_INACTIVE, WORK_SEEKING, WORK_PROGRAMME, WORK_PART_TIME, WORK_FULL_TIME, N_WORK };
enum arv_housing {
    HOUSING_TEMPORARY, HOUSING_MUNICIPAL, HOUSING_PRIVATE_INSECURE, HOUSING_PRIVATE_STABLE,
    HOUSING_OWNER, N_HOUSING
};
/* Office arms, and the reporting groups of households (registry order). */
enum arv_arm { ARM_USUAL, ARM_COORDINATOR, ARM_HOLF, N_ARMS };
enum arv_group { GROUP_NONE = -1, GROUP_ALL = 0, GROUP_USUAL = 1, GROUP_COORDINATOR = 2,
                 GROUP_HOLF = 3 };
/* Adverse events of a month (demography clears them first each month). */
enum arv_event {
    EVENT_SEPARATION = 1, /* demography.c */
    EVENT_JOB_LOSS = 2,   /* work.c: an adult left work */
    EVENT_SHOCK = 4,      /* income.c: an unexpected expense */
    EVENT_EVICTION = 8,   /* housing.c: a move into temporary housing */
    EVENT_CRISIS = 16,    /* demography.c: illness or another family crisis */
};

/* Follow-up domains (MODEL.md section 4). */
enum arv_domain { DOMAIN_WORK, DOMAIN_HOUSING, DOMAIN_ECONOMY, DOMAIN_CHILDREN, N_DOMAINS };

extern const char *const arv__origin_names[N_ORIGINS];
extern const char *const arv__education_names[N_EDUCATION];
extern const char *const arv__work_names[N_WORK];
extern const char *const arv__housing_names[N_HOUSING];
extern const char *const arv__arm_names[N_ARMS];

struct arv_office {
    uint8_t arm;                 /* enum arv_arm */
    float fidelity;              /* HOLF model fidelity in [0, 1] (HOLF arm) */
    float effect[N_DOMAINS];     /* office random effect per domain (logit / score scale) */
    float unemployment;          /* local unemployment rate, share */
    float followup[N_DOMAINS];   /* full-intensity follow-up effect per domain */
    float capacity;              /* families a month at full intensity */
    int active;                  /* families in active follow-up this month */
    float intensity;             /* min(1, capacity / active) */
};

struct arv_pop {
    size_t n;        /* households (= world n_households) */
    int n_offices;
    struct arv_office *offices;
    /* Each household's identity: its index in the whole population, which
     * keys its draws (its own sub-streams, and its adults' and children's)
     * and indexes the models' own per-household arrays. NULL while the
     * population is whole (identity h); set while it is compacted to a
     * subset of households (snapshot.h), so that each of them draws and
     * evolves exactly as it would in the whole population. Use arv__id(). */
    const uint32_t *id;
    /* income_ring is kept: false while the world leaves the accounting
     * models out (skip_accounting), which are, with income's persistent
     * low-income metrics, its only readers; its contents are then
     * undefined and neither written nor copied (snapshot.h) */
    bool keeps_history;

    /* households */
    uint16_t *office;       /* office id */
    int8_t *group;          /* enum arv_group; GROUP_NONE = not eligible, not reported */
    uint8_t *n_adults;      /* 1 or 2 */
    uint8_t *n_children;    /* children living at home */
    uint8_t *origin;        /* enum arv_origin (of the household's first adult) */
    float *takeup;          /* SA take-up propensity: logit of a uniform(0,1), drawn
                               afresh at income.takeup_renewal a month (income.c);
                               the family claims SA when in need if it is below the
                               take-up log-odds */
    float *shock_proneness; /* persistent multiplier of expense shocks */

    /* adults [ARV_MAX_ADULTS * h + a] */
    uint8_t *education;     /* enum arv_education */
    uint8_t *work;          /* enum arv_work */
    uint16_t *work_months;  /* months in the current work state */
    uint16_t *adult_age;    /* age in months at the start (month 0); in month m's
                               step (demography.c) the adult is m + 1 months older */
    uint8_t *female;        /* 1: a woman (the household's mother, if it has one) */
    float *years_norway;    /* years in Norway (immigrants), 0 for Norway-born */
    float *barrier;         /* latent distance from work (health, language), sd units */
    float *wage;            /* full-time gross wage, NOK/month */
    float *work_z;          /* exp of the time-constant part of the adult's work
                               propensity (work.c) */
    uint8_t *ui_months;     /* months of unemployment benefit left (work.c grants,
                               income.c pays) */
    float *ui_amount;       /* unemployment benefit, gross NOK/month */

    /* children [ARV_MAX_CHILDREN * h + c] */
    int16_t *child_age;        /* age in months; < 0: empty slot */
    uint8_t *participation;    /* 1 if in an age-appropriate activity */
    float *inclusion;          /* social inclusion score (0: the reference level) */
    float *inclusion_trait;    /* child's persistent level */
    uint16_t *months_low_income, *months_sa, *months_temporary; /* exposures */
    uint8_t *moves;            /* housing moves experienced */

    /* economy (monthly, NOK) */
    float *earnings;        /* net earnings of the adults */
    float *benefits;        /* child benefit, housing allowance, programme benefit,
                               unemployment benefit after tax */
    float *sa_amount;       /* social assistance paid this month */
    float *disposable;      /* disposable income */
    float *needs;           /* SA norm plus housing cost: what the guideline deems needed */
    float *housing_cost;    /* rent or mortgage paid by the household */
    float *arrears;         /* unpaid bills and rent */
    float *strain;          /* financial strain score, 0 (none) to 10 */
    uint8_t *sa;            /* received SA this month */
    uint16_t *sa_history;   /* bit k: received SA k months ago (12 bits) */
    uint8_t *low_income;    /* EU-60 equivalised low income this month */
    float *income_ring;     /* [n * (m % ARV_INCOME_MONTHS) + h]: equivalised disposable
                               income of the last 36 months, for persistent low income
                               (3-year average, as SSB measures it); month-major, so that
                               each month's step writes one contiguous row */

    /* housing */
    uint8_t *housing;       /* enum arv_housing */
    uint16_t *housing_months;
    uint8_t *moved;         /* moved this month */

    /* life events and the stress they leave (children.c) */
    uint8_t *events;        /* this month's events, bits of enum arv_event */
    float *stress;          /* family stress: decaying sum of past events */
    /* [n * (month + burn_in) + h], month-major: in a world that defers its
     * burn-in (defer_burn_in), what the children's step read of household h
     * in each burn-in month (children.c), for its replay at month 0; NULL
     * until such a world draws. Rows live: arv__burn_log_rows. */
    uint16_t *burn_log;

    /* follow-up */
    int16_t *followup_month; /* months since follow-up started; -1: not followed */
    float *followup_scale;   /* this month's effect multiplier: intensity x ramp/fade */

    /* survey (measurement) */
    float *survey_strain, *survey_inclusion;
    uint8_t *responded;      /* answered the current survey */
};

/* The population of w. A monthly step reads it through a local copy,
 *     const struct arv_pop pop = *arv__pop(w), *p = &pop;
 * (the array pointers, not the arrays): a store of a byte (uint8_t) may,
 * for the compiler, change any object whose address it cannot track, so
 * every p->array read after such a store would be read again; a local
 * copy whose address does not escape cannot change. */
static inline struct arv_pop *arv__pop(const struct arv_world *w)
{
    return w->shared;
}

/* The rows of p->burn_log that hold months still to be replayed: those
 * of the burn-in months already run, until their replay. */
static inline size_t arv__burn_log_rows(const struct arv_world *w)
{
    if (!w->replay_pending)
        return 0;
    return (size_t)(w->month < 0 ? w->month + w->burn_in : w->burn_in);
}

/* Household h's identity (see struct arv_pop): the entity of its keyed
 * sub-streams; child slot c of it is entity ARV_MAX_CHILDREN * id + c. */
static inline uint32_t arv__id(const struct arv_pop *p, size_t h)
{
    return p->id ? p->id[h] : (uint32_t)h;
}

/* Philox block `block` of the sub-streams (id of h, stream, month) of
 * households h = begin .. begin + n - 1 (arv_rng_blocks_range): over the
 * contiguous range while the population is whole, over the identities while
 * it is compacted. */
static inline void arv__household_blocks(const struct arv_rng *r, const struct arv_pop *p,
                                         uint32_t stream, uint32_t month, uint32_t block,
                                         size_t begin, size_t n, uint32_t (*out)[4])
{
    if (p->id)
        arv_rng_blocks(r, stream, month, block, p->id + begin, n, out);
    else
        arv_rng_blocks_range(r, stream, month, block, (uint32_t)begin, n, out);
}

/* The key of month `month`'s draws (month 0 is the start): the month
 * being simulated, and the current one of w. */
static inline uint32_t arv__key_of_month(int month)
{
    return (uint32_t)(month + 1);
}

static inline uint32_t arv__key_month(const struct arv_world *w)
{
    return arv__key_of_month(w->month);
}

/* The follow-up effect on domain d for household h this month (0 if the
 * household is not followed up). */
static inline double arv__followup_effect(const struct arv_pop *p, size_t h, int d)
{
    return p->followup_scale[h] * p->offices[p->office[h]].followup[d];
}

/* The slots i0 <= i < i1 of the children at home (age >= 0), in order,
 * into slot (room for i1 - i0); returns how many (children.c). Instruction sets up to `widest` (ARV_ISA_*, rng.h)
 * that the processor has: the same slots whichever path runs. */
size_t arv__children_at_home(const int16_t *age, size_t i0, size_t i1, uint32_t *slot,
                             int widest);

/* The enrolment's rule (followup.c), for a caller that starts only part of
 * the pool (analysis/trial.c): is household h eligible now; how many
 * eligible families each office with coordinators draws; and the keyed
 * uniform of household id in replicate rep by which they are drawn (the
 * lowest first, ties by identity). */
bool arv__followup_eligible(const struct arv_world *w, size_t h);
int arv__followup_per_office(const struct arv_world *w);
double arv__followup_draw(const struct arv_world *w, uint32_t rep, uint32_t id);
/* A household (index or identity, in the same order) with its uniform, and
 * the drawing order for qsort: by uniform, ties by household. */
struct arv__draw {
    double u;
    uint32_t h;
};
int arv__by_draw(const void *a, const void *b);
/* The uniforms of households 0..n-1 of the pool in replicate rep, as
 * arv__followup_draw gives them, made in batches. */
void arv__followup_draws(const struct arv_world *w, uint32_t rep, size_t n, struct arv__draw *out);
/* Whether each household h of [begin, end) (out[h - begin]; at most
 * ARV_CHUNK households), started
 * (arv_world_draw) but not yet burnt in, can be eligible at month 0 at
 * all: false only when it provably cannot, so a caller may leave it out of
 * the burn-in. Eligibility needs SA in the last burn-in month and in
 * followup.eligibility_sa_months of the last 12, and a family is paid SA
 * only in a month in which it takes SA up (income.c). Before month 0
 * nobody is followed, so the months in which it takes SA up are fixed by
 * its take-up propensity (its trait, or the burn-in's last renewal in or
 * before the month, which the keyed draws tell in advance) against its
 * office's economy effect (arv__income_takeup_window: bit k, k + 1 months before
 * month 0, as sa_history's; a month before the burn-in counts as one that
 * may have SA). */
void arv__followup_may_enroll(const struct arv_world *w, size_t begin, size_t end, bool *out);
void arv__income_takeup_window(const struct arv_world *w, size_t begin, size_t end,
                               uint16_t *out);
/* The equivalised disposable income, NOK/month, that household h's state
 * implies before any month has run: the budget rules with hours at their
 * mean, no expense shock and no follow-up, SA only for the families on SA
 * now (income.c). For readers at month 0 when run.burn_in = 0 leaves no
 * income history; with it, income's enrolment sets the month's flows. */
double arv__income_equivalised_at_start(const struct arv_world *w, size_t h);
/* Whether household h, `left` months before the enrolment (0 <= left <=
 * 12), can still have SA in enough months of the last 12 at month 0: its
 * months on SA in the window so far plus every month left must reach
 * followup.eligibility_sa_months. And that number (0 if everyone is
 * eligible). */
bool arv__followup_may_still_enroll(const struct arv_world *w, size_t h, int left);
int arv__followup_sa_months(const struct arv_world *w);

static inline int arv__employed(int work)
{
    return work == WORK_PART_TIME || work == WORK_FULL_TIME;
}

/* Moves a ladder state to `to`, restarting its month count, or counts one
 * more month in it (saturating). */
static inline void arv__advance_state(uint8_t *state, uint16_t *months, int to)
{
    if (to != *state) {
        *state = (uint8_t)to;
        *months = 0;
    } else if (*months < UINT16_MAX) {
        ++*months;
    }
}

/* Mean inclusion of household h's children, NAN without children. */
static inline double arv__children_inclusion(const struct arv_pop *p, size_t h)
{
    double sum = 0;
    int kids = 0;
    for (int c = 0; c < ARV_MAX_CHILDREN; c++) {
        size_t i = (size_t)ARV_MAX_CHILDREN * h + c;
        if (p->child_age[i] >= 0) {
            sum += p->inclusion[i];
            kids++;
        }
    }
    return kids ? sum / kids : NAN;
}

/* The numbers of household h's children at home (age >= 0) and of those
 * aged at least a and at least b months: n[0], n[1], n[2]. With SSE2 the
 * eight slots are compared as one vector and the flags summed by psadbw. */
static inline void arv__count_children(const struct arv_pop *p, size_t h, int a, int b, int n[3])
{
    const int16_t *age = p->child_age + (size_t)ARV_MAX_CHILDREN * h;
#ifdef __SSE2__
    _Static_assert(ARV_MAX_CHILDREN == 8, "one vector of eight slots");
    __m128i v = _mm_loadu_si128((const __m128i *)age), one = _mm_set1_epi8(1),
            zero = _mm_setzero_si128();
    __m128i at_home = _mm_cmpgt_epi16(v, _mm_set1_epi16(-1)),
            over_a = _mm_cmpgt_epi16(v, _mm_set1_epi16((short)(a - 1))),
            over_b = _mm_cmpgt_epi16(v, _mm_set1_epi16((short)(b - 1)));
    __m128i n01 = _mm_sad_epu8(_mm_and_si128(_mm_packs_epi16(at_home, over_a), one), zero);
    __m128i n2 = _mm_sad_epu8(_mm_and_si128(_mm_packs_epi16(over_b, zero), one), zero);
    n[0] = _mm_cvtsi128_si32(n01);
    n[1] = _mm_extract_epi16(n01, 4);
    n[2] = _mm_cvtsi128_si32(n2);
#else
    n[0] = n[1] = n[2] = 0;
    for (int c = 0; c < ARV_MAX_CHILDREN; c++) {
        n[0] += age[c] >= 0;
        n[1] += age[c] >= a;
        n[2] += age[c] >= b;
    }
#endif
}

/* Whether any of household h's children is at home aged at least a
 * months (a >= 0). With SSE2 the eight slots are one compare. */
static inline bool arv__any_child_aged(const struct arv_pop *p, size_t h, int a)
{
    const int16_t *age = p->child_age + (size_t)ARV_MAX_CHILDREN * h;
#ifdef __SSE2__
    __m128i v = _mm_loadu_si128((const __m128i *)age);
    return _mm_movemask_epi8(_mm_cmpgt_epi16(v, _mm_set1_epi16((short)(a - 1)))) != 0;
#else
    for (int c = 0; c < ARV_MAX_CHILDREN; c++)
        if (age[c] >= a)
            return true;
    return false;
#endif
}

/* Municipal, stable private and owned housing count as stable. */
static inline int arv__housing_stable(int state)
{
    return state == HOUSING_MUNICIPAL || state == HOUSING_PRIVATE_STABLE || state == HOUSING_OWNER;
}

/* min and max without fmin/fmax's NaN rules, so they compile to one
 * instruction (no NaN reaches them): on x86-64, minsd and maxsd compute
 * exactly a < b ? a : b and a > b ? a : b, and are used explicitly so that
 * the compiler does not turn them into a branch. */
static inline double arv__min(double a, double b)
{
#ifdef __SSE2__
    return _mm_cvtsd_f64(_mm_min_sd(_mm_set_sd(a), _mm_set_sd(b)));
#else
    return a < b ? a : b;
#endif
}

static inline double arv__max(double a, double b)
{
#ifdef __SSE2__
    return _mm_cvtsd_f64(_mm_max_sd(_mm_set_sd(a), _mm_set_sd(b)));
#else
    return a > b ? a : b;
#endif
}

static inline double arv__logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/*
 * Multinomial-logit moves on a ladder of states. The predictor of moving
 * from `from` to j != from is
 *   eta_j = alpha[from][j] + (shift_up, shift_down or shift_side by the
 *   direction of the move), and staying has predictor 0;
 * exp_alpha[from][j] = exp(alpha[from][j]) is precomputed and the caller
 * passes the multipliers exp(shift) for moves up, down and sideways, so a
 * draw costs no exp(). dir[from][j] is +1 (up the ladder), -1 (down) or 0.
 * arv__mnl_weights fills e[j] = exp(eta_j) (0 for j == from) and returns
 * 1 + their sum, the normaliser.
 */
static inline double arv__mnl_weights(const double *exp_alpha_row, const signed char *dir_row,
                                      int n, int from, double exp_up, double exp_down,
                                      double exp_side, double *e)
{
    double total = 1.0;
    for (int j = 0; j < n; j++) {
        double m = dir_row[j] > 0 ? exp_up : dir_row[j] < 0 ? exp_down : exp_side;
        e[j] = j == from ? 0.0 : exp_alpha_row[j] * m;
        total += e[j];
    }
    return total;
}

static inline int arv__mnl_draw(const double *exp_alpha_row, const signed char *dir_row, int n,
                                int from, double exp_up, double exp_down, double exp_side,
                                double u)
{
    double e[8];
    double total =
        arv__mnl_weights(exp_alpha_row, dir_row, n, from, exp_up, exp_down, exp_side, e);
    double threshold = u * total, acc = 0.0;
    for (int j = 0; j < n; j++) {
        if (j == from)
            continue;
        acc += e[j];
        if (threshold < acc)
            return j;
    }
    return from;
}

/*
 * Most months nobody moves, and the draw can often tell so without the
 * exact multipliers: with S = sum over j != from of exp(eta_j), the draw
 * stays iff u >= S / (1 + S), and S grows with each multiplier. `sums`
 * holds, per state, the sums of exp_alpha over the moves up, down and
 * sideways from it (arv__mnl_sums). arv__mnl_stays returns 1 only if the
 * draw certainly returns `from` for every exp_up <= up_hi, exp_down <=
 * down_hi and exp_side <= side_hi; the margin of 1e-9 covers rounding. If
 * it returns 0 the caller computes the exact multipliers and calls
 * arv__mnl_draw, so results are those of arv__mnl_draw either way.
 */
struct arv_mnl_sums {
    double up, down, side;
};

void arv__mnl_sums(const double *exp_alpha, const signed char *dir, int n,
                   struct arv_mnl_sums *sums);

static inline int arv__mnl_stays(const struct arv_mnl_sums *sums, double up_hi, double down_hi,
                                 double side_hi, double u)
{
    double s = sums->up * up_hi + sums->down * down_hi + sums->side * side_hi;
    return u * (1 + s) > s * (1 + 1e-9); /* false for NaN or infinite s */
}

/* The stationary distribution pi of the n-state transition matrix P (row
 * stochastic, irreducible, n <= 8), solved directly from pi P = pi and
 * sum(pi) = 1. Used to start each family's work and housing states where
 * its own dynamics would put it, so the burn-in only has to settle durations and histories. */
void arv__stationary(const double *P, int n, double *pi);

/* Fills the transition matrix P[i][j] of a ladder chain for the given
 * multipliers (see arv__mnl_weights). */
void arv__mnl_matrix(const double *exp_alpha, const signed char *dir, int n, double exp_up,
                     double exp_down, double exp_side, double *P);

/* Reads a ladder's intercepts `DOMAIN.alpha.FROM_to_TO` into exp_alpha
 * (n x n, exponentiated) and the direction of each move from the states'
 * ranks on the ladder into dir (+1 up, -1 down, 0 sideways). */
void arv__ladder_read(const struct arv_params *p, const char *domain, const char *const *names,
                      const int *rank, int n, double *exp_alpha, signed char *dir);

/* The index of the category u in [0, 1) falls in, for probabilities p. */
int arv__categorical(const double *p, int n, double u);

extern const struct arv_model_ops arv_model_population, arv_model_demography,
    arv_model_followup, arv_model_work, arv_model_income, arv_model_housing,
    arv_model_children, arv_model_measurement;

#endif
