/*
 * Young adults: what the children become (MODEL.md section 3.7).
 *
 * A child about to turn demography.leave_home_age leaves the household this
 * month (demography.c); this model runs just before demography and projects
 * the young adult's years from 18 to 35 at that moment. Young adults do not
 * interact with the household after leaving, so their yearly outcomes are
 * drawn once, at leaving, from the child's own keyed sub-stream (entity =
 * child slot, month = the month of leaving): the same child leaves in the
 * same month in every scenario, so young adults share common random numbers
 * across scenarios.
 *
 * A latent adult-prospects index
 *   I = b_rank (R - 1/2) + b_edu[parents' highest education] + b_imm [immigrant]
 *     + X_pre + kappa (X - X_pre) + u,          u ~ N(0, sd_u),
 * where R is the parents' income rank in the national distribution at
 * month 0, X = b . x(childhood) the exposure term evaluated on the child's
 * whole observed childhood (shares of months in low income, on SA, in
 * temporary housing; moves; inclusion and participation at leaving) and
 * X_pre the same term on the exposures observed up to month 0, before any
 * follow-up began. kappa = young_adults.causal_share: the part of a change in
 * exposures after month 0 that reaches adult outcomes. kappa = 0 makes the
 * young adults depend on nothing a policy can change (the month-0 state,
 * background and their own draws), so their outputs are byte-identical
 * whatever a policy did to the children; the association between childhood
 * exposures and adult outcomes then runs entirely through X_pre, i.e. it is
 * treated as selection.
 *
 * Each year of age a = 18..35:
 *   upper secondary completed: on time at 19 with logit us0 + us_I I, else
 *     by 24 with logit us_late + us_I I;
 *   SA receipt in the year:   logit sa(a) - sa_I I, sa(a) piecewise linear;
 *   employment:               logit emp(a) + emp_I I + emp_us [completed];
 *   earnings rank (30-35):    Phi(r0 + r_I I + r_sd eta + r_year z_a),
 *                             eta once per person, z_a yearly.
 * Groups: the household's arm, and sa_childhood / no_sa_childhood by whether
 * the family received SA in the 12 months up to month 0 (as the register
 * study G35 groups children by their family's SA in one reference year).
 */
#include "household.h"
#include "ledger.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <stdlib.h>
#include <string.h>

#define A_(name, v, lo, hi, unit, desc, src)                                                     \
    {"young_adults." name, ARV_PARAM_DOUBLE, v, lo, hi, unit, desc, src, NULL, NULL}
/* coefficients on the logit scale of an outcome, or on the prospects index */
#define ASSUME(name, v, desc) A_(name, v, -50, 50, "logit", desc, "assumption")
#define INDEX(name, v, desc) A_(name, v, -50, 50, "index", desc, "assumption")
/* fitted by hand on the national scenario (horizon adulthood) to the targets named */
#define FITTED(name, v, unit, desc, targets) \
    A_(name, v, -50, 50, unit, desc, "calibrated to " targets " (docs/model.md)")



