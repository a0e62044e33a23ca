/*
 * Young adults and the cost ledger: discounting identities, the ledger's
 * accounting identity, kappa = 0 isolation, and the register patterns the
 * national scenario must reproduce with usual care (sources.md G35-G37,
 * G40), with tolerances of k sd / sqrt(n).
 */
#include "testing.h"

#include <stdlib.h>
#include <string.h>

#include "household.h"
#include "household_testing.h"
#include "ledger.h"

/* ---- discounting --------------------------------------------------------- */

static void test_discounting_identities(void **state)
{
    struct arv_discount d = {0.04, 0.04, 40};
    /* 1,000 NOK in year 10 at 4% */
    assert_near(1000 * arv__discount_factor(&d, 10), 675.56, 0.005);
    assert_near(arv__discount_factor(&d, 0), 1.0, 0);
    /* one rate throughout: the factors multiply */
    assert_near(arv__discount_factor(&d, 50),
                arv__discount_factor(&d, 40) * arv__discount_factor(&d, 10), 1e-15);
    /* a lower rate after 40 years applies to the years beyond only */
    struct arv_discount late = {0.04, 0.03, 40};
    assert_near(arv__discount_factor(&late, 30), arv__discount_factor(&d, 30), 0);
    assert_near(arv__discount_factor(&late, 50), pow(1.04, -40) * pow(1.03, -10), 1e-15);
    assert_true(arv__discount_factor(&late, 50) > arv__discount_factor(&d, 50));
}

/* ---- the ledger ------------------------------------------------------------ */

