/*
 * Income and the family economy, per household and month:
 *   earnings (net of a flat tax) from each adult's work state and wage,
 *   which grows with each month in work;
 *   programme benefit; child benefit; housing allowance (simplified means
 *   test); social assistance by rule: the national guideline norm (adults,
 *   each child by age band) plus the housing cost, minus the other net
 *   income, floored at zero, if the family takes it up; disposable income
 *   and the EU-60 equivalised low-income flag (weights 1 / 0.5 / 0.3);
 *   arrears (unpaid bills: part of any shortfall, expense shocks, minus
 *   repayment from slack and settlement, which follow-up helps); and a
 *   financial-strain score, an AR(1) pulled towards a level set by the gap
 *   between income and needs, arrears, SA receipt and family stress.
 */
#include "income.h"

#include <gsl/gsl_randist.h>
#include <assert.h>
#include <math.h>
#include <stdlib.h>

#define NOK(path, v, desc, src)                                                                  \
    {path, ARV_PARAM_DOUBLE, v, 0, 1e6, "NOK/month", desc, src, NULL, NULL}
#define NUM(path, v, lo, hi, unit, desc, src)                                                    \
    {path, ARV_PARAM_DOUBLE, v, lo, hi, unit, desc, src, NULL, NULL}

static const struct arv_param_def defs[] = {
    NUM("income.tax_rate", 0.22, 0, 0.9, "share",
        "Flat tax on earnings and unemployment benefit.", "assumption"),
    NUM("income.part_time_share", 0.5, 0.05, 1, "share", "Part-time hours as a share of full time.",
        "assumption"),
    NUM("income.wage_growth", 0.01, 0, 0.2, "per year",
        "Real growth of an adult's wage per year in work, part or full time (returns to "
        "experience); none in the burn-in.", "assumption"),
    NUM("income.hours_sd.part_time", 0.25, 0, 2, "log NOK",
        "SD of month-to-month variation of part-time earnings (hours).", "assumption"),
    NUM("income.hours_sd.full_time", 0.08, 0, 2, "log NOK",
        "SD of month-to-month variation of full-time earnings (overtime, pay periods).",
        "assumption"),
    NOK("income.programme_benefit", 13000,
        "Net benefit of an adult in a qualification or introduction programme.", "assumption"),
    NOK("income.child_benefit.age_0_5", 1054, "Child benefit per child aged 0-5.", "assumption"),
    NOK("income.child_benefit.age_6_17", 1054, "Child benefit per child aged 6-17.",
        "assumption"),
    NOK("income.sa.single", 6150, "SA guideline rate, single adult (housing excluded).",
        "G22 (2019)"),
    NOK("income.sa.couple", 10250, "SA guideline rate, couple (housing excluded).", "G22 (2019)"),
    NOK("income.sa.child_0_5", 2400, "SA guideline rate per child aged 0-5.", "G22 (2019)"),
    NOK("income.sa.child_6_10", 3100, "SA guideline rate per child aged 6-10.", "G22 (2019)"),
    NOK("income.sa.child_11_17", 4000, "SA guideline rate per child aged 11-17.", "G22 (2019)"),
    NUM("income.sa_takeup", 0.65, 0, 1, "probability",
        "Share of families in need who take SA up (by a family propensity, renewed at "
        "income.takeup_renewal).", "assumption"),
    NUM("income.takeup_renewal", 0.1, 0, 1, "per month",
        "Monthly probability that a family's take-up propensity is drawn afresh (0: a trait "
        "for life); set near SA's full-year share (G32).", "assumption"),
    NOK("income.sa_min_need", 500, "Smallest monthly need for which SA is paid.", "assumption"),
    NOK("income.rent.temporary", 3000, "Household's own payment in temporary housing.",
        "assumption"),
    NOK("income.rent.municipal", 8000, "Base rent, municipal housing.", "assumption"),
    NOK("income.rent.private_insecure", 10000, "Base rent, insecure private rental.",
        "assumption"),
    NOK("income.rent.private_stable", 11000, "Base rent, stable private rental.", "assumption"),
    NOK("income.rent.owner", 9000, "Base housing cost of owners (mortgage, fees).", "assumption"),
    NOK("income.rent_per_person", 1200, "Housing cost per household member (not temporary).",
        "assumption"),
    NUM("income.housing_allowance_rate", 0.7, 0, 1, "share",
        "Share of the housing cost above the own share covered by housing allowance.",
        "assumption"),
    NUM("income.housing_allowance_own_share", 0.25, 0, 1, "share",
        "Share of gross income a tenant is expected to pay for housing.", "assumption"),
    {"income.low_income_threshold", ARV_PARAM_DOUBLE, 212000, 0, 1e7, "NOK/year per unit",
     "EU-60 low-income threshold per consumption unit.", "G19 (2015)", NULL, NULL},
    NUM("income.shock_rate", 0.04, 0, 1, "per month",
        "Monthly probability of an unexpected expense (times the family's proneness).",
        "assumption"),
    {"income.shock_mean", ARV_PARAM_DOUBLE, 6000, 0, 1e6, "NOK",
     "Mean unexpected expense (exponential).", "assumption", NULL, NULL},
    NUM("income.sa_emergency", 0.0, 0, 1, "probability",
        "Probability that a family hit by an expense it cannot cover applies for (one-off) SA "
        "to cover it.", "assumption"),
    {"income.ui.min_tenure", ARV_PARAM_INT, 12, 0, 600, "months",
     "Months in work needed for unemployment benefit after a job loss.", "assumption", NULL,
     NULL},
    {"income.ui.months", ARV_PARAM_INT, 12, 0, 254, "months",
     "Months of unemployment benefit (paid from the month after the job loss, while "
     "inactive or seeking).", "assumption",
     NULL, NULL},
    NUM("income.ui.replacement", 0.624, 0, 1, "share",
        "Unemployment benefit as a share of the lost gross earnings.", "assumption"),
    NUM("income.shortfall_to_arrears", 0.5, 0, 1, "share",
        "Share of an income shortfall below needs that becomes unpaid bills.", "assumption"),
    NUM("income.repay_share", 0.5, 0, 1, "share",
        "Share of income above needs used to repay arrears.", "assumption"),
    NUM("income.settle_logit", -4.6, -15, 5, "logit",
        "Log-odds of a month's settlement of arrears (debt advice, write-off).", "assumption"),
    NUM("income.strain.base", 3.0, -10, 10, "score", "Strain level with income at needs, no arrears.",
        "assumption"),
    NUM("income.strain.gap", 5.0, -20, 20, "score per unit",
        "Strain per unit of relative shortfall (needs - income) / needs.", "assumption"),
    NUM("income.strain.arrears", 1.2, -10, 10, "score per log unit",
        "Strain per unit of log(1 + arrears / 10,000 NOK).", "assumption"),
    NUM("income.strain.sa", 1.0, -10, 10, "score", "Strain while living on SA.", "assumption"),
    NUM("income.strain.stress", 1.0, -10, 10, "score per unit",
        "Strain per unit of family stress (last month's; see children.stress.*).",
        "assumption"),
    NUM("income.strain.economy", 1.0, -10, 10, "score per logit",
        "Strain reduction per unit of economy effect (office and follow-up).", "assumption"),
    NUM("income.strain.persistence", 0.85, 0, 0.999, "-", "Monthly AR(1) coefficient of strain.",
        "assumption"),
    NUM("income.strain.sd", 0.5, 0, 5, "score", "SD of the monthly strain innovation.",
        "assumption"),
};

