/*
 * The cost ledger (MODEL.md section 6): per household and month from month 0,
 * what the public purse pays and receives, undiscounted and discounted to
 * month 0, and the outcomes a cost-effectiveness ratio divides by. The
 * ledger is kept as sums per chunk of households and group (the metrics are
 * per household of a group), which the monthly step adds to once per month.
 *
 *   programme   an office's grant (per office, or per coordinator) for each
 *               month it follows families, shared equally among the
 *               families it follows actively that month;
 *   SA          social assistance paid (income.c, including one-off SA);
 *   transfers   child benefit, housing allowance, programme and
 *               unemployment benefit (income.c, after tax);
 *   temporary   the municipality's cost of a month in temporary housing
 *               beyond the rent the family pays;
 *   tax         taxes on the adults' earnings (income.tax_rate of gross).
 * net public cost = programme + SA + transfers + temporary - tax.
 * Outcomes: employment years (adult-months in work / 12) and child
 * low-income years (child-months in low income / 12).
 * The children's own adult ledger (earnings, taxes, SA from 18 to 35) is
 * kept by young_adults.c.
 */
#include "household.h"
#include "ledger.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct arv_param_def defs[] = {
    {"costs.programme.basis", ARV_PARAM_ENUM, 0, 0, 0, "-",
     "'office': each office with coordinators costs costs.programme.office_year; "
     "'coordinator': each coordinator costs costs.programme.coordinator_year.",
     "assumption", "office", "office|coordinator"},
    {"costs.programme.office_year", ARV_PARAM_DOUBLE, 915000, 0, 1e9, "NOK/year",
     "Programme cost per office with coordinators, per year it follows families.",
     "sources.md (NAV's grant per trial office)", NULL, NULL},
    {"costs.programme.coordinator_year", ARV_PARAM_DOUBLE, 457500, 0, 1e9, "NOK/year",
     "Programme cost per coordinator per year (basis 'coordinator').",
     "derived: 915,000 per office / 2 coordinators (H04, H05)", NULL, NULL},
    {"costs.temporary_housing_month", ARV_PARAM_DOUBLE, 15000, 0, 1e7, "NOK/month",
     "Municipal cost of a household-month in temporary housing beyond the rent it pays.",
     "assumption", NULL, NULL},
    {"costs.discount_rate", ARV_PARAM_DOUBLE, 0.04, 0, 0.2, "per year",
     "Discount rate for costs and outcomes (Norwegian guidance).", "MODEL.md section 6", NULL,
     NULL},
    {"costs.discount_rate_late", ARV_PARAM_DOUBLE, 0.04, 0, 0.2, "per year",
     "Discount rate for the years after costs.discount_switch_years (e.g. 0.03; equal to "
     "costs.discount_rate: no switch).",
     "MODEL.md section 6", NULL, NULL},
    {"costs.discount_switch_years", ARV_PARAM_DOUBLE, 40, 0, 1000, "years",
     "Years after month 0 from which costs.discount_rate_late applies.", "MODEL.md section 6",
     NULL, NULL},
    {"costs.value.employment_year", ARV_PARAM_DOUBLE, 0, 0, 1e8, "NOK",
     "Willingness to pay for one more employment year, beyond its fiscal effect (net monetary "
     "benefit in arv compare; 0: the net benefit is the fiscal one).",
     "assumption", NULL, NULL},
    {"costs.value.child_poverty_year", ARV_PARAM_DOUBLE, 0, 0, 1e8, "NOK",
     "Willingness to pay for one child-year of low income avoided (net monetary benefit in "
     "arv compare).",
     "assumption", NULL, NULL},
};

/* ledger entries, each undiscounted then discounted */
enum { L_PROGRAMME, L_SA, L_TRANSFERS, L_TEMPORARY, L_TAX, L_NET, L_EMPLOYMENT, L_CHILD_POOR,
       N_LEDGER };

