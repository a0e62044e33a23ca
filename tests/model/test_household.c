/*
 * The household model: benefit rules against hand-computed cases, limiting
 * cases, statistical checks with fixed seeds (tolerances k sd / sqrt(n)),
 * the trial sample against its targets, office effects and the ICC, and
 * improvement in both arms with every follow-up effect at zero.
 */
#include "testing.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arv/cli.h"
#include "arv/params.h"
#include "household.h"
#include "household_testing.h"
#include "income.h"

/* ---- helpers ----------------------------------------------------------- */

/* Mean over replicates of summary metric `name` for group g at month m. */
static double summary(const struct arv_world *w, const char *name, int g, int month)
{
    int m = arv_world_metric(w, name);
    assert_true(m >= 0);
    const struct arv_results *r = &w->results[ARV_TABLE_SUMMARY];
    double sum = 0;
    int n = 0;
    for (int rep = 0; rep < r->reps; rep++) {
        double v = r->value[(((size_t)rep * r->n_times + month / w->report_every) * r->n_groups +
                             g) * r->n_metrics + w->metric_table_index[m]];
        if (!isnan(v)) {
            sum += v;
            n++;
        }
    }
    return n ? sum / n : NAN;
}

/* Mean and standard error over replicates of (month b - month a). */
static void change(const struct arv_world *w, const char *name, int g, int a, int b,
                   double *mean, double *se)
{
    int m = arv_world_metric(w, name);
    const struct arv_results *r = &w->results[ARV_TABLE_SUMMARY];
    double s = 0, s2 = 0;
    for (int rep = 0; rep < r->reps; rep++) {
        size_t base = (size_t)rep * r->n_times;
        size_t ia = ((base + a) * r->n_groups + g) * r->n_metrics + w->metric_table_index[m];
        size_t ib = ((base + b) * r->n_groups + g) * r->n_metrics + w->metric_table_index[m];
        double d = r->value[ib] - r->value[ia];
        s += d;
        s2 += d * d;
    }
    *mean = s / r->reps;
    *se = sqrt((s2 / r->reps - *mean * *mean) / (r->reps - 1));
}

/* Household h's newborns: after a month's step the only children aged 0
 * (the others age first). */
static int newborns(const struct arv_pop *pop, size_t h)
{
    int born = 0;
    for (int c = 0; c < ARV_MAX_CHILDREN; c++)
        born += pop->child_age[(size_t)ARV_MAX_CHILDREN * h + c] == 0;
    return born;
}

/* A monthly hazard `rate` up to age 30 falling by `decline` (log) per year
 * beyond, as demography.c's births and partnership. */
static double hazard_by_age(double rate, double decline, int years)
{
    return rate * exp(-decline * (years > 30 ? years - 30 : 0));
}

/* Events of an age-dependent hazard, counted in two age groups, against
 * the sum of their probabilities (expect) within 4 sd (var: the sum of
 * q (1 - q)); each group must expect at least 300. */
static void check_age_groups(const double observed[2], const double expect[2],
                             const double var[2])
{
    for (int g = 0; g < 2; g++) {
        assert_true(expect[g] > 300);
        assert_near(observed[g], expect[g], 4 * sqrt(var[g]));
    }
}

/* ---- benefit rules (guideline rates 2019, sources.md G22) -------------- */

/* The default rules, with the guideline rates checked against G22 and the
 * other amounts (assumptions, which calibration may change) fixed here so
 * that the hand computations below stay valid. */
static struct arv_income_rules default_rules(void)
{
    struct arv_params *p = arv_registry_params(&arv_registry_default);
    struct arv_income_rules k;
    arv__income_rules_read(p, &k);
    arv_params_free(p);
    assert_near(k.sa_single, 6150, 0);
    assert_near(k.sa_couple, 10250, 0);
    assert_near(k.sa_child[0], 2400, 0);
    assert_near(k.sa_child[1], 3100, 0);
    assert_near(k.sa_child[2], 4000, 0);
    k.tax = 0.25;
    k.child_benefit[0] = k.child_benefit[1] = 1054;
    k.rent[HOUSING_TEMPORARY] = 3000;
    k.rent[HOUSING_MUNICIPAL] = 8000;
    k.rent[HOUSING_PRIVATE_STABLE] = 11000;
    k.rent[HOUSING_OWNER] = 9000;
    k.rent_person = 1200;
    k.ha_rate = 0.7;
    k.ha_own = 0.25;
    k.min_need = 500;
    k.threshold_month = 212000.0 / 12;
    return k;
}

/* (Rents, housing allowance, child benefit and tax as fixed in default_rules.)
 * A couple with children aged 3 and 8 in municipal housing and no income:
 * norm 10,250 + 2,400 + 3,100 = 15,750; housing 8,000 + 4 x 1,200 =
 * 12,800; needs 28,550. Housing allowance 0.7 x 12,800 = 8,960, child
 * benefit 2 x 1,054 = 2,108; SA = 28,550 - 11,068 = 17,482 and disposable
 * income equals the needs exactly. */
/* The children at home are the same slots whichever instruction set finds
 * them: every range (whole vectors and remainders) over households with 0
 * to 8 children in random slots. */
static void test_children_at_home_paths(void **state)
{
    (void)state;
    enum { HOUSEHOLDS = 70, SLOTS = 8 * HOUSEHOLDS };
    int16_t age[SLOTS];
    uint32_t fast[SLOTS], scalar[SLOTS];
    struct arv_rng r;
    arv_rng_init(&r, 99, 3);
    for (size_t i = 0; i < SLOTS; i++)
        age[i] = arv_rng_uniform(&r) < 0.4 ? (int16_t)(arv_rng_uniform(&r) * 216) : -1;
    for (size_t i0 = 0; i0 < 40; i0 += 8)
        for (size_t i1 = i0; i1 <= SLOTS; i1 += 8) {
            size_t a = arv__children_at_home(age, i0, i1, fast, ARV_ISA_AVX512);
            size_t b = arv__children_at_home(age, i0, i1, scalar, ARV_ISA_SCALAR);
            assert_int_equal(a, b);
            assert_memory_equal(fast, scalar, a * sizeof *fast);
            size_t expect = 0;
            for (size_t i = i0; i < i1; i++)
                if (age[i] >= 0)
                    assert_int_equal(scalar[expect++], i);
            assert_int_equal(b, expect);
        }
}