static const struct arv_param_def defs[] = {
    {"young_adults.horizon", ARV_PARAM_ENUM, 0, 0, 0, "-",
     "'run': simulate run.months; 'adulthood': at least until every child present at month 0 "
     "has left home (12 x demography.leave_home_age months), so every one is followed to 35.",
     "assumption", "run", "run|adulthood"},
    A_("causal_share", 0.5, 0, 1, "share",
       "kappa: share of a change in childhood exposures after month 0 that reaches adult "
       "outcomes (0: all of the exposure-outcome association is selection).",
       "assumption (MODEL.md 3.7)"),
    A_("income_median", 353333, 1, 1e7, "NOK/year per unit",
       "Median equivalised household income, for the parents' income rank.",
       "derived: G19 EU-60 threshold 212,000 / 0.6"),
    A_("income_log_sd", 0.45, 0.05, 3, "log NOK",
       "Spread (sd of log) of equivalised household income, for the parents' income rank.",
       "assumption"),
    INDEX("index.parent_rank", 1.2, "Prospects index per unit of the parents' income rank."),
    INDEX("index.upper_secondary", 0.25, "Prospects index, parents' highest education upper "
                                          "secondary vs primary."),
    INDEX("index.tertiary", 0.5, "Prospects index, parents' highest education tertiary vs "
                                  "primary."),
    INDEX("index.immigrant", -0.1, "Prospects index, immigrant background."),
    INDEX("index.low_income", -0.4, "Prospects index per share of childhood months in low "
                                     "income."),
    INDEX("index.sa", -1.4, "Prospects index per share of childhood months on SA."),
    INDEX("index.temporary", -0.5, "Prospects index per share of childhood months in "
                                    "temporary housing."),
    INDEX("index.moves", -0.05, "Prospects index per move in childhood (up to 10)."),
    INDEX("index.inclusion", 0.15, "Prospects index per unit of social inclusion at leaving."),
    INDEX("index.participation", 0.1, "Prospects index, in an organised activity at leaving."),
    A_("index.sd", 0.8, 0, 10, "index", "Sd of the person's own component u of the index.",
       "assumption"),
    ASSUME("upper_secondary.on_time", 1.2, "Logit of completing upper secondary by 19 at I = 0."),
    ASSUME("upper_secondary.late", -0.6, "Logit of completing by 24 for those not done at 19, "
                                         "at I = 0."),
    ASSUME("upper_secondary.index", 1.0, "Completion logit per unit of I."),
    FITTED("sa.age18", -4.9, "logit", "SA-receipt logit at 18 and I = 0.", "G35"),
    FITTED("sa.age20", -3.45, "logit", "SA-receipt logit at 20 and I = 0.", "G35, G36"),
    FITTED("sa.age27", -4.5, "logit", "SA-receipt logit at 27 and I = 0.", "G35"),
    ASSUME("sa.age35", -4.9, "SA-receipt logit at 35 and I = 0 (G38 suggests a slow decline)."),
    FITTED("sa.index", 2.0, "logit", "SA-receipt logit decrease per unit of I.", "G36, G37"),
    ASSUME("employment.age18", -0.4, "Employment logit at 18 and I = 0 (many in school)."),
    ASSUME("employment.age25", 1.0, "Employment logit at 25 and I = 0."),
    ASSUME("employment.age35", 1.4, "Employment logit at 35 and I = 0."),
    ASSUME("employment.index", 0.8, "Employment logit per unit of I."),
    ASSUME("employment.upper_secondary", 0.6, "Employment logit, upper secondary completed."),
    A_("rank.intercept", 0.0, -50, 50, "probit", "Earnings-rank latent intercept (probit scale).",
       "assumption"),
    FITTED("rank.index", 0.25, "probit", "Earnings-rank latent per unit of I.", "G40"),
    A_("rank.sd", 0.8, 0, 10, "probit", "Sd of the person's persistent earnings component.",
       "assumption"),
    A_("rank.year_sd", 0.3, 0, 10, "probit", "Sd of the yearly earnings component.",
       "assumption"),
    A_("earnings_full", 480000, 0, 1e7, "NOK/year",
       "Annual gross earnings of an employed adult at the median rank, from 30.", "assumption"),
    A_("earnings_log_sd", 0.5, 0, 3, "log NOK",
       "Earnings per unit of the earnings-rank latent (log scale).", "assumption"),
    A_("earnings_start", 0.5, 0, 1, "share", "Earnings at 18 as a share of earnings_full; rises "
                                             "linearly to 1 at 30.", "assumption"),
    A_("sa_months", 5, 0, 12, "months", "Months of SA in a year of SA receipt.", "assumption"),
};