static const struct arv_metric_def metrics[] = {
    {"cost_programme", ARV_TABLE_TOTALS, "programme cost, NOK per household", ARV_STAT_RATIO},
    {"cost_programme_discounted", ARV_TABLE_TOTALS, "programme cost, discounted, NOK per household", ARV_STAT_RATIO},
    {"cost_sa", ARV_TABLE_TOTALS, "social assistance paid, NOK per household", ARV_STAT_RATIO},
    {"cost_sa_discounted", ARV_TABLE_TOTALS, "social assistance paid, discounted, NOK per household", ARV_STAT_RATIO},
    {"cost_transfers", ARV_TABLE_TOTALS, "other transfers paid (after tax), NOK per household", ARV_STAT_RATIO},
    {"cost_transfers_discounted", ARV_TABLE_TOTALS, "other transfers paid, discounted, NOK per household", ARV_STAT_RATIO},
    {"cost_temporary_housing", ARV_TABLE_TOTALS, "municipal temporary-housing cost, NOK per household", ARV_STAT_RATIO},
    {"cost_temporary_housing_discounted", ARV_TABLE_TOTALS, "municipal temporary-housing cost, discounted, NOK per household", ARV_STAT_RATIO},
    {"tax_earnings", ARV_TABLE_TOTALS, "taxes on the adults' earnings, NOK per household", ARV_STAT_RATIO},
    {"tax_earnings_discounted", ARV_TABLE_TOTALS, "taxes on the adults' earnings, discounted, NOK per household", ARV_STAT_RATIO},
    {"net_public_cost", ARV_TABLE_TOTALS, "programme + SA + transfers + temporary housing - taxes, NOK per household", ARV_STAT_RATIO},
    {"net_public_cost_discounted", ARV_TABLE_TOTALS, "net public cost, discounted, NOK per household", ARV_STAT_RATIO},
    {"employment_years", ARV_TABLE_TOTALS, "adult years in work, per household", ARV_STAT_RATIO},
    {"employment_years_discounted", ARV_TABLE_TOTALS, "adult years in work, discounted, per household", ARV_STAT_RATIO},
    {"child_low_income_years", ARV_TABLE_TOTALS, "child-years in low income, per household", ARV_STAT_RATIO},
    {"child_low_income_years_discounted", ARV_TABLE_TOTALS, "child-years in low income, discounted, per household", ARV_STAT_RATIO},
    {"net_public_cost_per_child", ARV_TABLE_TOTALS, "net public cost, NOK per child at home at month 0", ARV_STAT_RATIO},
    {"net_public_cost_per_child_discounted", ARV_TABLE_TOTALS, "net public cost, discounted, NOK per child at home at month 0", ARV_STAT_RATIO},
};

struct costs {
    int per_coordinator;
    double office_month, coordinator_month, temporary_month, tax_share, coordinators;
    int duration, n_groups;
    struct arv_discount discount;
    /* sums per chunk and group: [(chunk * n_groups + group) * 2 * N_LEDGER + 2 * entry +
     * discounted]; each month a chunk's flows are summed per group first and
     * discounted once */
    double *ledger;
    size_t n_chunks;
    uint8_t *children0; /* children at home at month 0, by identity (arv__id) */
};

void arv__discount_read(const struct arv_params *p, struct arv_discount *d)
{
    d->rate = arv_params_double(p, "costs.discount_rate");
    d->late_rate = arv_params_double(p, "costs.discount_rate_late");
    d->switch_years = arv_params_double(p, "costs.discount_switch_years");
}

double arv__discount_factor(const struct arv_discount *d, double t)
{
    if (t <= d->switch_years)
        return pow(1 + d->rate, -t);
    return pow(1 + d->rate, -d->switch_years) * pow(1 + d->late_rate, -(t - d->switch_years));
}

static int setup(struct arv_world *w, struct arv_error *err)
{
    const struct arv_params *p = w->params;
    struct costs *k = arv_xcalloc(1, sizeof *k);
    k->per_coordinator = arv_params_enum(p, "costs.programme.basis") == 1;
    k->office_month = arv_params_double(p, "costs.programme.office_year") / 12;
    k->coordinator_month = arv_params_double(p, "costs.programme.coordinator_year") / 12;
    k->coordinators = arv_params_double(p, "offices.coordinators");
    k->temporary_month = arv_params_double(p, "costs.temporary_housing_month");
    double tax = arv_params_double(p, "income.tax_rate");
    k->tax_share = tax < 1 ? tax / (1 - tax) : 0; /* tax per NOK of net earnings */
    k->duration = (int)arv_params_int(p, "followup.duration_months");
    arv__discount_read(p, &k->discount);
    k->n_groups = (int)w->reg->n_groups;
    k->n_chunks = (w->n_households + ARV_CHUNK - 1) / ARV_CHUNK;
    k->ledger = arv_xcalloc(k->n_chunks * (size_t)k->n_groups * 2 * N_LEDGER, sizeof *k->ledger);
    k->children0 = arv_xcalloc(w->n_households, sizeof *k->children0);
    arv_world_set_state(w, &arv_model_costs, k);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    struct costs *k = arv_world_state(w, &arv_model_costs);
    free(k->ledger);
    free(k->children0);
    free(k);
}