static void test_zero_income_topped_up_to_norm(void **state)
{
    struct arv_income_rules k = default_rules();
    struct arv_budget_case c = {.adults = 2, .children = {1, 1, 0},
                                .housing = HOUSING_MUNICIPAL, .takes_up = 1};
    struct arv_budget b;
    arv__budget(&k, &c, &b);
    assert_near(b.cost, 12800, 1e-9);
    assert_near(b.allowance, 8960, 1e-9);
    assert_near(b.needs, 28550, 1e-9);
    assert_near(b.sa, 17482, 1e-9);
    assert_near(b.disposable, b.needs, 1e-9);
    /* equivalised 28,550 / 2.1 = 13,595 < 212,000 / 12: low income */
    assert_near(b.equivalised, 28550 / 2.1, 1e-9);
    assert_int_equal(b.low_income, 1);
}

/* A single parent with a child of 12 in a stable private rental earning
 * 40,000 gross: housing 11,000 + 2 x 1,200 = 13,400; allowance
 * 0.7 x (13,400 - 0.25 x 40,000) = 2,380; net 30,000; needs
 * 6,150 + 4,000 + 13,400 = 23,550 < 30,000 + 1,054 + 2,380: no SA. */
static void test_family_above_norm_gets_none(void **state)
{
    struct arv_income_rules k = default_rules();
    struct arv_budget_case c = {.adults = 1, .children = {0, 0, 1},
                                .housing = HOUSING_PRIVATE_STABLE, .gross = 40000,
                                .takes_up = 1};
    struct arv_budget b;
    arv__budget(&k, &c, &b);
    assert_near(b.allowance, 2380, 1e-9);
    assert_near(b.needs, 23550, 1e-9);
    assert_near(b.sa, 0, 0);
    assert_near(b.disposable, 30000 + 1054 + 2380, 1e-9);
}

/* Part of the norm covered: SA pays exactly the rest; a family that does
 * not claim gets nothing; a need below income.sa_min_need is not paid. */
static void test_partial_need_and_takeup(void **state)
{
    struct arv_income_rules k = default_rules();
    /* single, two children 0-5, owner (no allowance), programme benefit */
    struct arv_budget_case c = {.adults = 1, .children = {2, 0, 0}, .housing = HOUSING_OWNER,
                                .programme = 13000, .takes_up = 1};
    struct arv_budget b;
    arv__budget(&k, &c, &b);
    double needs = 6150 + 2 * 2400 + 9000 + 3 * 1200;
    assert_near(b.needs, needs, 1e-9);
    assert_near(b.sa, needs - 13000 - 2 * 1054, 1e-9);
    c.takes_up = 0;
    arv__budget(&k, &c, &b);
    assert_near(b.sa, 0, 0);
    assert_near(b.disposable, 13000 + 2 * 1054, 1e-9);
    /* need of 300 NOK < 500 NOK minimum */
    c.takes_up = 1;
    c.programme = needs - 2 * 1054 - 300;
    arv__budget(&k, &c, &b);
    assert_near(b.sa, 0, 0);
}

/* Child benefit by age: with 1,354 NOK for a child under 6 (an illustrative
 * rate) and 1,054 from 6, the couple of
 * test_zero_income_topped_up_to_norm (children of 3 and 8) gets 2,408 and
 * 300 NOK less SA; its disposable income is still its needs. */
static void test_child_benefit_by_age(void **state)
{
    struct arv_income_rules k = default_rules();
    k.child_benefit[0] = 1354;
    struct arv_budget_case c = {.adults = 2, .children = {1, 1, 0},
                                .housing = HOUSING_MUNICIPAL, .takes_up = 1};
    struct arv_budget b;
    arv__budget(&k, &c, &b);
    assert_near(b.benefits, 8960 + 1354 + 1054, 1e-9);
    assert_near(b.sa, 17482 - 300, 1e-9);
    assert_near(b.disposable, 28550, 1e-9);
}

/* Temporary housing: the household pays a fixed amount, no allowance. */
static void test_temporary_housing_cost(void **state)
{
    struct arv_income_rules k = default_rules();
    struct arv_budget_case c = {.adults = 2, .children = {0, 0, 3},
                                .housing = HOUSING_TEMPORARY, .takes_up = 1};
    struct arv_budget b;
    arv__budget(&k, &c, &b);
    assert_near(b.cost, 3000, 1e-9);
    assert_near(b.allowance, 0, 0);
    assert_near(b.needs, 10250 + 3 * 4000 + 3000, 1e-9);
}

/* The start states' stationary distribution solves pi P = pi exactly: on a
 * ladder chain from the model's own matrix builder, against 10,000 steps
 * of the chain from a point mass (which converge geometrically). */
static void test_stationary_distribution(void **state)
{
    (void)state;
    double exp_alpha[25];
    signed char dir[25];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            exp_alpha[i * 5 + j] = i == j ? 0 : 0.02 + 0.01 * ((3 * i + 7 * j) % 5);
            dir[i * 5 + j] = (signed char)((j > i) - (j < i));
        }
    double P[25], pi[5], q[5] = {1, 0, 0, 0, 0}, next[5];
    arv__mnl_matrix(exp_alpha, dir, 5, 1.7, 0.6, 1.0, P);
    arv__stationary(P, 5, pi);
    for (int t = 0; t < 10000; t++) {
        for (int j = 0; j < 5; j++) {
            next[j] = 0;
            for (int i = 0; i < 5; i++)
                next[j] += q[i] * P[i * 5 + j];
        }
        memcpy(q, next, sizeof q);
    }
    double total = 0;
    for (int j = 0; j < 5; j++) {
        double moved = 0;
        for (int i = 0; i < 5; i++)
            moved += pi[i] * P[i * 5 + j];
        assert_near(moved, pi[j], 1e-14);
        assert_near(pi[j], q[j], 1e-12);
        assert_true(pi[j] > 0);
        total += pi[j];
    }
    assert_near(total, 1, 1e-14);
}

/* Parameter draws: replicate r of a run with parameter_draws is, exactly,
 * replicate r of a run with row r mod 2 set by hand (same keyed streams),
 * and the two rows give different results. */