static const struct arv_metric_def metrics[] = {
    {"sa_receipt_rate", ARV_TABLE_SUMMARY, "share of families receiving SA this month", ARV_STAT_RATIO},
    {"sa_amount_mean", ARV_TABLE_SUMMARY, "mean SA paid per family, NOK/month", ARV_STAT_RATIO},
    {"earnings_mean", ARV_TABLE_SUMMARY, "mean earnings after tax per family, NOK/month",
     ARV_STAT_RATIO},
    {"disposable_income_mean", ARV_TABLE_SUMMARY, "mean disposable income, NOK/month", ARV_STAT_RATIO},
    {"low_income_rate", ARV_TABLE_SUMMARY, "share of families below EU-60", ARV_STAT_RATIO},
    {"child_low_income_rate", ARV_TABLE_SUMMARY, "share of children in EU-60 low income", ARV_STAT_RATIO},
    {"child_persistent_low_income_rate", ARV_TABLE_SUMMARY,
     "share of children whose household's equivalised income over the last 36 months averages "
     "below the EU-60 threshold (SSB's persistent low income)", ARV_STAT_RATIO},
    {"child_persistent_low_income_rate_immigrant", ARV_TABLE_SUMMARY,
     "the same among children of immigrant background", ARV_STAT_RATIO},
    {"child_persistent_low_income_rate_non_immigrant", ARV_TABLE_SUMMARY,
     "the same among children of Norway-born parents", ARV_STAT_RATIO},
    {"arrears_mean", ARV_TABLE_SUMMARY, "mean arrears per family, NOK", ARV_STAT_RATIO},
    {"financial_strain_mean", ARV_TABLE_SUMMARY, "mean financial strain score (0-10)", ARV_STAT_RATIO},
    {"sa_months_in_year_mean", ARV_TABLE_SUMMARY,
     "months with SA in the last 12, mean over families with any (sources.md G30, G31)",
     ARV_STAT_RATIO},
    {"sa_months_in_year_mean_couples", ARV_TABLE_SUMMARY, "the same for couples", ARV_STAT_RATIO},
    {"sa_months_in_year_mean_single", ARV_TABLE_SUMMARY, "the same for single parents",
     ARV_STAT_RATIO},
    {"sa_full_year_share", ARV_TABLE_SUMMARY,
     "share of families with SA in the last 12 months who had it in all 12 (G32)",
     ARV_STAT_RATIO},
    {"sa_short_year_share", ARV_TABLE_SUMMARY,
     "share of families with SA in the last 12 months who had it in at most 2 (G32)",
     ARV_STAT_RATIO},
};