enum {
    M_SA, M_EMP, M_US, M_RANK, /* young_adults.csv */
    M_SLOPE, M_SLOPE_A, M_SLOPE_B, M_EARN, M_EARN_D, M_TAX, M_TAX_D, M_SA_PAID, M_SA_PAID_D,
    N_METRICS
};
static const struct arv_metric_def metrics[] = {
    {"sa_rate", ARV_TABLE_YOUNG_ADULTS, "share of young adults on SA in the year",
     ARV_STAT_RATIO},
    {"employment_rate", ARV_TABLE_YOUNG_ADULTS, "share of young adults employed in the year",
     ARV_STAT_RATIO},
    {"upper_secondary_rate", ARV_TABLE_YOUNG_ADULTS,
     "share of young adults who have completed upper secondary", ARV_STAT_RATIO},
    {"earnings_rank_mean", ARV_TABLE_YOUNG_ADULTS,
     "mean earnings rank in the national distribution (0-1), ages 30-35", ARV_STAT_RATIO},
    {"rank_rank_slope", ARV_TABLE_TOTALS,
     "least-squares slope of the young adult's mean earnings rank at 30-35 on the parents' "
     "income rank",
     ARV_STAT_SLOPE},
    {"rank_rank_slope.sums1", ARV_TABLE_TOTALS, "(internal)", ARV_STAT_AUX},
    {"rank_rank_slope.sums2", ARV_TABLE_TOTALS, "(internal)", ARV_STAT_AUX},
    {"young_adult_earnings", ARV_TABLE_TOTALS, "gross earnings 18-35, NOK per young adult",
     ARV_STAT_RATIO},
    {"young_adult_earnings_discounted", ARV_TABLE_TOTALS,
     "gross earnings 18-35, discounted to month 0, NOK per young adult", ARV_STAT_RATIO},
    {"young_adult_tax", ARV_TABLE_TOTALS, "taxes on earnings 18-35, NOK per young adult",
     ARV_STAT_RATIO},
    {"young_adult_tax_discounted", ARV_TABLE_TOTALS,
     "taxes on earnings 18-35, discounted, NOK per young adult", ARV_STAT_RATIO},
    {"young_adult_sa", ARV_TABLE_TOTALS, "SA paid 18-35, NOK per young adult", ARV_STAT_RATIO},
    {"young_adult_sa_discounted", ARV_TABLE_TOTALS,
     "SA paid 18-35, discounted, NOK per young adult", ARV_STAT_RATIO},
};

enum { N_AGES = 18, AGE0 = 18, N_YA_GROUPS = ARV_MAX_GROUPS };

/* Sums of one chunk for one replicate: [group][age][metric] (num, den) for
 * the young-adult table, [group][metric] for totals. */
struct ya_chunk {
    double num[N_YA_GROUPS][N_AGES][M_RANK + 1], den[N_YA_GROUPS][N_AGES][M_RANK + 1];
    double tnum[N_YA_GROUPS][N_METRICS], tden[N_YA_GROUPS][N_METRICS];
};

struct ya {
    double kappa, median, log_sd, b_rank, b_edu[N_EDUCATION], b_imm, b_low, b_sa, b_temp,
        b_moves, b_incl, b_part, sd_u;
    double us_on_time, us_late, us_index;
    double sa_knot[4], sa_index; /* ages 18, 20, 27, 35 */
    double emp_knot[3], emp_index, emp_us; /* ages 18, 25, 35 */
    double r0, r_index, r_sd, r_year;
    double earn_full, earn_log_sd, earn_start, sa_year, tax;
    int leave_months;
    int group_sa, group_no_sa; /* the registry's sa_childhood, no_sa_childhood */
    struct arv_discount discount;
    /* per age AGE0 + a: the SA and employment logits' age terms, the
     * earnings growth; per month m and age: the discount factor of a young
     * adult leaving home in month m ([m * N_AGES + a], m = 0..months) */
    double sa_age[N_AGES], emp_age[N_AGES], growth[N_AGES], *discount_at;
    /* exp(-x) of the age terms of the SA and employment logits and of the
     * employment term of upper secondary: a draw's probability is then
     * 1 / (1 + (these) x exp(-(index term))), with one exp per person for
     * the index term instead of one per year (project) */
    double sa_age_exp[N_AGES], emp_age_exp[N_AGES], emp_us_exp;
    int discount_months; /* months tabulated (run.months; a trial may step further) */
    struct ya_chunk *chunk;
    size_t n_chunks;
    /* per household and child, set at month 0, by the household's identity
     * (arv__id) */
    float *parent_rank;   /* [id] */
    uint8_t *sa_family;   /* [id] family on SA in the 12 months up to month 0 */
    float *x_pre;         /* [ARV_MAX_CHILDREN * id + c] exposure term at month 0 */
};