static void test_parameter_draws_per_replicate(void **state)
{
    (void)state;
    const char *const base[] = {"population.households=600", "run.months=6", "run.burn_in=12",
                                "run.reps=3", NULL};
    struct arv_params *pd = params_with(FIXTURE("scenarios/draws_national.cfg"), base);
    struct arv_world *wd = world_of(pd);
    arv_world_run(wd);
    static const char *const rows[2][2] = {{"income.sa_takeup=0.5", "work.beta.other=-1.0"},
                                           {"income.sa_takeup=0.9", "work.beta.other=-1.6"}};
    static const char *const metrics[] = {"sa_receipt_rate", "employment_rate",
                                          "disposable_income_mean"};
    double first[2];
    for (int row = 0; row < 2; row++) {
        const char *sets[] = {base[0], base[1], base[2], base[3], rows[row][0], rows[row][1],
                              NULL};
        struct arv_params *p = params_with(FIXTURE("../../scenarios/national.cfg"), sets);
        struct arv_world *w = world_of(p);
        arv_world_run(w);
        for (int rep = row; rep < 3; rep += 2)
            for (int m = 0; m < 3; m++)
                for (int month = 0; month <= 6; month += 3)
                    assert_true(result_of(w, ARV_TABLE_SUMMARY, metrics[m], rep, month, 0) ==
                                result_of(wd, ARV_TABLE_SUMMARY, metrics[m], rep, month, 0));
        first[row] = result_of(w, ARV_TABLE_SUMMARY, "sa_receipt_rate", 0, 6, 0);
        arv_world_free(w);
        arv_params_free(p);
    }
    assert_true(first[0] < first[1]); /* take-up 0.5 against 0.9 */
    arv_world_free(wd);
    arv_params_free(pd);
}

/* ---- limiting cases ----------------------------------------------------- */

/* With every transition probability zero nothing moves: work and housing
 * states, household size and children are as at month 0 after two years. */
static void test_probability_zero_no_transitions(void **state)
{
    static const char *const sets[] = {
        "population.households=3000", "run.burn_in=0", "run.months=24",
        "demography.birth_rate=0", "demography.partnership_rate=0",
        "demography.separation_rate=0", "housing.churn_insecure=0",
        "followup.eligibility=none", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/holf_trial.cfg"), sets);
    struct arv_error err;
    arv_error_init(&err);
    const char *from_work[] = {"inactive", "seeking", "programme", "part_time", "full_time"};
    const char *from_housing[] = {"temporary", "municipal", "private_insecure", "private_stable",
                                  "owner"};
    char buf[160];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            if (i == j)
                continue;
            snprintf(buf, sizeof buf, "work.alpha.%s_to_%s=-50", from_work[i], from_work[j]);
            assert_int_equal(arv_params_set(p, buf, &err), ARV_OK);
            snprintf(buf, sizeof buf, "housing.alpha.%s_to_%s=-50", from_housing[i],
                     from_housing[j]);
            assert_int_equal(arv_params_set(p, buf, &err), ARV_OK);
        }
    struct arv_world *w = world_of(p);
    arv_world_start(w, 0);
    const struct arv_pop *pop = arv__pop(w);
    size_t n = w->n_households;
    uint8_t *work0 = malloc(n * ARV_MAX_ADULTS), *housing0 = malloc(n), *adults0 = malloc(n);
    memcpy(work0, pop->work, n * ARV_MAX_ADULTS);
    memcpy(housing0, pop->housing, n);
    memcpy(adults0, pop->n_adults, n);
    size_t moves = 0;
    for (int m = 0; m < 24; m++) {
        arv_world_step(w);
        for (size_t h = 0; h < n; h++)
            moves += pop->moved[h];
    }
    for (size_t h = 0; h < n; h++) {
        assert_int_equal(pop->housing[h], housing0[h]);
        assert_int_equal(pop->n_adults[h], adults0[h]);
        for (int a = 0; a < adults0[h]; a++)
            assert_int_equal(pop->work[ARV_MAX_ADULTS * h + a], work0[ARV_MAX_ADULTS * h + a]);
        for (int c = 0; c < ARV_MAX_CHILDREN; c++)
            assert_true(pop->child_age[ARV_MAX_CHILDREN * h + c] != 0); /* no births */
    }
    assert_int_equal(moves, 0);
    free(work0);
    free(housing0);
    free(adults0);
    arv_world_free(w);
    arv_params_free(p);
}

/* Unemployment benefit after a job loss needs income.ui.min_tenure months
 * in work, the month of entry included: an adult 11 months past entry
 * (work_months = 11) has worked 12 and is granted income.ui.months + 1
 * months, of which the job-loss month's pays nothing; one with 10 is not. */
static void test_benefit_tenure_counts_the_entry_month(void **state)
{
    static const char *const sets[] = {
        "population.households=4000", "run.burn_in=0", "run.months=1",
        "demography.birth_rate=0", "demography.partnership_rate=0",
        "demography.separation_rate=0", "followup.eligibility=none",
        "income.ui.min_tenure=12", "income.ui.months=12", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/holf_trial.cfg"), sets);
    struct arv_error err;
    arv_error_init(&err);
    const char *states[] = {"inactive", "seeking", "programme", "part_time", "full_time"};
    char buf[160];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++)
            if (i != j) {
                snprintf(buf, sizeof buf, "work.alpha.%s_to_%s=%d", states[i], states[j],
                         i == WORK_FULL_TIME && j == WORK_SEEKING ? 5 : -50);
                assert_int_equal(arv_params_set(p, buf, &err), ARV_OK);
            }
    struct arv_world *w = world_of(p);
    arv_world_start(w, 0);
    struct arv_pop *pop = arv__pop(w);
    size_t n = w->n_households;
    for (size_t h = 0; h < n; h++) {
        size_t i = ARV_MAX_ADULTS * h;
        pop->work[i] = WORK_FULL_TIME;
        pop->work_months[i] = (uint16_t)(h % 2 ? 11 : 10);
        pop->ui_months[i] = 0;
    }
    arv_world_step(w);
    size_t movers[2] = {0, 0};
    for (size_t h = 0; h < n; h++) {
        size_t i = ARV_MAX_ADULTS * h;
        if (pop->work[i] != WORK_SEEKING)
            continue;
        movers[h % 2]++;
        /* granted 13, one used up unpaid in the month of the job loss */
        assert_int_equal(pop->ui_months[i], h % 2 ? 12 : 0);
    }
    assert_true(movers[0] > 100 && movers[1] > 100);
    arv_world_free(w);
    arv_params_free(p);
}

/* A wage grows by income.wage_growth a year of work: after twelve months
 * it is wage0 x g^n, with g the monthly factor and n the months the adult
 * was in part- or full-time work (as income saw them, after the work
 * step); an adult never in work keeps wage0. The burn-in changes no wage. */