void arv__income_rules_read(const struct arv_params *p, struct arv_income_rules *k)
{
    k->tax = arv_params_double(p, "income.tax_rate");
    k->part = arv_params_double(p, "income.part_time_share");
    k->hours_sd[0] = arv_params_double(p, "income.hours_sd.part_time");
    k->hours_sd[1] = arv_params_double(p, "income.hours_sd.full_time");
    k->programme = arv_params_double(p, "income.programme_benefit");
    k->wage_growth_month = exp(log1p(arv_params_double(p, "income.wage_growth")) / 12);
    k->child_benefit[0] = arv_params_double(p, "income.child_benefit.age_0_5");
    k->child_benefit[1] = arv_params_double(p, "income.child_benefit.age_6_17");
    k->sa_single = arv_params_double(p, "income.sa.single");
    k->sa_couple = arv_params_double(p, "income.sa.couple");
    k->sa_child[0] = arv_params_double(p, "income.sa.child_0_5");
    k->sa_child[1] = arv_params_double(p, "income.sa.child_6_10");
    k->sa_child[2] = arv_params_double(p, "income.sa.child_11_17");
    double takeup = arv_params_double(p, "income.sa_takeup");
    k->takeup_logit = takeup <= 0 ? -INFINITY : takeup >= 1 ? INFINITY : log(takeup / (1 - takeup));
    k->min_need = arv_params_double(p, "income.sa_min_need");
    k->takeup_renewal = arv_params_double(p, "income.takeup_renewal");
    char path[96];
    for (int s = 0; s < N_HOUSING; s++) {
        snprintf(path, sizeof path, "income.rent.%s", arv__housing_names[s]);
        k->rent[s] = arv_params_double(p, path);
    }
    k->rent_person = arv_params_double(p, "income.rent_per_person");
    k->ha_rate = arv_params_double(p, "income.housing_allowance_rate");
    k->ha_own = arv_params_double(p, "income.housing_allowance_own_share");
    k->threshold_month = arv_params_double(p, "income.low_income_threshold") / 12.0;
    k->shock_rate = arv_params_double(p, "income.shock_rate");
    k->shock_mean = arv_params_double(p, "income.shock_mean");
    k->shortfall = arv_params_double(p, "income.shortfall_to_arrears");
    k->emergency = arv_params_double(p, "income.sa_emergency");
    k->ui_max_months = (int)arv_params_int(p, "income.ui.months");
    k->repay = arv_params_double(p, "income.repay_share");
    k->settle_logit = arv_params_double(p, "income.settle_logit");
    k->s_base = arv_params_double(p, "income.strain.base");
    k->s_gap = arv_params_double(p, "income.strain.gap");
    k->s_arrears = arv_params_double(p, "income.strain.arrears");
    k->s_sa = arv_params_double(p, "income.strain.sa");
    k->s_econ = arv_params_double(p, "income.strain.economy");
    k->s_stress = arv_params_double(p, "income.strain.stress");
    k->s_rho = arv_params_double(p, "income.strain.persistence");
    k->s_sd = arv_params_double(p, "income.strain.sd");
    k->hours_share[0] = 1.0;
    k->hours_share[1] = k->part;
    k->programme_benefit[0] = 0;
    k->programme_benefit[1] = k->programme;
}