/* Piecewise-linear interpolation of knots y[] at ages x[]. */
static double interp(const double *x, const double *y, int n, double age)
{
    if (age <= x[0])
        return y[0];
    for (int i = 1; i < n; i++)
        if (age <= x[i])
            return y[i - 1] + (y[i] - y[i - 1]) * (age - x[i - 1]) / (x[i] - x[i - 1]);
    return y[n - 1];
}

/* The discount factors of the years of age AGE0 + a of a young adult who
 * leaves home in month m: it reaches the leaving age at the end of that
 * month, (m + 1) / 12 years after month 0, and each year's flows count at
 * the middle of the year (as the household ledger's at the middle of the
 * month, costs.c). */
static void discount_factors(const struct ya *k, int m, double *d)
{
    double years = (m + 1 - k->leave_months) / 12.0;
    for (int a = 0; a < N_AGES; a++)
        d[a] = arv__discount_factor(&k->discount, arv__max(0.0, years + (AGE0 + a) + 0.5));
}

static int setup(struct arv_world *w, struct arv_error *err)
{
    const struct arv_params *p = w->params;
    struct ya *k = arv_xcalloc(1, sizeof *k);
#define D(name) arv_params_double(p, "young_adults." name)
    k->kappa = D("causal_share");
    k->median = D("income_median");
    k->log_sd = D("income_log_sd");
    k->b_rank = D("index.parent_rank");
    k->b_edu[EDU_UPPER_SECONDARY] = D("index.upper_secondary");
    k->b_edu[EDU_TERTIARY] = D("index.tertiary");
    k->b_imm = D("index.immigrant");
    k->b_low = D("index.low_income");
    k->b_sa = D("index.sa");
    k->b_temp = D("index.temporary");
    k->b_moves = D("index.moves");
    k->b_incl = D("index.inclusion");
    k->b_part = D("index.participation");
    k->sd_u = D("index.sd");
    k->us_on_time = D("upper_secondary.on_time");
    k->us_late = D("upper_secondary.late");
    k->us_index = D("upper_secondary.index");
    k->sa_knot[0] = D("sa.age18");
    k->sa_knot[1] = D("sa.age20");
    k->sa_knot[2] = D("sa.age27");
    k->sa_knot[3] = D("sa.age35");
    k->sa_index = D("sa.index");
    k->emp_knot[0] = D("employment.age18");
    k->emp_knot[1] = D("employment.age25");
    k->emp_knot[2] = D("employment.age35");
    k->emp_index = D("employment.index");
    k->emp_us = D("employment.upper_secondary");
    k->r0 = D("rank.intercept");
    k->r_index = D("rank.index");
    k->r_sd = D("rank.sd");
    k->r_year = D("rank.year_sd");
    k->earn_full = D("earnings_full");
    k->earn_start = D("earnings_start");
    k->earn_log_sd = D("earnings_log_sd");
    k->sa_year = D("sa_months") * arv_params_double(p, "income.sa.single");
#undef D
    k->tax = arv_params_double(p, "income.tax_rate");
    k->leave_months = 12 * (int)arv_params_int(p, "demography.leave_home_age");
    k->group_sa = k->group_no_sa = -1;
    for (int g = 0; g < w->reg->n_groups; g++) {
        if (strcmp(w->reg->groups[g], "sa_childhood") == 0)
            k->group_sa = g;
        if (strcmp(w->reg->groups[g], "no_sa_childhood") == 0)
            k->group_no_sa = g;
    }
    assert(k->group_sa > 0 && k->group_no_sa > 0 && "the registry lacks the young-adult groups");
    arv__discount_read(p, &k->discount);
    static const double sa_ages[4] = {18, 20, 27, 35}, emp_ages[3] = {18, 25, 35};
    for (int a = 0; a < N_AGES; a++) {
        int age = AGE0 + a;
        k->sa_age[a] = interp(sa_ages, k->sa_knot, 4, age);
        k->emp_age[a] = interp(emp_ages, k->emp_knot, 3, age);
        k->growth[a] = age >= 30 ? 1.0 : k->earn_start + (1 - k->earn_start) * (age - 18) / 12.0;
        k->sa_age_exp[a] = exp(-k->sa_age[a]);
        k->emp_age_exp[a] = exp(-k->emp_age[a]);
    }
    k->emp_us_exp = exp(-k->emp_us);
    /* years from month 0 to the age AGE0 + a of a child leaving home in month m */
    k->discount_months = w->months;
    k->discount_at = arv_xcalloc((size_t)(w->months + 1) * N_AGES, sizeof *k->discount_at);
    for (int m = 0; m <= w->months; m++)
        discount_factors(k, m, k->discount_at + (size_t)m * N_AGES);
    k->n_chunks = w->n_chunks;
    k->chunk = arv_xcalloc(w->n_chunks, sizeof *k->chunk);
    k->parent_rank = arv_xcalloc(w->n_households, sizeof *k->parent_rank);
    k->sa_family = arv_xcalloc(w->n_households, sizeof *k->sa_family);
    k->x_pre = arv_xcalloc((size_t)ARV_MAX_CHILDREN * w->n_households, sizeof *k->x_pre);
    arv_world_set_state(w, &arv_model_young_adults, k);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    struct ya *k = arv_world_state(w, &arv_model_young_adults);
    free(k->chunk);
    free(k->parent_rank);
    free(k->sa_family);
    free(k->x_pre);
    free(k->discount_at);
    free(k);
}

