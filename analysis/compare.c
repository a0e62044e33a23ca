/*
 * Scenario comparison: paired differences over replicates that share their
 * keyed random numbers, cost-effectiveness, and the planner's table.
 */
#include "arv/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arv/error.h"
#include "arv/output.h"
#include "arv/params.h"
#include "arv/replicates.h"

bool arv_compare_ok(const struct arv_world *base, const struct arv_world *w, char *why,
                    size_t size)
{
    const char *what = NULL;
    if (w->reg != base->reg || w->n_metrics != base->n_metrics)
        what = "model";
    else if (w->seed != base->seed)
        what = "run.seed";
    else if (w->reps != base->reps)
        what = "run.reps";
    else if (w->months != base->months)
        what = "horizon (run.months, young_adults.horizon)";
    else if (w->report_every != base->report_every)
        what = "run.report_every";
    else {
        /* discounted totals are compared: one discounting for all */
        static const char *const discount[] = {"costs.discount_rate", "costs.discount_rate_late",
                                               "costs.discount_switch_years"};
        for (int k = 0; k < 3 && what == NULL; k++)
            if (arv_params_double(w->params, discount[k]) !=
                arv_params_double(base->params, discount[k]))
                what = discount[k];
    }
    if (what)
        snprintf(why, size, "its %s differs from the baseline's; compared scenarios share it "
                            "(set it with the options, e.g. --seed, --reps)",
                 what);
    return what == NULL;
}

/* Value of replicate r, time t, group g, local metric m of table t. */
static double cell(const struct arv_results *r, int rep, int t, int g, int m)
{
    return r->value[(((size_t)rep * r->n_times + t) * r->n_groups + g) * r->n_metrics + m];
}

/* Paired differences w - base of one cell over the replicates, into d. */
static void paired(const struct arv_world *base, const struct arv_world *w, enum arv_table t,
                   int time, int local, double *d)
{
    const struct arv_results *a = &base->results[t], *b = &w->results[t];
    for (int rep = 0; rep < a->reps; rep++)
        d[rep] = cell(b, rep, time, 0, local) - cell(a, rep, time, 0, local);
}

static void diff_stats(const struct arv_world *base, const struct arv_world *w,
                       enum arv_table t, int time, int local, struct arv_rep_stats *s)
{
    int reps = base->results[t].reps;
    double *d = arv_xcalloc(2 * (size_t)reps, sizeof *d);
    paired(base, w, t, time, local, d);
    arv_rep_stats(d, (size_t)reps, 1, d + reps, s);
    free(d);
}

void arv_write_diff_header(FILE *f, enum arv_table t)
{
    fprintf(f, "scenario,baseline,%s,metric,diff,lo,hi,reps\n",
            t == ARV_TABLE_YOUNG_ADULTS ? "age" : "month");
}

void arv_write_diff(FILE *f, enum arv_table t, const struct arv_world *base,
                    const char *base_name, const struct arv_world *w, const char *name)
{
    const struct arv_results *r = &base->results[t];
    for (int time = 0; time < r->n_times; time++)
        for (int m = 0; m < base->n_metrics; m++) {
            if (base->metric[m]->table != t || base->metric[m]->stat == ARV_STAT_AUX)
                continue;
            struct arv_rep_stats s;
            diff_stats(base, w, t, time, base->metric_table_index[m], &s);
            if (s.reps == 0)
                continue;
            fprintf(f, "%s,%s,", name, base_name);
            if (t == ARV_TABLE_SUMMARY)
                fprintf(f, "%d", time * base->report_every);
            else if (t == ARV_TABLE_YOUNG_ADULTS)
                fprintf(f, "%d", r->time0 + time);
            fprintf(f, ",%s,", base->metric[m]->name);
            arv_csv_number(f, s.mean);
            fputc(',', f);
            arv_csv_number(f, s.lo);
            fputc(',', f);
            arv_csv_number(f, s.hi);
            fprintf(f, ",%d\n", s.reps);
        }
}