struct income {
    struct arv_income_rules rules;
    double *settle; /* per office: the settlement probability without follow-up */
};

static int setup(struct arv_world *w, struct arv_error *err)
{
    struct income *k = arv_xcalloc(1, sizeof *k);
    arv__income_rules_read(w->params, &k->rules);
    k->settle = arv_xcalloc((size_t)arv_params_int(w->params, "offices.count"), sizeof(double));
    arv_world_set_state(w, &arv_model_income, k);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    struct income *k = arv_world_state(w, &arv_model_income);
    free(k->settle);
    free(k);
}

/* The monthly probability that arrears are settled, given the economy
 * effect (office and follow-up). */
static double settle_probability(const struct arv_income_rules *k, double economy)
{
    return arv__logistic(k->settle_logit + economy);
}

/* The offices of this replicate are drawn (population.c). */
static void prepare(struct arv_world *w)
{
    struct income *k = arv_world_state(w, &arv_model_income);
    const struct arv_pop *p = arv__pop(w);
    for (int o = 0; o < p->n_offices; o++)
        k->settle[o] = settle_probability(&k->rules, p->offices[o].effect[DOMAIN_ECONOMY]);
}

/* The budget rules; inline in the monthly step, written without branches
 * on the household's state (selections from two-entry tables). */
static inline void budget(const struct arv_income_rules *k, const struct arv_budget_case *c,
                          struct arv_budget *b)
{
    static const double housing_costs_per_person[N_HOUSING] = {0, 1, 1, 1, 1};
    static const double housing_allowance[N_HOUSING] = {0, 1, 1, 1, 0};
    int children = c->children[0] + c->children[1] + c->children[2];
    int hs = c->housing;
    b->cost = k->rent[hs] +
              housing_costs_per_person[hs] * (k->rent_person * (c->adults + children));
    b->allowance = housing_allowance[hs] *
                   arv__max(0, k->ha_rate * (b->cost - k->ha_own * (c->gross + c->insurance +
                                                                   c->programme)));
    b->net = c->gross * (1 - k->tax);
    b->benefits = c->programme + c->insurance * (1 - k->tax) +
                  k->child_benefit[0] * c->children[0] +
                  k->child_benefit[1] * (c->children[1] + c->children[2]) + b->allowance;
    const double adult_norm[2] = {k->sa_single, k->sa_couple};
    double norm = adult_norm[c->adults >= 2];
    for (int band = 0; band < 3; band++)
        norm += k->sa_child[band] * c->children[band];
    b->needs = norm + b->cost;
    double need = b->needs - b->net - b->benefits;
    b->sa = need >= k->min_need && c->takes_up ? need : 0;
    b->disposable = b->net + b->benefits + b->sa;
    b->equivalence = 1 + 0.5 * (c->adults - 1) + 0.3 * children;
    b->equivalised = b->disposable / b->equivalence;
    b->low_income = b->equivalised < k->threshold_month;
}

/* Household h's children at home by guideline band (arv__sa_child_band)
 * from the counts of ages >= 0, >= 72 and >= 132 months. */
static inline void children_by_band(const struct arv_pop *p, size_t h, int children[3])
{
    int at_least[3];
    arv__count_children(p, h, 72, 132, at_least);
    children[0] = at_least[0] - at_least[1];
    children[1] = at_least[1] - at_least[2];
    children[2] = at_least[2];
}

/* A renewed take-up propensity from its word: as in synthesis, the logit
 * of a uniform, here (w + 1/2) / 2^32, never 0 or 1. */
static float renewed_takeup(uint32_t word)
{
    double u = (word + 0.5) / 4294967296.0;
    return (float)log(u / (1 - u));
}

/* A household's draws of a month, in their fixed order (step()). */
struct month_draws {
    double u_shock, u_emergency, u_size, z_strain, z_hours[ARV_MAX_ADULTS];
    uint32_t renew, fresh; /* take-up renewal and the new propensity's word */
};

/* The draws on the generator r, at the start of the household's sub-stream
 * of the month with block 0 given (arv_rng_seek_block) or computed
 * (arv_rng_seek); block 1 (b1), if not NULL, is handed over when it is
 * due. The same words as the blocks' fast path of step() where it applies. */