int arv__young_adults_months(const struct arv_params *p)
{
    int months = (int)arv_params_int(p, "run.months");
    if (arv_params_enum(p, "young_adults.horizon") == 1) {
        int adulthood = 12 * (int)arv_params_int(p, "demography.leave_home_age");
        months = months > adulthood ? months : adulthood;
    }
    return months;
}

/* The exposure term b . x for child slot i, over `observed` months. */
static double exposure_term(const struct ya *k, const struct arv_pop *p, size_t i, double observed)
{
    double moves = p->moves[i] < 10 ? p->moves[i] : 10;
    return k->b_low * p->months_low_income[i] / observed + k->b_sa * p->months_sa[i] / observed +
           k->b_temp * p->months_temporary[i] / observed + k->b_moves * moves +
           k->b_incl * p->inclusion[i] + k->b_part * p->participation[i];
}

static void prepare(struct arv_world *w)
{
    struct ya *k = arv_world_state(w, &arv_model_young_adults);
    memset(k->chunk, 0, k->n_chunks * sizeof *k->chunk);
}

/* Month 0, before any follow-up: the parents' income rank (36-month mean of
 * equivalised income), the family's SA in the last year, and each child's
 * exposure term so far. */
static void enroll(struct arv_world *w)
{
    struct ya *k = arv_world_state(w, &arv_model_young_adults);
    const struct arv_pop *p = arv__pop(w);
    int history = w->burn_in < ARV_INCOME_MONTHS ? w->burn_in : ARV_INCOME_MONTHS;
    double observed = w->burn_in > 0 ? w->burn_in : 1;
    for (size_t h = 0; h < p->n; h++) {
        size_t id = arv__id(p, h);
        double sum = 0;
        for (size_t m = 0; m < ARV_INCOME_MONTHS; m++)
            sum += p->income_ring[m * p->n + h]; /* month-major (household.h) */
        /* with a short burn-in the ring is partly empty: the mean of what
         * there is; with none (run.burn_in = 0), the income the household's
         * state implies */
        double month = history > 0 ? sum / history : arv__income_equivalised_at_start(w, h);
        double yearly = arv__max(1.0, 12 * month);
        k->parent_rank[id] = (float)gsl_cdf_ugaussian_P((log(yearly) - log(k->median)) / k->log_sd);
        k->sa_family[id] = p->sa_history[h] != 0;
        for (int c = 0; c < ARV_MAX_CHILDREN; c++) {
            size_t i = (size_t)ARV_MAX_CHILDREN * h + c;
            /* NaN marks a slot empty at month 0 (project) */
            k->x_pre[(size_t)ARV_MAX_CHILDREN * id + c] =
                p->child_age[i] >= 0 ? (float)exposure_term(k, p, i, observed) : NAN;
        }
    }
}