/* Per-replicate totals of group "all" for a metric by name (NAN if absent). */
static void totals_of(const struct arv_world *w, const char *metric, double *out)
{
    int m = arv_world_metric_in(w, ARV_TABLE_TOTALS, metric);
    const struct arv_results *r = &w->results[ARV_TABLE_TOTALS];
    for (int rep = 0; rep < r->reps; rep++)
        out[rep] = m < 0 ? NAN : cell(r, rep, 0, 0, w->metric_table_index[m]);
}

static void write_row(FILE *f, const char *name, const char *metric, const struct arv_rep_stats *s)
{
    fprintf(f, "%s,all,%s,", name, metric);
    arv_write_stats(f, s);
}

enum { E_COST, E_EMP, E_POOR, N_E };

/* Parameter path of w in replicate rep: its row of the scenario's
 * parameter_draws (rep mod K) when the draws set it, else its value (w's
 * parameters hold the last replicate's draw after a run). */
static double param_in_rep(const struct arv_world *w, const char *path, int rep)
{
    const struct arv_param_draws *d = w->draws;
    for (size_t j = 0; d && j < d->n_paths; j++)
        if (strcmp(d->paths[j], path) == 0)
            return d->values[(size_t)rep % d->n_rows * d->n_paths + j];
    return arv_params_double(w->params, path);
}

void arv_write_economics(FILE *f, const struct arv_world *base, const struct arv_world *w,
                         const char *name)
{
    static const char *const source[N_E] = {"net_public_cost_discounted",
                                            "employment_years_discounted",
                                            "child_low_income_years_discounted"};
    int reps = base->results[ARV_TABLE_TOTALS].reps;
    double *buf = arv_xcalloc((size_t)reps * 10, sizeof *buf);
    double *d[N_E], *a = buf + 3 * reps, *b = buf + 4 * reps, *nmb = buf + 5 * reps,
                    *scratch = buf + 6 * reps;
    for (int e = 0; e < N_E; e++) {
        d[e] = buf + e * reps;
        totals_of(base, source[e], a);
        totals_of(w, source[e], b);
        for (int rep = 0; rep < reps; rep++)
            d[e][rep] = b[rep] - a[rep];
    }
    /* low-income years avoided: the baseline's minus this scenario's */
    for (int rep = 0; rep < reps; rep++)
        d[E_POOR][rep] = -d[E_POOR][rep];
    for (int rep = 0; rep < reps; rep++) {
        double wtp_emp = param_in_rep(w, "costs.value.employment_year", rep);
        double wtp_poor = param_in_rep(w, "costs.value.child_poverty_year", rep);
        nmb[rep] = wtp_emp * d[E_EMP][rep] + wtp_poor * d[E_POOR][rep] - d[E_COST][rep];
    }
    static const char *const label[N_E] = {"incremental_cost_discounted",
                                           "employment_years_gained_discounted",
                                           "child_low_income_years_avoided_discounted"};
    struct arv_rep_stats s[N_E], sn;
    for (int e = 0; e < N_E; e++) {
        arv_rep_stats(d[e], (size_t)reps, 1, scratch, &s[e]);
        write_row(f, name, label[e], &s[e]);
    }
    arv_rep_stats(nmb, (size_t)reps, 1, scratch, &sn);
    write_row(f, name, "net_monetary_benefit", &sn);
    /* ratios of mean differences; no interval (a ratio of replicate means
     * has none that quantiles of per-replicate ratios would honestly give) */
    for (int e = E_EMP; e <= E_POOR; e++) {
        struct arv_rep_stats r = {NAN, NAN, NAN, NAN, s[e].reps < s[E_COST].reps ? s[e].reps
                                                                                    : s[E_COST].reps};
        if (s[e].reps > 0 && s[e].mean > 0) /* no ratio without a gain */
            r.mean = s[E_COST].mean / s[e].mean;
        write_row(f, name,
                  e == E_EMP ? "cost_per_employment_year" : "cost_per_child_low_income_year_avoided",
                  &r);
    }
    free(buf);
}

/* ---- the planner's table ---------------------------------------------- */

struct headline {
    enum arv_table table;
    const char *metric;
    const char *label;
    int age; /* young adults */
};