static inline void draws_on_generator(struct arv_rng *r, const uint32_t *b1,
                                      struct month_draws *d)
{
    d->u_shock = arv_rng_uniform(r);
    d->u_emergency = arv_rng_uniform(r);
    d->u_size = arv_rng_uniform_pos(r);
    d->z_strain = arv_rng_normal(r);
    if (b1)
        arv_rng_supply(r, 1, b1);
    for (int a = 0; a < ARV_MAX_ADULTS; a++)
        d->z_hours[a] = arv_rng_normal(r);
    d->renew = arv_rng_u32(r);
    d->fresh = arv_rng_u32(r);
}

/* The window bits (sa_history's order: bit k is k + 1 months before month
 * 0) of the months lo..hi (lo <= hi <= -1) that lie in the last 12. */
static uint16_t window_bits(int lo, int hi)
{
    int k0 = -1 - hi, k1 = -1 - lo < 11 ? -1 - lo : 11;
    if (k0 > k1)
        return 0;
    return (uint16_t)(((2u << k1) - 1u) & ~((1u << k0) - 1u));
}

/* The months of the last 12 before month 0 in which households [begin,
 * end) (at most ARV_CHUNK), drawn but not yet burnt in, take SA up (out[h - begin], bits as
 * sa_history's), with no follow-up: their take-up propensity in each
 * month (the trait, or the burn-in's last renewal in or before it) against the
 * office's economy effect. A month before the burn-in is not simulated and
 * counts as one in which they may. The renewals are read from the keyed
 * draws month by month back from the last burn-in month, for the
 * households whose window is not yet settled (Philox blocks for all of
 * them at once; a month off the blocks' fast path on the generator). */
void arv__income_takeup_window(const struct arv_world *w, size_t begin, size_t end,
                               uint16_t *out)
{
    const struct income *model = arv_world_state(w, &arv_model_income);
    const struct arv_income_rules *k = &model->rules;
    const struct arv_pop *p = arv__pop(w);
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    /* per household: its threshold, the highest month whose propensity is
     * not yet known (-13: none left in the window) */
    double threshold[ARV_CHUNK];
    int top[ARV_CHUNK];
    uint32_t open[ARV_CHUNK], entity[ARV_CHUNK], b0[ARV_CHUNK][4], b1[ARV_CHUNK][4];
    size_t n = end - begin, n_open = 0;
    assert(n <= ARV_CHUNK);
    for (size_t j = 0; j < n; j++) {
        size_t h = begin + j;
        threshold[j] = k->takeup_logit + p->offices[p->office[h]].effect[DOMAIN_ECONOMY];
        top[j] = -1;
        /* the months before the burn-in: possible */
        out[j] = window_bits(-12, -1 - w->burn_in);
        open[n_open] = (uint32_t)j;
        entity[n_open] = arv__id(p, h);
        n_open += k->takeup_renewal > 0;
    }
    for (int month = -1; month >= -w->burn_in && n_open > 0; month--) {
        uint32_t key = arv__key_of_month(month);
        arv_rng_blocks(&r, ARV_STREAM_INCOME, key, 0, entity, n_open, b0);
        arv_rng_blocks(&r, ARV_STREAM_INCOME, key, 1, entity, n_open, b1);
        size_t still = 0;
        for (size_t i = 0; i < n_open; i++) {
            double z;
            uint32_t renew = b1[i][1], fresh = b1[i][0];
            if (!(b0[i][1] != 0 && arv_rng_word_normal(b0[i][0], &z) &&
                  arv_rng_word_normal(b1[i][3], &z) && arv_rng_word_normal(b1[i][2], &z))) {
                struct month_draws d;
                arv_rng_seek(&r, ARV_STREAM_INCOME, entity[i], key);
                draws_on_generator(&r, NULL, &d);
                renew = d.renew, fresh = d.fresh;
            }
            size_t j = open[i];
            if (arv_rng_word_uniform(renew) < k->takeup_renewal) {
                /* this month's renewal holds from it to top */
                if (renewed_takeup(fresh) < threshold[j])
                    out[j] |= window_bits(month, top[j]);
                top[j] = month - 1;
            }
            if (top[j] >= -12) {
                open[still] = open[i];
                entity[still++] = entity[i];
            }
        }
        n_open = still;
    }
    /* before the earliest renewal, back to the burn-in's start: the trait */
    int lo = -w->burn_in > -12 ? -w->burn_in : -12;
    for (size_t j = 0; j < n; j++)
        if (top[j] >= lo && p->takeup[begin + j] < threshold[j])
            out[j] |= window_bits(lo, top[j]);
}