static void test_ledger_accounts(void **state)
{
    const char *const sets[] = {"population.households=3000", "run.reps=2", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/holf_trial.cfg"), sets);
    struct arv_world *w = world_of(p);
    arv_world_run(w);
    const char *parts[] = {"cost_programme", "cost_sa", "cost_transfers",
                           "cost_temporary_housing", "tax_earnings"};
    for (int rep = 0; rep < 2; rep++)
        for (int g = GROUP_ALL; g <= GROUP_HOLF; g++)
            for (int disc = 0; disc < 2; disc++) {
                char name[64];
                double parts_sum = 0;
                for (int k = 0; k < 5; k++) {
                    snprintf(name, sizeof name, "%s%s", parts[k], disc ? "_discounted" : "");
                    double v = result_of(w, ARV_TABLE_TOTALS, name, rep, 0, g);
                    parts_sum += k == 4 ? -v : v;
                    /* discounting only shrinks what is paid after month 0 */
                    if (disc) {
                        char undiscounted[64];
                        snprintf(undiscounted, sizeof undiscounted, "%s", parts[k]);
                        assert_true(v <= result_of(w, ARV_TABLE_TOTALS, undiscounted, rep, 0, g));
                    }
                }
                snprintf(name, sizeof name, "net_public_cost%s", disc ? "_discounted" : "");
                double net = result_of(w, ARV_TABLE_TOTALS, name, rep, 0, g);
                assert_near(net, parts_sum, 1e-6 * fabs(net));
            }
    /* programme costs fall on the followed arms only, and there add up to the
     * offices' grant: 29 offices x 915,000 NOK a year while they follow families */
    assert_near(result_of(w, ARV_TABLE_TOTALS, "cost_programme", 0, 0, GROUP_USUAL), 0, 0);
    assert_true(result_of(w, ARV_TABLE_TOTALS, "cost_programme", 0, 0, GROUP_HOLF) > 0);
    double per_household = result_of(w, ARV_TABLE_TOTALS, "cost_programme", 0, 0, GROUP_ALL);
    double families = result_of(w, ARV_TABLE_SUMMARY, "families", 0, 0, GROUP_ALL);
    double total = per_household * families;
    /* follow-up lasts 24 months (followup.duration_months) in each office */
    assert_near(total, 29 * 915000.0 * 2, 29 * 915000.0 * 2 * 1e-6);
    arv_world_free(w);
    arv_params_free(p);
}

/* ---- kappa = 0 isolation -------------------------------------------------- */

/* The young-adult results of the trial scenario run for 60 months (children
 * aged 13 and over at month 0 leave home during it) with the given follow-up
 * effects and causal share. */
static struct arv_world *run_effects(const char *kappa, double effect, struct arv_params **p)
{
    char economy[64], children[64], housing[64];
    snprintf(economy, sizeof economy, "followup.holf.effect.economy=%g", effect);
    snprintf(children, sizeof children, "followup.holf.effect.children=%g", effect);
    snprintf(housing, sizeof housing, "followup.holf.effect.housing=%g", effect);
    const char *const sets[] = {"run.months=60", "run.reps=2", "population.households=3000",
                                kappa, economy, children, housing, NULL};
    *p = params_with(FIXTURE("../../scenarios/holf_trial.cfg"), sets);
    struct arv_world *w = world_of(*p);
    arv_world_run(w);
    return w;
}

static bool young_adults_equal(const struct arv_world *a, const struct arv_world *b)
{
    const struct arv_results *ra = &a->results[ARV_TABLE_YOUNG_ADULTS];
    const struct arv_results *rb = &b->results[ARV_TABLE_YOUNG_ADULTS];
    size_t n = (size_t)ra->reps * ra->n_times * ra->n_groups * ra->n_metrics;
    /* NANs (no young adult in a cell) compare by bytes too */
    return memcmp(ra->value, rb->value, n * sizeof(double)) == 0;
}

static void test_kappa_zero_isolates_young_adults(void **state)
{
    struct arv_params *p[4];
    struct arv_world *base0 = run_effects("young_adults.causal_share=0", 0, &p[0]);
    struct arv_world *policy0 =
        run_effects("young_adults.causal_share=0", 1.5, &p[1]);
    struct arv_world *base1 = run_effects("young_adults.causal_share=1", 0, &p[2]);
    struct arv_world *policy1 =
        run_effects("young_adults.causal_share=1", 1.5, &p[3]);
    /* the policy changed the children's exposures... */
    double incl0 = result_of(base0, ARV_TABLE_SUMMARY, "child_inclusion_mean", 0, 24, GROUP_HOLF);
    double incl1 = result_of(policy0, ARV_TABLE_SUMMARY, "child_inclusion_mean", 0, 24, GROUP_HOLF);
    double temp0 = result_of(base0, ARV_TABLE_SUMMARY, "temporary_housing_rate", 0, 24, GROUP_HOLF);
    double temp1 = result_of(policy0, ARV_TABLE_SUMMARY, "temporary_housing_rate", 0, 24, GROUP_HOLF);
    if (!(incl1 > incl0 + 0.1 && temp1 < temp0))
        fail_msg("the policy did not change exposures: inclusion %g -> %g, temporary %g -> %g",
                 incl0, incl1, temp0, temp1);
    /* ...and with kappa = 0 none of it reaches the young adults, bit for bit */
    assert_true(young_adults_equal(base0, policy0));
    /* with kappa = 1 it does (so the check above can fail) */
    assert_false(young_adults_equal(base1, policy1));
    struct arv_world *worlds[] = {base0, policy0, base1, policy1};
    for (int k = 0; k < 4; k++) {
        arv_world_free(worlds[k]);
        arv_params_free(p[k]);
    }
}

/* ---- register patterns (national, usual care) ----------------------------- */

enum { GROUP_SA_CHILDHOOD = 4, GROUP_NO_SA_CHILDHOOD = 5 };

/* Mean of young-adult metric over ages [a0, a1] in group g, and the number
 * of young adults it rests on (for the tolerance). */
static double ya_mean(const struct arv_world *w, const char *name, int g, int a0, int a1)
{
    double sum = 0;
    for (int a = a0; a <= a1; a++)
        sum += result_of(w, ARV_TABLE_YOUNG_ADULTS, name, 0, a - 18, g);
    return sum / (a1 - a0 + 1);
}

static void test_register_patterns_national(void **state)
{
    const char *const sets[] = {"population.households=20000", "run.reps=1",
                                "run.report_every=12", "young_adults.horizon=adulthood", NULL};
    struct arv_params *p = params_with(FIXTURE("../../scenarios/national.cfg"), sets);
    struct arv_world *w = world_of(p);
    assert_int_equal(w->months, 216); /* until every child at month 0 has left home */
    arv_world_run(w);
    /* young adults per group (each is counted once per age) */
    int m = arv_world_metric_in(w, ARV_TABLE_YOUNG_ADULTS, "sa_rate");
    assert_true(m >= 0);
    double n_sa = 0, n_other = 0;
    for (size_t c = 0; c < w->n_chunks; c++) {
        /* the last replicate's tallies are still in the chunks: age 20 */
        size_t slots = (size_t)w->n_ages, size = (size_t)w->table_size[ARV_TABLE_YOUNG_ADULTS];
        size_t local = (size_t)w->metric_table_index[m];
        n_sa += w->chunk_tally[c].den[ARV_TABLE_YOUNG_ADULTS][(GROUP_SA_CHILDHOOD * slots + 2) *
                                                                  size + local];
        n_other += w->chunk_tally[c].den[ARV_TABLE_YOUNG_ADULTS]
                                        [(GROUP_NO_SA_CHILDHOOD * slots + 2) * size + local];
    }
    assert_true(n_sa > 1000 && n_other > 10000);
    /* SA at 20: about 25% for those who grew up with it (G35), 5.5% for
     * others (G36); k = 4 binomial sd plus 0.02 for the targets' own spread */
    double sa20 = ya_mean(w, "sa_rate", GROUP_SA_CHILDHOOD, 20, 20);
    double other20 = ya_mean(w, "sa_rate", GROUP_NO_SA_CHILDHOOD, 20, 20);
    assert_near(sa20, 0.255, 4 * sqrt(0.25 * 0.75 / n_sa) + 0.02);
    assert_near(other20, 0.055, 4 * sqrt(0.055 * 0.945 / n_other) + 0.01);
    /* the relative risk of about 4 (G37) */
    assert_true(sa20 / other20 > 3.0 && sa20 / other20 < 6.0);
    /* falling to about 16% at 25-27 (G35: 15.8-18.8) */
    assert_near(ya_mean(w, "sa_rate", GROUP_SA_CHILDHOOD, 25, 27), 0.165,
                4 * sqrt(0.165 * 0.835 / n_sa) + 0.02);
    assert_true(ya_mean(w, "sa_rate", GROUP_SA_CHILDHOOD, 25, 27) < sa20);
    /* rank-rank slope 0.168 (G40); sd of a slope on n = 50,000 ranks is
     * about 0.005 */
    double slope = result_of(w, ARV_TABLE_TOTALS, "rank_rank_slope", 0, 0, GROUP_ALL);
    assert_near(slope, 0.168, 0.03);
    arv_world_free(w);
    arv_params_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discounting_identities),
        cmocka_unit_test(test_ledger_accounts),
        cmocka_unit_test(test_kappa_zero_isolates_young_adults),
        cmocka_unit_test(test_register_patterns_national),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