static const struct headline headlines[] = {
    {ARV_TABLE_SUMMARY, "employment_rate", "adults in work", 0},
    {ARV_TABLE_SUMMARY, "sa_receipt_rate", "households on social assistance", 0},
    {ARV_TABLE_SUMMARY, "child_low_income_rate", "children in low-income households", 0},
    {ARV_TABLE_SUMMARY, "housing_stable_rate", "households in stable housing", 0},
    {ARV_TABLE_SUMMARY, "financial_strain_mean", "financial strain (0-10)", 0},
    {ARV_TABLE_SUMMARY, "child_inclusion_mean", "children's social inclusion", 0},
    {ARV_TABLE_TOTALS, "net_public_cost_discounted", "net public cost/household, NOK", 0},
    {ARV_TABLE_TOTALS, "cost_programme_discounted", "  of which programme, NOK", 0},
    {ARV_TABLE_TOTALS, "employment_years_discounted", "employment years/household", 0},
    {ARV_TABLE_TOTALS, "child_low_income_years_discounted", "child low-income years/household", 0},
    {ARV_TABLE_YOUNG_ADULTS, "sa_rate", "young adults on SA at 25", 25},
    {ARV_TABLE_YOUNG_ADULTS, "employment_rate", "young adults in work at 30", 30},
};

static void mean_of(const struct arv_world *w, int m, int time, struct arv_rep_stats *s)
{
    double *scratch = arv_xcalloc(2 * (size_t)w->reps, sizeof *scratch);
    arv_cell_stats(w, m, time, 0, scratch, s);
    free(scratch);
}

static void print_value(FILE *f, double v, int width)
{
    if (isnan(v))
        fprintf(f, " %*s", width, "-");
    else if (fabs(v) >= 1000 || v == 0)
        fprintf(f, " %*.0f", width, v);
    else
        fprintf(f, " %*.3f", width, v);
}

static void print_signed(FILE *f, double v)
{
    if (isnan(v))
        fprintf(f, "%s", "-");
    else if (fabs(v) >= 1000)
        fprintf(f, "%+.0f", v);
    else
        fprintf(f, "%+.3f", v);
}

void arv_print_comparison(FILE *f, const struct arv_world *base, const char *base_name,
                          const struct arv_world *w, const char *name)
{
    int last = base->results[ARV_TABLE_SUMMARY].n_times - 1;
    fprintf(f, "%s vs %s (baseline): all families, month %d, costs discounted to month 0; %d "
               "paired replicates, [2.5%%, 97.5%%] of the replicate differences\n",
            name, base_name, last * base->report_every, base->reps);
    fprintf(f, "  %-36s %12s %12s  %s\n", "outcome", base_name, name, "difference [interval]");
    for (size_t k = 0; k < sizeof headlines / sizeof headlines[0]; k++) {
        const struct headline *hl = &headlines[k];
        int m = arv_world_metric_in(base, hl->table, hl->metric);
        if (m < 0)
            continue;
        int local = base->metric_table_index[m];
        int time = hl->table == ARV_TABLE_SUMMARY ? last
                   : hl->table == ARV_TABLE_YOUNG_ADULTS
                       ? hl->age - base->results[ARV_TABLE_YOUNG_ADULTS].time0
                       : 0;
        struct arv_rep_stats sa, sb, sd;
        mean_of(base, m, time, &sa);
        mean_of(w, arv_world_metric_in(w, hl->table, hl->metric), time, &sb);
        diff_stats(base, w, hl->table, time, local, &sd);
        if (sa.reps == 0 && sb.reps == 0)
            continue; /* e.g. no child has reached that age in this horizon */
        fprintf(f, "  %-36s", hl->label);
        print_value(f, sa.mean, 12);
        print_value(f, sb.mean, 12);
        fprintf(f, "  ");
        print_signed(f, sd.mean);
        fprintf(f, " [");
        print_signed(f, sd.lo);
        fprintf(f, ", ");
        print_signed(f, sd.hi);
        fprintf(f, "]\n");
    }
}