void arv__budget(const struct arv_income_rules *k, const struct arv_budget_case *c,
                 struct arv_budget *b)
{
    budget(k, c, b);
}

/* Household h's budget from its state alone, before any month has run:
 * hours at their mean (the month's variation has mean 1), no expense shock,
 * no follow-up; SA, by the rules, only for the families the population has
 * on SA now (synthesis has none before the burn-in; a household file says). */
static void budget_at_start(const struct arv_world *w, size_t h, struct arv_budget *b)
{
    const struct income *model = arv_world_state(w, &arv_model_income);
    const struct arv_income_rules *k = &model->rules;
    const struct arv_pop *p = arv__pop(w);
    struct arv_budget_case c = {.adults = p->n_adults[h], .housing = p->housing[h],
                                .takes_up = p->sa[h]};
    for (int a = 0; a < c.adults; a++) {
        size_t i = (size_t)ARV_MAX_ADULTS * h + a;
        int s = p->work[i];
        if (arv__employed(s))
            c.gross += p->wage[i] * k->hours_share[s == WORK_PART_TIME];
        c.programme += k->programme_benefit[s == WORK_PROGRAMME];
        if (p->ui_months[i] > 0 && p->ui_months[i] <= k->ui_max_months &&
            (s == WORK_SEEKING || s == WORK_INACTIVE))
            c.insurance += p->ui_amount[i];
    }
    children_by_band(p, h, c.children);
    budget(k, &c, b);
}

double arv__income_equivalised_at_start(const struct arv_world *w, size_t h)
{
    struct arv_budget b;
    budget_at_start(w, h, &b);
    return b.equivalised;
}

/* With no burn-in (run.burn_in = 0) no month has set the month's flows
 * before month 0 is reported: they come from the state (budget_at_start),
 * not from calloc or the previous replicate. */