static void enroll(struct arv_world *w)
{
    struct costs *k = arv_world_state(w, &arv_model_costs);
    const struct arv_pop *p = arv__pop(w);
    for (size_t h = 0; h < p->n; h++)
        k->children0[arv__id(p, h)] = p->n_children[h];
    for (size_t e = 0; e < k->n_chunks * (size_t)k->n_groups * 2 * N_LEDGER; e++)
        k->ledger[e] = 0;
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    const struct costs *k = arv_world_state(w, &arv_model_costs);
    const struct arv_pop *p = arv__pop(w);
    if (w->month < 0)
        return;
    /* flows of month m count at its middle, (m + 1/2) / 12 years after month 0 */
    double d = arv__discount_factor(&k->discount, (w->month + 0.5) / 12.0);
    double month[ARV_MAX_GROUPS][N_LEDGER] = {{0}};
    long months_employed[ARV_MAX_GROUPS] = {0}, months_poor[ARV_MAX_GROUPS] = {0};
    /* The sums of the current run of households of one group are kept in
     * locals and written back when the group changes: the same additions in
     * the same order as adding to month[g] directly, without a store and a
     * reload of each sum for every household. */
    const double office = k->per_coordinator ? k->coordinators * k->coordinator_month
                                             : k->office_month;
    const double temporary_month[2] = {0, k->temporary_month};
    int g_run = GROUP_NONE;
    double run[L_EMPLOYMENT] = {0};
    long run_employed = 0, run_poor = 0;
    for (size_t h = begin; h < end; h++) {
        int g = p->group[h];
        if (g == GROUP_NONE)
            continue;
        if (g != g_run) {
            if (g_run != GROUP_NONE) {
                memcpy(month[g_run], run, sizeof run);
                months_employed[g_run] = run_employed;
                months_poor[g_run] = run_poor;
            }
            g_run = g;
            memcpy(run, month[g], sizeof run);
            run_employed = months_employed[g];
            run_poor = months_poor[g];
        }
        const struct arv_office *of = &p->offices[p->office[h]];
        double flow[L_EMPLOYMENT];
        /* followed actively this month (followup.c has counted the month) */
        int t = p->followup_month[h];
        flow[L_PROGRAMME] = t >= 1 && t <= k->duration && of->active > 0 ? office / of->active : 0;
        flow[L_SA] = p->sa_amount[h];
        flow[L_TRANSFERS] = p->benefits[h];
        flow[L_TEMPORARY] = temporary_month[p->housing[h] == HOUSING_TEMPORARY];
        flow[L_TAX] = k->tax_share * p->earnings[h];
        flow[L_NET] = flow[L_PROGRAMME] + flow[L_SA] + flow[L_TRANSFERS] + flow[L_TEMPORARY] -
                      flow[L_TAX];
        /* adult- and child-months, in years once per group below; the
         * second adult slot counts only if present */
        const uint8_t *work = p->work + (size_t)ARV_MAX_ADULTS * h;
        _Static_assert(ARV_MAX_ADULTS == 2, "two adult slots");
        run_employed += arv__employed(work[0]) + (arv__employed(work[1]) & (p->n_adults[h] >= 2));
        run_poor += p->low_income[h] * p->n_children[h];
        for (int e = 0; e < L_EMPLOYMENT; e++)
            run[e] += flow[e];
    }
    if (g_run != GROUP_NONE) {
        memcpy(month[g_run], run, sizeof run);
        months_employed[g_run] = run_employed;
        months_poor[g_run] = run_poor;
    }
    double *chunk = k->ledger + begin / ARV_CHUNK * (size_t)k->n_groups * 2 * N_LEDGER;
    for (int g = 0; g < k->n_groups; g++) {
        month[g][L_EMPLOYMENT] = months_employed[g] / 12.0;
        month[g][L_CHILD_POOR] = months_poor[g] / 12.0;
    }
    for (int g = 0; g < k->n_groups; g++)
        for (int e = 0; e < N_LEDGER; e++) {
            chunk[2 * N_LEDGER * g + 2 * e] += month[g][e];
            chunk[2 * N_LEDGER * g + 2 * e + 1] += d * month[g][e];
        }
}

static void finish(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                   int m0)
{
    const struct costs *k = arv_world_state(w, &arv_model_costs);
    const struct arv_pop *p = arv__pop(w);
    double households[ARV_MAX_GROUPS] = {0}, children[ARV_MAX_GROUPS] = {0};
    for (size_t h = begin; h < end; h++) {
        int g = p->group[h];
        if (g == GROUP_NONE)
            continue;
        households[g] += 1;
        children[g] += k->children0[arv__id(p, h)];
    }
    const double *chunk = k->ledger + begin / ARV_CHUNK * (size_t)k->n_groups * 2 * N_LEDGER;
    for (int g = 1; g < k->n_groups; g++) {
        if (households[g] == 0)
            continue;
        const double *l = chunk + 2 * N_LEDGER * g;
        for (int e = 0; e < 2 * N_LEDGER; e++)
            arv_tally_add(t, m0 + e, g, 0, l[e], households[g]);
        arv_tally_add(t, m0 + 2 * N_LEDGER, g, 0, l[2 * L_NET], children[g]);
        arv_tally_add(t, m0 + 2 * N_LEDGER + 1, g, 0, l[2 * L_NET + 1], children[g]);
    }
}

const struct arv_model_ops arv_model_costs = {
    .name = "costs",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .accounting = true,
    .setup = setup,
    .release = release,
    .enroll = enroll,
    .step = step,
    .finish = finish,
};