static void test_wage_grows_in_work(void **state)
{
    static const char *const sets[] = {
        "population.households=3000", "run.burn_in=0", "run.months=12",
        "demography.birth_rate=0", "demography.partnership_rate=0",
        "demography.separation_rate=0", "income.wage_growth=0.12", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/national.cfg"), sets);
    struct arv_world *w = world_of(p);
    arv_world_start(w, 0);
    struct arv_pop *pop = arv__pop(w);
    size_t na = ARV_MAX_ADULTS * w->n_households;
    float *wage0 = malloc(na * sizeof *wage0);
    int *months = calloc(na, sizeof *months);
    memcpy(wage0, pop->wage, na * sizeof *wage0);
    for (int m = 0; m < 12; m++) {
        arv_world_step(w);
        for (size_t i = 0; i < na; i++)
            months[i] += i % ARV_MAX_ADULTS < pop->n_adults[i / ARV_MAX_ADULTS] &&
                         (pop->work[i] == WORK_PART_TIME || pop->work[i] == WORK_FULL_TIME);
    }
    double g = exp(log1p(0.12) / 12);
    size_t never = 0, always = 0;
    for (size_t i = 0; i < na; i++) {
        if (months[i] == 0) {
            never++;
            assert_true(pop->wage[i] == wage0[i]);
        } else {
            always += months[i] == 12;
            /* (float rounding of each month's product) */
            assert_near(pop->wage[i], wage0[i] * pow(g, months[i]), 1e-6 * 12 * wage0[i]);
        }
    }
    assert_true(never > 300 && always > 1000);
    arv_world_free(w);

    /* the burn-in: the same population with 24 burn-in months starts with
     * the wages of one without */
    static const char *const burn[] = {"run.burn_in=24", NULL};
    for (int k = 0; burn[k]; k++) {
        struct arv_error err;
        arv_error_init(&err);
        assert_int_equal(arv_params_set(p, burn[k], &err), ARV_OK);
    }
    w = world_of(p);
    arv_world_start(w, 0);
    assert_memory_equal(arv__pop(w)->wage, wage0, na * sizeof *wage0);
    arv_world_free(w);
    free(months);
    free(wage0);
    arv_params_free(p);
}

/* The take-up propensity is drawn afresh with probability
 * income.takeup_renewal a month: over two months the share of families
 * whose propensity changed is 1 - (1 - q)^2 within 4 sd, the new values
 * are the logits of uniforms (half of them below 0, and half beyond
 * +-log 3: a uniform outside 1/4..3/4), and at 0 no propensity ever
 * changes. */
static void test_takeup_renewal(void **state)
{
    for (int k = 0; k < 2; k++) {
        const char *sets[] = {"population.households=6000", "run.burn_in=0", "run.months=2",
                              k ? "income.takeup_renewal=0.3" : "income.takeup_renewal=0",
                              NULL};
        struct arv_params *p = params_with(FIXTURE("../../scenarios/national.cfg"), sets);
        struct arv_world *w = world_of(p);
        arv_world_start(w, 0);
        struct arv_pop *pop = arv__pop(w);
        size_t n = w->n_households;
        float *before = malloc(n * sizeof *before);
        memcpy(before, pop->takeup, n * sizeof *before);
        arv_world_step(w);
        arv_world_step(w);
        double changed = 0, below = 0, beyond = 0;
        for (size_t h = 0; h < n; h++) {
            if (pop->takeup[h] == before[h])
                continue;
            changed++;
            below += pop->takeup[h] < 0;
            beyond += fabs(pop->takeup[h]) > log(3.0);
        }
        if (k == 0) {
            assert_true(changed == 0);
        } else {
            double q = 1 - 0.7 * 0.7;
            assert_near(changed / n, q, 4 * sqrt(q * (1 - q) / n));
            assert_near(below / changed, 0.5, 4 * sqrt(0.25 / changed));
            assert_near(beyond / changed, 0.5, 4 * sqrt(0.25 / changed));
        }
        free(before);
        arv_world_free(w);
        arv_params_free(p);
    }
}

/* An immigrant adult's years in Norway move on a year at month 12, and its
 * barrier by population.barrier_per_year: the work propensity factor
 * work_z changes then, by exp(beta_years (log(2 + y) - log(1 + y)) +
 * beta_barrier barrier_per_year), and not in months 1 to 11; a Norway-born
 * adult's does not change. */
static void test_years_in_norway_move_on(void **state)
{
    static const char *const sets[] = {"population.households=2000", "run.burn_in=0",
                                       "run.months=13", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/national.cfg"), sets);
    double beta_years = arv_params_double(p, "work.beta.years_norway");
    double beta_barrier = arv_params_double(p, "work.beta.barrier");
    double per_year = arv_params_double(p, "population.barrier_per_year");
    assert_true(beta_years != 0 && beta_barrier != 0 && per_year != 0);
    struct arv_world *w = world_of(p);
    arv_world_start(w, 0);
    struct arv_pop *pop = arv__pop(w);
    size_t na = ARV_MAX_ADULTS * w->n_households;
    float *z0 = malloc(na * sizeof *z0);
    memcpy(z0, pop->work_z, na * sizeof *z0);
    for (int m = 0; m < 12; m++)
        arv_world_step(w);
    assert_memory_equal(pop->work_z, z0, na * sizeof *z0);
    arv_world_step(w); /* month 12 */
    size_t immigrants = 0;
    for (size_t i = 0; i < na; i++) {
        if (pop->origin[i / ARV_MAX_ADULTS] == ORIGIN_NORWAY) {
            assert_true(pop->work_z[i] == z0[i]);
            continue;
        }
        immigrants++;
        double y = pop->years_norway[i];
        double factor = exp(beta_years * (log1p(y + 1) - log1p(y)) + beta_barrier * per_year);
        assert_near(pop->work_z[i], z0[i] * factor, 1e-6 * z0[i]);
    }
    assert_true(immigrants > 200);
    arv_world_free(w);
    free(z0);
    arv_params_free(p);
}

/* A household file's sa_months_last_year counts this month (bit 0 of the
 * history) only when on_sa is 1: not on SA now, the months are the ones
 * before it. */
static void test_file_sa_history(void **state)
{
    char file[] = "/tmp/arv-sa-history-XXXXXX";
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("household,office,origin,adults,education_1,education_2,years_norway_1,"
          "years_norway_2,work_state_1,work_state_2,housing,on_sa,sa_months_last_year,arrears,"
          "child_ages\n"
          "0,0,norway,1,primary,,0,,inactive,,municipal,0,6,0,24\n"
          "1,0,norway,1,primary,,0,,inactive,,municipal,1,6,0,24\n",
          f);
    fclose(f);
    char set_file[96];
    snprintf(set_file, sizeof set_file, "population.file=%s", file);
    const char *const sets[] = {set_file, "population.households=2", "offices.count=1",
                                "run.burn_in=0", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/national.cfg"), sets);
    struct arv_world *w = world_of(p);
    arv_world_draw(w, 0);
    const struct arv_pop *pop = arv__pop(w);
    assert_int_equal(pop->sa_history[0], 0x7E); /* months 1-6 ago */
    assert_int_equal(pop->sa_history[1], 0x3F); /* this month and 5 before */
    arv_world_free(w);
    arv_params_free(p);
    unlink(file);
}

/* With no guideline rates and no housing costs the family's needs are 0,
 * and with no benefits a family out of work has no income either:
 * financial strain's income gap is then 0, not 0 / 0, and strain stays a
 * number. */
static void test_strain_without_needs(void **state)
{
    static const char *const sets[] = {
        "population.households=500", "run.burn_in=12", "run.months=6",
        "income.sa.single=0", "income.sa.couple=0", "income.sa.child_0_5=0",
        "income.sa.child_6_10=0", "income.sa.child_11_17=0", "income.rent.temporary=0",
        "income.rent.municipal=0", "income.rent.private_insecure=0",
        "income.rent.private_stable=0", "income.rent.owner=0", "income.rent_per_person=0",
        "income.child_benefit.age_0_5=0", "income.child_benefit.age_6_17=0",
        "income.programme_benefit=0", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/national.cfg"), sets);
    struct arv_world *w = world_of(p);
    arv_world_run(w);
    const struct arv_pop *pop = arv__pop(w);
    for (size_t h = 0; h < w->n_households; h++) {
        assert_true(pop->needs[h] == 0);
        assert_true(pop->strain[h] >= 0 && pop->strain[h] <= 10);
    }
    double strain = summary(w, "financial_strain_mean", GROUP_ALL, 6);
    assert_true(strain >= 0 && strain <= 10);
    arv_world_free(w);
    arv_params_free(p);
}

/* With run.burn_in = 0 there is no income history at month 0: the parents'
 * income rank comes from the income their state implies, so every replicate
 * has a rank-rank slope, and similar ones. */
static void test_parent_rank_without_burn_in(void **state)
{
    static const char *const sets[] = {"population.households=8000", "run.burn_in=0",
                                       "run.reps=2", "young_adults.horizon=adulthood", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/national.cfg"), sets);
    struct arv_world *w = world_of(p);
    arv_world_run(w);
    int m = arv_world_metric_in(w, ARV_TABLE_TOTALS, "rank_rank_slope");
    assert_true(m >= 0);
    const struct arv_results *r = &w->results[ARV_TABLE_TOTALS];
    double slope[2];
    for (int rep = 0; rep < 2; rep++) {
        slope[rep] = r->value[(((size_t)rep * r->n_times) * r->n_groups + GROUP_ALL) *
                                  r->n_metrics + w->metric_table_index[m]];
        if (!(slope[rep] > 0.05 && slope[rep] < 0.3))
            fail_msg("replicate %d: rank-rank slope %g", rep, slope[rep]);
    }
    /* sd of one replicate's slope on about 16,000 young adults: about 0.01 */
    assert_near(slope[0], slope[1], 0.04);
    arv_world_free(w);
    arv_params_free(p);
}

/* ---- statistical checks ------------------------------------------------- */

/* With every covariate, office and duration effect at zero, the monthly
 * share of inactive adults who start seeking equals the multinomial-logit
 * probability exp(a) / (1 + sum exp(a_j)), within 4 sd / sqrt(n). */
static void test_work_transition_frequency(void **state)
{
    static const char *const sets[] = {
        "population.households=20000", "run.burn_in=0", "offices.sd_work=0",
        "offices.unemployment_sd=0", "work.duration=0", "work.beta.upper_secondary=0",
        "work.beta.tertiary=0", "work.beta.somalia=0", "work.beta.eritrea=0", "work.beta.iraq=0",
        "work.beta.afghanistan=0", "work.beta.other=0", "work.beta.years_norway=0",
        "work.beta.barrier=0", "work.beta.child_under_3=0", "work.beta.stress=0",
        "followup.eligibility=none", NULL};
    struct arv_params *p = params_with(NULL, sets);
    struct arv_world *w = world_of(p);
    double a[4] = {arv_params_double(p, "work.alpha.inactive_to_seeking"),
                   arv_params_double(p, "work.alpha.inactive_to_programme"),
                   arv_params_double(p, "work.alpha.inactive_to_part_time"),
                   arv_params_double(p, "work.alpha.inactive_to_full_time")};
    double total = 1;
    for (int j = 0; j < 4; j++)
        total += exp(a[j]);
    double expect = exp(a[0]) / total;
    arv_world_start(w, 0);
    const struct arv_pop *pop = arv__pop(w);
    size_t n = w->n_households * ARV_MAX_ADULTS;
    uint8_t *before = malloc(n), *present = malloc(n);
    double at_risk = 0, moved = 0;
    for (int m = 0; m < 12; m++) {
        memcpy(before, pop->work, n);
        for (size_t i = 0; i < n; i++)
            present[i] = (uint8_t)(i % ARV_MAX_ADULTS < pop->n_adults[i / ARV_MAX_ADULTS]);
        arv_world_step(w);
        for (size_t i = 0; i < n; i++)
            if (present[i] && before[i] == WORK_INACTIVE &&
                i % ARV_MAX_ADULTS < pop->n_adults[i / ARV_MAX_ADULTS]) {
                at_risk++;
                moved += pop->work[i] == WORK_SEEKING;
            }
    }
    double observed = moved / at_risk;
    assert_true(at_risk > 5000);
    assert_near(observed, expect, 4 * sqrt(expect * (1 - expect) / at_risk));
    free(before);
    free(present);
    arv_world_free(w);
    arv_params_free(p);
}

/* Housing by family size: with income, full-time work, arrears, office and
 * churn effects at zero, the monthly share of municipal tenants who move
 * to a stable private rental is exp(a_up + z) / (1 + sum_j exp(a_j +- z))
 * with z = housing.beta.size x (members beyond housing.size_reference),
 * + for moves up and - for moves down; checked for families at or below
 * the reference and for those two beyond it, within 4 sd / sqrt(n). The
 * members are those after the month's step: housing reads them after
 * demography, and nothing later in the month changes them. */
static void test_housing_transition_by_size(void **state)
{
    static const char *const sets[] = {
        "population.households=100000", "run.burn_in=0", "offices.sd_housing=0",
        "housing.beta.income=0", "housing.beta.fulltime=0", "housing.beta.arrears=0",
        "housing.churn_insecure=0", "housing.beta.size=-1", "housing.size_reference=3",
        "housing.alpha.municipal_to_private_stable=-2", "housing.alpha.municipal_to_temporary=-3",
        "followup.eligibility=none", NULL};
    struct arv_params *p = params_with(NULL, sets);
    struct arv_world *w = world_of(p);
    static const char *const to[] = {"temporary", "private_insecure", "private_stable", "owner"};
    static const int up[] = {-1, -1, 1, 1};
    double a[4];
    for (int j = 0; j < 4; j++) {
        char path[96];
        snprintf(path, sizeof path, "housing.alpha.municipal_to_%s", to[j]);
        a[j] = arv_params_double(p, path);
    }
    arv_world_start(w, 0);
    const struct arv_pop *pop = arv__pop(w);
    size_t n = w->n_households;
    uint8_t *before = malloc(n);
    double at_risk[2] = {0}, moved[2] = {0}; /* [0]: members <= 3, [1]: members = 5 */
    for (int m = 0; m < 6; m++) {
        memcpy(before, pop->housing, n);
        arv_world_step(w);
        for (size_t h = 0; h < n; h++) {
            int members = pop->n_adults[h] + pop->n_children[h];
            if (before[h] != HOUSING_MUNICIPAL || (members > 3 && members != 5))
                continue;
            int c = members == 5;
            at_risk[c]++;
            moved[c] += pop->housing[h] == HOUSING_PRIVATE_STABLE;
        }
    }
    for (int c = 0; c < 2; c++) {
        double z = -1.0 * (c ? 2 : 0), total = 1;
        for (int j = 0; j < 4; j++)
            total += exp(a[j] + up[j] * z);
        double expect = exp(a[2] + z) / total, observed = moved[c] / at_risk[c];
        /* (about 4,500 and 1,600 tenant-months; the two expectations,
         * 0.114 and 0.013, are over 20 sd apart) */
        assert_true(at_risk[c] > (c ? 1000 : 3000));
        assert_near(observed, expect, 4 * sqrt(expect * (1 - expect) / at_risk[c]));
    }
    free(before);
    arv_world_free(w);
    arv_params_free(p);
}

/* Births by the mother's age: a single father's household has none; a
 * mother's monthly hazard is demography.birth_rate up to 30 and falls by
 * demography.birth_age_decline (log) per year beyond, to 0 after
 * demography.birth_max_age. Births over six months against the sum of the
 * hazards, within 4 sd, for mothers up to 35 and beyond (where a hazard
 * that ignored age would be far off). A newborn is the only child aged 0
 * after a month's step (the others age first). */
static void test_births_by_mother_age(void **state)
{
    static const char *const sets[] = {
        "population.households=40000", "run.burn_in=0", "population.single_parent_share=1",
        "population.single_mother_share=0.5", "population.max_children=3",
        "demography.birth_rate=0.05", "demography.birth_age_decline=0.15",
        "demography.birth_max_age=45", "demography.partnership_rate=0",
        "followup.eligibility=none", NULL};
    struct arv_params *p = params_with(NULL, sets);
    struct arv_world *w = world_of(p);
    arv_world_start(w, 0);
    const struct arv_pop *pop = arv__pop(w);
    double expect[2] = {0}, var[2] = {0}, births[2] = {0}, fathers = 0, father_births = 0;
    for (int m = 0; m < 6; m++) {
        arv_world_step(w);
        for (size_t h = 0; h < w->n_households; h++) {
            size_t a0 = (size_t)ARV_MAX_ADULTS * h;
            int born = newborns(pop, h);
            if (!pop->female[a0]) {
                fathers++;
                father_births += born;
                continue;
            }
            if (pop->n_children[h] - born >= ARV_MAX_CHILDREN)
                continue; /* (no free slot) */
            /* her age in this month: a month older than at the start for
             * each month's step so far */
            int years = (pop->adult_age[a0] + m + 1) / 12, older = years > 35;
            double q = years > 45 ? 0 : hazard_by_age(0.05, 0.15, years);
            expect[older] += q;
            var[older] += q * (1 - q);
            births[older] += born;
        }
    }
    assert_true(fathers > 10000);
    assert_int_equal(father_births, 0);
    check_age_groups(births, expect, var);
    arv_world_free(w);
    arv_params_free(p);
}

/* The mother need not be the first adult: with every first adult a man
 * and every second adult a woman of 25, a couple has births at
 * demography.birth_rate and a single father none, though his absent
 * partner is a woman (the mother must be at home). The households are
 * set so after the start. */
static void test_births_mother_second_adult(void **state)
{
    static const char *const sets[] = {
        "population.households=20000", "run.burn_in=0", "population.max_children=3",
        "demography.birth_rate=0.05", "demography.partnership_rate=0",
        "demography.separation_rate=0", "followup.eligibility=none", NULL};
    struct arv_params *p = params_with(NULL, sets);
    struct arv_world *w = world_of(p);
    arv_world_start(w, 0);
    struct arv_pop *pop = arv__pop(w);
    for (size_t h = 0; h < w->n_households; h++) {
        size_t a0 = (size_t)ARV_MAX_ADULTS * h;
        pop->female[a0] = 0;
        pop->female[a0 + 1] = 1;
        pop->adult_age[a0] = pop->adult_age[a0 + 1] = 25 * 12;
    }
    double couples = 0, births[2] = {0}; /* [single father, couple] */
    for (int m = 0; m < 3; m++) {
        arv_world_step(w);
        for (size_t h = 0; h < w->n_households; h++) {
            int couple = pop->n_adults[h] == 2;
            births[couple] += newborns(pop, h);
            couples += couple;
        }
    }
    assert_int_equal(births[0], 0);
    assert_true(couples > 10000);
    assert_near(births[1], 0.05 * couples, 4 * sqrt(0.05 * 0.95 * couples));
    arv_world_free(w);
    arv_params_free(p);
}

/* Partnership by age: a single parent gains a partner with monthly hazard
 * demography.partnership_rate up to 30, falling by
 * demography.partnership_age_decline (log) per year beyond, by the age in
 * the month of the step. Partnerships over six months against the sum of
 * the hazards, within 4 sd, for single parents up to 35 and beyond. */
static void test_partnership_by_age(void **state)
{
    static const char *const sets[] = {
        "population.households=40000", "run.burn_in=0", "population.single_parent_share=1",
        "demography.partnership_rate=0.03", "demography.partnership_age_decline=0.2",
        "demography.separation_rate=0", "followup.eligibility=none", NULL};
    struct arv_params *p = params_with(NULL, sets);
    struct arv_world *w = world_of(p);
    arv_world_start(w, 0);
    const struct arv_pop *pop = arv__pop(w);
    size_t n = w->n_households;
    uint8_t *single = malloc(n);
    double expect[2] = {0}, var[2] = {0}, partnered[2] = {0};
    for (int m = 0; m < 6; m++) {
        for (size_t h = 0; h < n; h++)
            single[h] = pop->n_adults[h] == 1;
        arv_world_step(w);
        for (size_t h = 0; h < n; h++) {
            if (!single[h])
                continue;
            int years = (pop->adult_age[(size_t)ARV_MAX_ADULTS * h] + m + 1) / 12;
            int older = years > 35;
            double q = hazard_by_age(0.03, 0.2, years);
            expect[older] += q;
            var[older] += q * (1 - q);
            partnered[older] += pop->n_adults[h] == 2;
        }
    }
    check_age_groups(partnered, expect, var);
    free(single);
    arv_world_free(w);
    arv_params_free(p);
}

/* ---- the trial sample --------------------------------------------------- */

/* The enrolled families match the HOLF trial: 15 HOLF and 14 local-practice
 * offices (H02, H03), about 383 and 360 families (H11, H12), 78% immigrant
 * background (H13), 49% primary school or less (H15), 1-4 children and on
 * SA in at least 6 of the last 12 months (H17, H18). */
static void test_trial_sample(void **state)
{
    static const char *const sets[] = {"run.months=1", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/holf_trial.cfg"), sets);
    struct arv_world *w = world_of(p);
    double n = 0, imm = 0, primary = 0, holf = 0, coord = 0;
    const int reps = 4;
    for (int rep = 0; rep < reps; rep++) {
        arv_world_start(w, (uint32_t)rep);
        const struct arv_pop *pop = arv__pop(w);
        int arms[N_ARMS] = {0};
        for (int o = 0; o < pop->n_offices; o++)
            arms[pop->offices[o].arm]++;
        assert_int_equal(arms[ARM_HOLF], 15);
        assert_int_equal(arms[ARM_COORDINATOR], 14);
        for (size_t h = 0; h < w->n_households; h++) {
            if (pop->group[h] == GROUP_NONE)
                continue;
            n++;
            imm += pop->origin[h] != ORIGIN_NORWAY;
            primary += pop->education[ARV_MAX_ADULTS * h] == EDU_PRIMARY;
            holf += pop->group[h] == GROUP_HOLF;
            coord += pop->group[h] == GROUP_COORDINATOR;
            assert_true(pop->n_children[h] >= 1 && pop->n_children[h] <= 4);
            assert_true(pop->sa[h]);
            assert_true(__builtin_popcount(pop->sa_history[h] & 0xFFFu) >= 6);
            if (pop->group[h] != GROUP_USUAL)
                assert_int_equal(pop->followup_month[h], 0);
        }
    }
    assert_near(imm / n, 0.78, 4 * sqrt(0.78 * 0.22 / n));
    assert_near(primary / n, 0.49, 4 * sqrt(0.49 * 0.51 / n));
    /* at most 26 drawn per office; the pool leaves few offices short */
    assert_true(holf / reps <= 15 * 26 && holf / reps > 383 * 0.95);
    assert_true(coord / reps <= 14 * 26 && coord / reps > 360 * 0.95);
    arv_world_free(w);
    arv_params_free(p);
}

/* ---- office effects and the ICC ----------------------------------------- */

static double icc_employment(double sd_work, int reps)
{
    char sd[64], r[64];
    snprintf(sd, sizeof sd, "offices.sd_work=%g", sd_work);
    snprintf(r, sizeof r, "run.reps=%d", reps);
    const char *const sets[] = {sd, r, "run.months=12", "offices.sd_economy=0",
                                "offices.sd_housing=0", "offices.sd_children=0",
                                "offices.unemployment_sd=0", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/holf_trial.cfg"), sets);
    struct arv_world *w = world_of(p);
    arv_world_run(w);
    int m = arv_world_metric(w, "icc_employment");
    const struct arv_results *t = &w->results[ARV_TABLE_TOTALS];
    double s = 0;
    for (int rep = 0; rep < reps; rep++)
        s += t->value[(size_t)rep * t->n_groups * t->n_metrics + w->metric_table_index[m]];
    arv_world_free(w);
    arv_params_free(p);
    return s / reps;
}

/* Without office effects the estimated ICC is near zero (the ANOVA
 * estimator's sampling mean is about -1/(n0 - 1) there); larger office
 * effects give a larger ICC, near the latent 0.046 at the default 0.4. */
static void test_icc_follows_office_effects(void **state)
{
    double none = icc_employment(0.0, 8), mid = icc_employment(0.4, 8),
           big = icc_employment(1.0, 8);
    assert_true(fabs(none) < 0.015);
    assert_true(mid > none + 0.01 && mid < 0.12);
    assert_true(big > mid + 0.03);
}

/* Children's inclusion with every other influence switched off is
 *   x' = rho x + (1 - rho) (trait + office effect) + sd e,
 * so with one child per family its stationary ICC across offices is
 *   sd_c^2 / (sd_c^2 + trait_sd^2 + sd^2 / (1 - rho^2)).
 * The estimated ICC (totals.csv icc_child_inclusion) must match it within
 * 4 standard errors of the ANOVA estimator over the replicates. */
static void test_icc_matches_configured_office_variance(void **state)
{
    static const char *const sets[] = {
        "population.households=20000", "offices.count=200", "offices.holf=0",
        "offices.coordinator=0", "followup.eligibility=none", "population.extra_children_mean=0",
        "population.max_children=1", "run.months=12", "run.reps=4", "run.burn_in=80",
        "demography.birth_rate=0", "offices.sd_children=0.4", "children.inclusion.trait_sd=0.5",
        "children.inclusion.sd=0.25", "children.inclusion.persistence=0.9",
        "children.inclusion.participation=0", "children.inclusion.low_income=0",
        "children.inclusion.temporary=0", "children.inclusion.insecure=0",
        "children.inclusion.move=0", "children.inclusion.stress=0", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/holf_trial.cfg"), sets);
    struct arv_world *w = world_of(p);
    arv_world_run(w);
    int m = arv_world_metric(w, "icc_child_inclusion");
    const struct arv_results *t = &w->results[ARV_TABLE_TOTALS];
    double s = 0;
    for (int rep = 0; rep < t->reps; rep++)
        s += t->value[(size_t)rep * t->n_groups * t->n_metrics + w->metric_table_index[m]];
    double estimate = s / t->reps;
    double between = 0.4 * 0.4, within = 0.5 * 0.5 + 0.25 * 0.25 / (1 - 0.9 * 0.9);
    double icc = between / (between + within);
    /* sampling variance of the ANOVA estimator, k clusters of size n */
    double n = 100, k = 200;
    double var = 2 * pow(1 - icc, 2) * pow(1 + (n - 1) * icc, 2) / (n * (n - 1) * (k - 1));
    assert_near(estimate, icc, 4 * sqrt(var / t->reps));
    arv_world_free(w);
    arv_params_free(p);
}

/* ---- mechanism: both arms improve with zero effects --------------------- */

/* Every follow-up effect at zero: from month 0 to 12 financial strain falls
 * and children's inclusion rises in both trial arms, by more than 3
 * standard errors over 12 replicates (eligibility selects families at a
 * low point; see docs/model.md). */
static void test_both_arms_improve_without_effects(void **state)
{
    static const char *const sets[] = {
        "run.months=12", "run.reps=12",
        "followup.coordinator.effect.work=0", "followup.coordinator.effect.housing=0",
        "followup.coordinator.effect.economy=0", "followup.coordinator.effect.children=0",
        "followup.holf.effect.work=0", "followup.holf.effect.housing=0",
        "followup.holf.effect.economy=0", "followup.holf.effect.children=0", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/holf_trial.cfg"), sets);
    struct arv_world *w = world_of(p);
    arv_world_run(w);
    const int arms[] = {GROUP_COORDINATOR, GROUP_HOLF};
    for (int k = 0; k < 2; k++) {
        double d, se;
        change(w, "financial_strain_mean", arms[k], 0, 12, &d, &se);
        if (!(d < -3 * se))
            fail_msg("group %d: strain change %g (se %g) is not a clear fall", arms[k], d, se);
        change(w, "child_inclusion_mean", arms[k], 0, 12, &d, &se);
        if (!(d > 3 * se))
            fail_msg("group %d: inclusion change %g (se %g) is not a clear rise", arms[k], d, se);
        change(w, "survey_financial_strain_mean", arms[k], 0, 12, &d, &se);
        if (!(d < 0))
            fail_msg("group %d: reported strain did not fall (%g)", arms[k], d);
    }
    /* and with zero effects the arms do not differ at month 12 beyond noise */
    double diff = summary(w, "employment_rate", GROUP_HOLF, 12) -
                  summary(w, "employment_rate", GROUP_COORDINATOR, 12);
    assert_true(fabs(diff) < 0.05);
    arv_world_free(w);
    arv_params_free(p);
}

/* Common random numbers: two scenarios that differ in one effect draw the
 * same numbers for everything else, so the replicate-by-replicate
 * difference of the metric the effect acts on (HOLF employment) varies far
 * less than between independent seeds: at least 5 times less in variance.
 * (SA receipt, one step further from the effect, gains about 4 times.) */
static double metric_at(const struct arv_world *w, const char *name, int g, int month, int rep)
{
    int m = arv_world_metric(w, name);
    const struct arv_results *r = &w->results[ARV_TABLE_SUMMARY];
    return r->value[(((size_t)rep * r->n_times + month) * r->n_groups + g) * r->n_metrics +
                    w->metric_table_index[m]];
}

/* Runs the trial scenario; *params must be freed after the world. */
static struct arv_world *run_trial(const char *seed, const char *effect,
                                   struct arv_params **params)
{
    const char *const sets[] = {"run.months=24", "run.reps=10", seed, effect, NULL};
    *params = params_with(FIXTURE("../../scenarios/holf_trial.cfg"), sets);
    struct arv_world *w = world_of(*params);
    arv_world_run(w);
    return w;
}

static void test_common_random_numbers(void **state)
{
    struct arv_params *params[3];
    struct arv_world *base = run_trial("run.seed=11", "followup.holf.effect.work=0.05", &params[0]);
    struct arv_world *more = run_trial("run.seed=11", "followup.holf.effect.work=0.2", &params[1]);
    struct arv_world *other = run_trial("run.seed=12", "followup.holf.effect.work=0.2", &params[2]);
    const char *const metrics[] = {"employment_rate"};
    for (int k = 0; k < 1; k++) {
        double sp = 0, sp2 = 0, si = 0, si2 = 0;
        int n = 10;
        for (int rep = 0; rep < n; rep++) {
            double a = metric_at(base, metrics[k], GROUP_HOLF, 24, rep);
            double paired = metric_at(more, metrics[k], GROUP_HOLF, 24, rep) - a;
            double indep = metric_at(other, metrics[k], GROUP_HOLF, 24, rep) - a;
            sp += paired, sp2 += paired * paired;
            si += indep, si2 += indep * indep;
        }
        double var_paired = (sp2 - sp * sp / n) / (n - 1);
        double var_indep = (si2 - si * si / n) / (n - 1);
        if (!(var_paired * 5 < var_indep))
            fail_msg("%s: paired variance %g is not 5x below independent %g", metrics[k],
                     var_paired, var_indep);
        /* and the stronger effect shows in the paired difference */
        if (k == 0)
            assert_true(sp / n > 0);
    }
    struct arv_world *worlds[] = {base, more, other};
    for (int k = 0; k < 3; k++) {
        arv_world_free(worlds[k]);
        arv_params_free(params[k]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_children_at_home_paths),
        cmocka_unit_test(test_zero_income_topped_up_to_norm),
        cmocka_unit_test(test_family_above_norm_gets_none),
        cmocka_unit_test(test_partial_need_and_takeup),
        cmocka_unit_test(test_child_benefit_by_age),
        cmocka_unit_test(test_temporary_housing_cost),
        cmocka_unit_test(test_stationary_distribution),
        cmocka_unit_test(test_parameter_draws_per_replicate),
        cmocka_unit_test(test_probability_zero_no_transitions),
        cmocka_unit_test(test_benefit_tenure_counts_the_entry_month),
        cmocka_unit_test(test_strain_without_needs),
        cmocka_unit_test(test_file_sa_history),
        cmocka_unit_test(test_wage_grows_in_work),
        cmocka_unit_test(test_years_in_norway_move_on),
        cmocka_unit_test(test_takeup_renewal),
        cmocka_unit_test(test_parent_rank_without_burn_in),
        cmocka_unit_test(test_work_transition_frequency),
        cmocka_unit_test(test_housing_transition_by_size),
        cmocka_unit_test(test_births_by_mother_age),
        cmocka_unit_test(test_births_mother_second_adult),
        cmocka_unit_test(test_partnership_by_age),
        cmocka_unit_test(test_trial_sample),
        cmocka_unit_test(test_icc_follows_office_effects),
        cmocka_unit_test(test_icc_matches_configured_office_variance),
        cmocka_unit_test(test_both_arms_improve_without_effects),
        cmocka_unit_test(test_common_random_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