static void enroll(struct arv_world *w)
{
    if (w->burn_in > 0)
        return;
    struct arv_pop *p = arv__pop(w);
    for (size_t h = 0; h < p->n; h++) {
        struct arv_budget b;
        budget_at_start(w, h, &b);
        p->earnings[h] = (float)b.net;
        p->benefits[h] = (float)b.benefits;
        p->sa_amount[h] = (float)b.sa;
        p->disposable[h] = (float)b.disposable;
        p->needs[h] = (float)b.needs;
        p->housing_cost[h] = (float)b.cost;
        p->low_income[h] = (uint8_t)b.low_income;
    }
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    const struct income *model = arv_world_state(w, &arv_model_income);
    /* local copies of the rules and of the population's array pointers,
     * which the step's stores of bytes cannot change (household.h) */
    const struct arv_income_rules rules = model->rules, *k = &rules;
    const struct arv_pop pop = *arv__pop(w), *p = &pop;
    const double *settle_of = model->settle;
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    uint32_t month = arv__key_month(w);
    size_t month_row = (size_t)(w->month + w->burn_in) % ARV_INCOME_MONTHS;
    float *ring = p->keeps_history ? p->income_ring + month_row * p->n : NULL;
    /* the first two Philox blocks of every household's sub-stream */
    uint32_t block0[ARV_CHUNK][4], block1[ARV_CHUNK][4];
    size_t n = end - begin;
    assert(n <= ARV_CHUNK);
    arv__household_blocks(&r, p, ARV_STREAM_INCOME, month, 0, begin, n, block0);
    arv__household_blocks(&r, p, ARV_STREAM_INCOME, month, 1, begin, n, block1);
    double last_economy = NAN, last_settle = 0;
    /* a month in work raises the wage from next month on (not in the burn-in) */
    const double growth = w->month >= 0 ? k->wage_growth_month : 1.0;
    for (size_t h = begin; h < end; h++) {
        struct arv_budget_case c = {.adults = p->n_adults[h], .housing = p->housing[h]};
        /* the household's draws, always all of them and in this order, so
         * that each keeps its place in the stream whatever the family's
         * state (common random numbers): expense shock, one-off SA, shock
         * size, strain, earnings variation of both adult slots, take-up
         * renewal and the new propensity. Usually they are the eight words of
         * blocks 0 and 1 read directly; a normal that needs more words
         * continues on the generator. */
        const uint32_t *b0 = block0[h - begin], *b1 = block1[h - begin];
        double u_shock = arv_rng_word_uniform(b0[3]), u_emergency = arv_rng_word_uniform(b0[2]);
        double u_size, z_strain, z_hours[ARV_MAX_ADULTS];
        uint32_t w_renew, w_new;
        if (b0[1] != 0 && arv_rng_word_normal(b0[0], &z_strain)) {
            u_size = arv_rng_word_uniform(b0[1]);
            if (!arv_rng_word_normal(b1[3], &z_hours[0])) {
                arv_rng_seek_block_after(&r, ARV_STREAM_INCOME, arv__id(p, h), month, 1, b1, 1);
                z_hours[0] = arv__rng_normal_slow(&r, b1[3]);
                z_hours[1] = arv_rng_normal(&r);
                w_renew = arv_rng_u32(&r);
                w_new = arv_rng_u32(&r);
            } else if (!arv_rng_word_normal(b1[2], &z_hours[1])) {
                arv_rng_seek_block_after(&r, ARV_STREAM_INCOME, arv__id(p, h), month, 1, b1, 2);
                z_hours[1] = arv__rng_normal_slow(&r, b1[2]);
                w_renew = arv_rng_u32(&r);
                w_new = arv_rng_u32(&r);
            } else {
                w_renew = b1[1];
                w_new = b1[0];
            }
        } else {
            struct month_draws d;
            arv_rng_seek_block(&r, ARV_STREAM_INCOME, arv__id(p, h), month, b0);
            draws_on_generator(&r, b1, &d);
            u_shock = d.u_shock, u_emergency = d.u_emergency, u_size = d.u_size;
            z_strain = d.z_strain, z_hours[0] = d.z_hours[0], z_hours[1] = d.z_hours[1];
            w_renew = d.renew, w_new = d.fresh;
        }
        /* the take-up propensity drawn afresh */
        if (arv_rng_word_uniform(w_renew) < k->takeup_renewal)
            p->takeup[h] = renewed_takeup(w_new);
        for (int a = 0; a < ARV_MAX_ADULTS; a++) {
            size_t i = (size_t)ARV_MAX_ADULTS * h + a;
            int s = p->work[i], present = a < c.adults;
            _Static_assert(WORK_FULL_TIME == WORK_PART_TIME + 1, "employed states adjacent");
            /* employed and present, as one comparison */
            if ((unsigned)(s - WORK_PART_TIME) < 2u * (unsigned)present) {
                /* hours and overtime vary from month to month */
                double sd = k->hours_sd[s == WORK_FULL_TIME];
                double wobble = exp(sd * z_hours[a] - sd * sd / 2);
                c.gross += p->wage[i] * k->hours_share[s == WORK_PART_TIME] * wobble;
                p->wage[i] = (float)(p->wage[i] * growth);
            }
            c.programme += k->programme_benefit[present & (s == WORK_PROGRAMME)];
            /* unemployment benefit: none in the month of the job loss (the
             * grant is one month longer than paid), none in a programme */
            if (present * p->ui_months[i] > 0) { /* present and months left */
                if (p->ui_months[i] <= k->ui_max_months && (s == WORK_SEEKING || s == WORK_INACTIVE))
                    c.insurance += p->ui_amount[i];
                p->ui_months[i]--;
            }
        }
        children_by_band(p, h, c.children);
        double fu = arv__followup_effect(p, h, DOMAIN_ECONOMY);
        double economy = p->offices[p->office[h]].effect[DOMAIN_ECONOMY] + fu;
        c.takes_up = p->takeup[h] < k->takeup_logit + economy;
        struct arv_budget b;
        budget(k, &c, &b);
        double needs = b.needs, sa = b.sa, disposable = b.disposable;

        /* arrears: shortfall and shocks in, repayment and settlement out */
        double slack = disposable - needs;
        double shock = 0, covered = 0;
        if (u_shock < k->shock_rate * p->shock_proneness[h]) {
            shock = -k->shock_mean * log(u_size); /* exponential */
            p->events[h] |= EVENT_SHOCK;
            /* one-off SA for what the family cannot pay itself */
            if (c.takes_up && u_emergency < k->emergency)
                covered = arv__max(0, shock - arv__max(0, slack));
        }
        sa += covered;
        disposable += covered;
        int low_income = disposable / b.equivalence < k->threshold_month;
        double arrears = p->arrears[h];
        /* (a probability; without arrears it multiplies 0) */
        double settle = settle_of[p->office[h]];
        if (fu != 0) {
            /* followed families of an office share the effect in a month */
            if (economy != last_economy) {
                last_economy = economy;
                last_settle = settle_probability(k, economy);
            }
            settle = last_settle;
        }
        double repaid = arv__min(arrears, k->repay * arv__max(0, slack) + settle * arrears);
        arrears += k->shortfall * arv__max(0, -slack) + shock - covered - repaid;
        arrears = arv__max(0, arrears);

        /* strain: AR(1) towards the level income, arrears and SA imply */
        double gap = needs > 0 ? arv__min(1, arv__max(-1, -slack / needs)) : 0.0;
        double debt = arrears > 0 ? log1p(arrears / 10000.0) : 0.0;
        double target = k->s_base + k->s_gap * gap + k->s_arrears * debt +
                        k->s_sa * (sa > 0) + k->s_stress * p->stress[h] - k->s_econ * economy;
        double strain = k->s_rho * p->strain[h] + (1 - k->s_rho) * target +
                        k->s_sd * z_strain;

        p->earnings[h] = (float)b.net;
        p->benefits[h] = (float)b.benefits;
        p->sa_amount[h] = (float)sa;
        p->sa[h] = sa > 0;
        p->sa_history[h] = (uint16_t)(((p->sa_history[h] << 1) | p->sa[h]) & 0xFFF);
        p->disposable[h] = (float)disposable;
        p->needs[h] = (float)needs;
        p->housing_cost[h] = (float)b.cost;
        p->low_income[h] = (uint8_t)low_income;
        if (ring)
            ring[h] = (float)(disposable / b.equivalence);
        p->arrears[h] = (float)arrears;
        p->strain[h] = (float)arv__min(10, arv__max(0, strain));
    }
}