static int logistic_draw(double eta, double u)
{
    return u < arv__logistic(eta);
}

/* The same draw for eta = a + b given e_a = exp(-a) and e_b = exp(-b):
 * logistic(eta) = 1 / (1 + e_a e_b). An overflowing product gives 0 and an
 * underflowing one 1, as the logistic's limits; e_a is finite and not 0
 * (|a| <= 50). */
static int logistic_draw_split(double e_a, double e_b, double u)
{
    return u < 1.0 / (1.0 + e_a * e_b);
}

/* The standard normal distribution function, by the C library's erfc
 * (accurate to about an ulp over the whole line). */
static double normal_cdf(double x)
{
    return 0.5 * erfc(-x * M_SQRT1_2);
}

/* Projects the young adult leaving from child slot c of household h this
 * month into the chunk's sums. */
static void project(const struct ya *k, const struct arv_world *w, const struct arv_pop *p,
                    size_t h, int c, struct ya_chunk *acc, struct arv_rng *r)
{
    size_t i = (size_t)ARV_MAX_CHILDREN * h + c, id = arv__id(p, h);
    /* the child's sub-stream and month-0 terms, by its identity */
    size_t child = (size_t)ARV_MAX_CHILDREN * id + c;
    arv_rng_seek(r, ARV_STREAM_YOUNG_ADULTS, (uint32_t)child, arv__key_month(w));
    /* every draw, always, in this order (common random numbers) */
    double u_person = arv_rng_normal(r);
    double eta = arv_rng_normal(r);
    double u_us = arv_rng_uniform(r), u_late = arv_rng_uniform(r);

    /* children present at month 0 were observed through the burn-in too.
     * A child aged 0 then and one born in month 0 both have born = 0; only
     * the first had a slot at the enrolment (x_pre not NaN). */
    int born = w->month - p->child_age[i]; /* month of birth (children age from month 0) */
    int at_start = born < 0 || (born == 0 && !isnan(k->x_pre[child]));
    double observed = at_start ? w->burn_in + w->month : p->child_age[i];
    observed = arv__max(1.0, observed);
    int edu = p->education[(size_t)ARV_MAX_ADULTS * h];
    if (p->n_adults[h] == 2 && p->education[(size_t)ARV_MAX_ADULTS * h + 1] > edu)
        edu = p->education[(size_t)ARV_MAX_ADULTS * h + 1];
    double x_pre = at_start ? k->x_pre[child] : 0.0;
    double x = exposure_term(k, p, i, observed);
    double index = k->b_rank * (k->parent_rank[id] - 0.5) + k->b_edu[edu] +
                   k->b_imm * (p->origin[h] != ORIGIN_NORWAY) + x_pre + k->kappa * (x - x_pre) +
                   k->sd_u * u_person;

    int groups[3] = {0, p->group[h], k->sa_family[id] ? k->group_sa : k->group_no_sa};
    int on_time = logistic_draw(k->us_on_time + k->us_index * index, u_us);
    int late = !on_time && logistic_draw(k->us_late + k->us_index * index, u_late);
    /* the child leaves home this month at leave_months */
    double beyond[N_AGES];
    const double *discount = k->discount_at + (size_t)w->month * N_AGES;
    if (w->month > k->discount_months) { /* past run.months (arv trial) */
        discount_factors(k, w->month, beyond);
        discount = beyond;
    }
    /* the person's terms of the yearly draws */
    double sa_person = exp(k->sa_index * index), emp_person = exp(-k->emp_index * index);
    double latent_person = k->r0 + k->r_index * index + k->r_sd * eta;
    double ledger[6] = {0}, rank_sum = 0;
    for (int a = 0; a < N_AGES; a++) {
        int age = AGE0 + a;
        double u_sa = arv_rng_uniform(r), u_emp = arv_rng_uniform(r);
        double z = arv_rng_normal(r);
        int completed = age >= 19 && (on_time || (late && age >= 24));
        /* logits sa_age - sa_index I and emp_age + emp_index I + emp_us [completed] */
        int sa = logistic_draw_split(k->sa_age_exp[a], sa_person, u_sa);
        int emp = logistic_draw_split(k->emp_age_exp[a],
                                      emp_person * (completed ? k->emp_us_exp : 1.0), u_emp);
        double latent = latent_person + k->r_year * z;
        /* the income rank counts from age 30 */
        double rank = age >= 30 ? normal_cdf(latent) : 0.0;
        double earnings = emp ? k->earn_full * k->growth[a] * exp(k->earn_log_sd * latent) : 0.0;
        double d = discount[a];
        double flows[3] = {earnings, k->tax * earnings, sa * k->sa_year};
        for (int f = 0; f < 3; f++) {
            ledger[2 * f] += flows[f];
            ledger[2 * f + 1] += d * flows[f];
        }
        if (age >= 30)
            rank_sum += rank;
        for (int j = 0; j < 3; j++) {
            if (j == 1 && groups[1] == 0)
                continue;
            int gi = groups[j];
            acc->num[gi][a][M_SA] += sa;
            acc->den[gi][a][M_SA] += 1;
            acc->num[gi][a][M_EMP] += emp;
            acc->den[gi][a][M_EMP] += 1;
            if (age >= 19) {
                acc->num[gi][a][M_US] += completed;
                acc->den[gi][a][M_US] += 1;
            }
            if (age >= 30) {
                acc->num[gi][a][M_RANK] += rank;
                acc->den[gi][a][M_RANK] += 1;
            }
        }
    }
    double xr = k->parent_rank[id], yr = rank_sum / 6;
    for (int j = 0; j < 3; j++) {
        if (j == 1 && groups[1] == 0)
            continue;
        double *tn = acc->tnum[groups[j]], *td = acc->tden[groups[j]];
        tn[M_SLOPE] += xr * yr;
        td[M_SLOPE] += 1;
        tn[M_SLOPE_A] += xr;
        td[M_SLOPE_A] += yr;
        tn[M_SLOPE_B] += xr * xr;
        td[M_SLOPE_B] += yr * yr;
        for (int f = 0; f < 6; f++) {
            tn[M_EARN + f] += ledger[f];
            td[M_EARN + f] += 1;
        }
    }
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    const struct ya *k = arv_world_state(w, &arv_model_young_adults);
    const struct arv_pop *p = arv__pop(w);
    if (w->month < 0)
        return; /* the burn-in does not age the children */
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    struct ya_chunk *acc = &k->chunk[begin / ARV_CHUNK];
    for (size_t h = begin; h < end; h++) {
        if (p->group[h] == GROUP_NONE)
            continue;
        /* most households have nobody leaving: one vector compare tells */
        if (!arv__any_child_aged(p, h, k->leave_months - 1))
            continue;
        for (int c = 0; c < ARV_MAX_CHILDREN; c++) {
            size_t i = (size_t)ARV_MAX_CHILDREN * h + c;
            /* demography ages the child by one month next and lets it go at leave_months */
            if (p->child_age[i] >= 0 && p->child_age[i] + 1 >= k->leave_months)
                project(k, w, p, h, c, acc, &r);
        }
    }
}

static void finish(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                   int m0)
{
    const struct ya *k = arv_world_state(w, &arv_model_young_adults);
    const struct ya_chunk *acc = &k->chunk[begin / ARV_CHUNK];
    /* the sums already hold group 0 ("all") */
    for (int g = 0; g < w->reg->n_groups; g++) {
        for (int a = 0; a < N_AGES; a++)
            for (int m = 0; m <= M_RANK; m++)
                if (acc->den[g][a][m] > 0)
                    arv_tally_add_group(t, m0 + m, g, a, acc->num[g][a][m], acc->den[g][a][m]);
        for (int m = M_SLOPE; m < N_METRICS; m++)
            if (acc->tden[g][M_SLOPE] > 0)
                arv_tally_add_group(t, m0 + m, g, 0, acc->tnum[g][m], acc->tden[g][m]);
    }
}

const struct arv_model_ops arv_model_young_adults = {
    .name = "young_adults",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .accounting = true,
    .setup = setup,
    .release = release,
    .prepare = prepare,
    .enroll = enroll,
    .step = step,
    .finish = finish,
};