static void observe(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                    int m0)
{
    const struct income *model = arv_world_state(w, &arv_model_income);
    const struct arv_income_rules *k = &model->rules;
    const struct arv_pop *p = arv__pop(w);
    /* persistent low income needs 36 months of history */
    int persistent = p->keeps_history && w->month + w->burn_in >= ARV_INCOME_MONTHS;
    int year = w->month + w->burn_in >= 12;
    for (size_t h = begin; h < end; h++) {
        int g = p->group[h];
        if (g == GROUP_NONE)
            continue;
        arv_tally_add(t, m0, g, 0, p->sa[h], 1);
        arv_tally_add(t, m0 + 1, g, 0, p->sa_amount[h], 1);
        arv_tally_add(t, m0 + 2, g, 0, p->earnings[h], 1);
        arv_tally_add(t, m0 + 3, g, 0, p->disposable[h], 1);
        arv_tally_add(t, m0 + 4, g, 0, p->low_income[h], 1);
        arv_tally_add(t, m0 + 5, g, 0, p->low_income[h] * p->n_children[h], p->n_children[h]);
        if (persistent && p->n_children[h] > 0) {
            double sum = 0;
            for (size_t m = 0; m < ARV_INCOME_MONTHS; m++)
                sum += p->income_ring[m * p->n + h];
            double kids = p->n_children[h];
            double poor = (sum / ARV_INCOME_MONTHS < k->threshold_month) * kids;
            int immigrant = p->origin[h] != ORIGIN_NORWAY;
            arv_tally_add(t, m0 + 6, g, 0, poor, kids);
            arv_tally_add(t, m0 + 7 + !immigrant, g, 0, poor, kids);
        }
        arv_tally_add(t, m0 + 9, g, 0, p->arrears[h], 1);
        arv_tally_add(t, m0 + 10, g, 0, p->strain[h], 1);
        /* SA spells over the last 12 months, once 12 months of history exist */
        int months = __builtin_popcount(p->sa_history[h] & 0xFFFu);
        if (year && months > 0) {
            arv_tally_add(t, m0 + 11, g, 0, months, 1);
            arv_tally_add(t, m0 + 12 + (p->n_adults[h] == 1), g, 0, months, 1);
            arv_tally_add(t, m0 + 14, g, 0, months == 12, 1);
            arv_tally_add(t, m0 + 15, g, 0, months <= 2, 1);
        }
    }
}

const struct arv_model_ops arv_model_income = {
    .name = "income",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .setup = setup,
    .release = release,
    .prepare = prepare,
    .enroll = enroll,
    .step = step,
    .observe = observe,
};
