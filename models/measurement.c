/*
 * Measurement. Register variables (work, income, SA, housing) are observed
 * without error every month: they are the summary metrics the other models
 * report. The parent survey is observed at measurement.survey_months (the
 * trial's 0 and 12): families with a coordinator respond with a
 * probability that falls with financial strain (attrition), and report
 * strain and their children's mean inclusion with measurement error.
 *
 * It also reports the intra-cluster correlation (ICC) the office random
 * effects produce: the one-way ANOVA estimator across offices of household
 * outcomes at month measurement.icc_month, among reported families, in
 * totals.csv (icc_employment, icc_sa_receipt, icc_financial_strain,
 * icc_child_inclusion), next to the latent ICC the work effect implies,
 * sd^2 / (sd^2 + pi^2 / 3) on the logit scale (icc_latent_work).
 */
#include "household.h"

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_SURVEY_MONTH = 1200 };

static const struct arv_param_def defs[] = {
    {"measurement.survey_months", ARV_PARAM_STRING, 0, 0, 0, "months",
     "Months of the parent survey, comma-separated.", "H19", "0,12", NULL},
    {"measurement.response_baseline", ARV_PARAM_DOUBLE, 1.0, 0, 1, "probability",
     "Response to the baseline survey (month 0; recruitment required it).", "assumption", NULL,
     NULL},
    {"measurement.response_followup", ARV_PARAM_DOUBLE, 0.975, 0.001, 0.999, "probability",
     "Response to later surveys at average strain (5).",
     "derived: 862 / 884 (H07, H08; whether both count parents is not stated)", NULL, NULL},
    {"measurement.response_strain", ARV_PARAM_DOUBLE, -0.1, -5, 5, "logit per point",
     "Effect of each strain point above 5 on the log-odds of responding.", "assumption", NULL,
     NULL},
    {"measurement.error_strain", ARV_PARAM_DOUBLE, 1.0, 0, 10, "score",
     "SD of measurement error in reported financial strain.", "assumption", NULL, NULL},
    {"measurement.error_inclusion", ARV_PARAM_DOUBLE, 0.3, 0, 10, "score",
     "SD of measurement error in reported children's inclusion.", "assumption", NULL, NULL},
    {"measurement.icc_month", ARV_PARAM_INT, 12, 0, 1200, "months",
     "Month at which the ICC of household outcomes across offices is estimated (capped at the "
     "last month).", "H19 (the 12-month survey)", NULL, NULL},
};

static const struct arv_metric_def metrics[] = {
    {"survey_response_rate", ARV_TABLE_SUMMARY, "share of trial families answering the survey", ARV_STAT_RATIO},
    {"survey_financial_strain_mean", ARV_TABLE_SUMMARY, "reported financial strain, responders", ARV_STAT_RATIO},
    {"survey_child_inclusion_mean", ARV_TABLE_SUMMARY,
     "reported mean inclusion of the children, responders", ARV_STAT_RATIO},
    {"icc_employment", ARV_TABLE_TOTALS,
     "ICC across offices of the share of adults employed, at measurement.icc_month",
     ARV_STAT_SUM},
    {"icc_sa_receipt", ARV_TABLE_TOTALS, "ICC across offices of SA receipt", ARV_STAT_SUM},
    {"icc_financial_strain", ARV_TABLE_TOTALS, "ICC across offices of financial strain",
     ARV_STAT_SUM},
    {"icc_child_inclusion", ARV_TABLE_TOTALS,
     "ICC across offices of the children's mean inclusion", ARV_STAT_SUM},
    {"icc_latent_work", ARV_TABLE_TOTALS,
     "latent ICC implied by offices.sd_work on the logit scale", ARV_STAT_SUM},
};

enum { N_ICC = 4 };

struct measure {
    unsigned char survey[MAX_SURVEY_MONTH + 1]; /* 1 if a survey month */
    double baseline, followup_logit, strain_logit, err_strain, err_inclusion;
    int icc_month;
    double icc_latent_work;
    double icc[N_ICC];  /* estimates of the current replicate */
    double *office_sum; /* scratch: [office][N_ICC][3] = n, sum, sum of squares */
};

static int setup(struct arv_world *w, struct arv_error *err)
{
    const struct arv_params *p = w->params;
    struct measure *m = arv_xcalloc(1, sizeof *m);
    const char *spec = arv_params_str(p, "measurement.survey_months");
    for (const char *c = spec; *c;) {
        char *end;
        errno = 0;
        long v = strtol(c, &end, 10);
        if (end == c || errno || v < 0 || v > MAX_SURVEY_MONTH || (*end && *end != ',')) {
            char where[512];
            arv_params_where(p, "measurement.survey_months", where, sizeof where);
            free(m);
            return arv_error_set(err, ARV_EINVAL,
                                 "%s: measurement.survey_months '%.60s' is not a comma-separated "
                                 "list of months 0-%d",
                                 where, spec, MAX_SURVEY_MONTH);
        }
        m->survey[v] = 1;
        c = *end ? end + 1 : end;
    }
    m->baseline = arv_params_double(p, "measurement.response_baseline");
    double f = arv_params_double(p, "measurement.response_followup");
    m->followup_logit = log(f / (1 - f));
    m->strain_logit = arv_params_double(p, "measurement.response_strain");
    m->err_strain = arv_params_double(p, "measurement.error_strain");
    m->err_inclusion = arv_params_double(p, "measurement.error_inclusion");
    m->icc_month = (int)arv_params_int(p, "measurement.icc_month");
    if (m->icc_month > w->months)
        m->icc_month = w->months;
    double sd = arv_params_double(p, "offices.sd_work");
    m->icc_latent_work = sd * sd / (sd * sd + M_PI * M_PI / 3);
    m->office_sum = arv_xcalloc((size_t)arv_params_int(p, "offices.count") * N_ICC * 3,
                                sizeof *m->office_sum);
    arv_world_set_state(w, &arv_model_measurement, m);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    struct measure *m = arv_world_state(w, &arv_model_measurement);
    free(m->office_sum);
    free(m);
}

/* One-way ANOVA ICC from per-cluster n, sum and sum of squares:
 * (MSB - MSW) / (MSB + (n0 - 1) MSW), n0 the adjusted mean cluster size.
 * NAN when it is not defined (fewer than 2 clusters or no within variance). */
static double anova_icc(const double *cell, int clusters, int stride)
{
    double n = 0, sum = 0, sumsq = 0, between = 0, sum_n2 = 0;
    int k = 0;
    for (int c = 0; c < clusters; c++) {
        const double *x = cell + (size_t)c * stride;
        if (x[0] <= 0)
            continue;
        k++;
        n += x[0];
        sum += x[1];
        sumsq += x[2];
        between += x[1] * x[1] / x[0];
        sum_n2 += x[0] * x[0];
    }
    if (k < 2 || n <= k)
        return NAN;
    double ssb = between - sum * sum / n, ssw = sumsq - between;
    double msb = ssb / (k - 1), msw = ssw / (n - k);
    double n0 = (n - sum_n2 / n) / (k - 1);
    if (msw <= 0 && msb <= 0)
        return NAN;
    return (msb - msw) / (msb + (n0 - 1) * msw);
}

/* Serial, in household order: the ICC of each outcome across offices. */
static void estimate_icc(struct arv_world *w)
{
    struct measure *m = arv_world_state(w, &arv_model_measurement);
    const struct arv_pop *p = arv__pop(w);
    size_t cells = (size_t)p->n_offices * N_ICC * 3;
    for (size_t c = 0; c < cells; c++)
        m->office_sum[c] = 0;
    for (size_t h = 0; h < p->n; h++) {
        if (p->group[h] == GROUP_NONE)
            continue;
        double y[N_ICC] = {0, p->sa[h], p->strain[h], 0};
        for (int a = 0; a < p->n_adults[h]; a++)
            y[0] += arv__employed(p->work[(size_t)ARV_MAX_ADULTS * h + a]);
        y[0] /= p->n_adults[h];
        y[3] = arv__children_inclusion(p, h);
        double *cell = m->office_sum + (size_t)p->office[h] * N_ICC * 3;
        for (int k = 0; k < N_ICC; k++)
            if (!isnan(y[k])) {
                cell[3 * k] += 1;
                cell[3 * k + 1] += y[k];
                cell[3 * k + 2] += y[k] * y[k];
            }
    }
    for (int k = 0; k < N_ICC; k++)
        m->icc[k] = anova_icc(m->office_sum + 3 * k, p->n_offices, N_ICC * 3);
}

/* The ICC is estimated on the state at the end of month icc_month (month 0
 * at enrolment). */
static void after_month(struct arv_world *w)
{
    const struct measure *m = arv_world_state(w, &arv_model_measurement);
    if (w->month == m->icc_month)
        estimate_icc(w);
}

static int is_survey_month(const struct measure *m, int month)
{
    return month >= 0 && month <= MAX_SURVEY_MONTH && m->survey[month];
}

static void survey(struct arv_world *w, size_t begin, size_t end, int month)
{
    const struct measure *m = arv_world_state(w, &arv_model_measurement);
    struct arv_pop *p = arv__pop(w);
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    gsl_rng *g = arv_rng_gsl(&r);
    for (size_t h = begin; h < end; h++) {
        p->responded[h] = 0;
        /* the parent survey was given to families with a coordinator; the
         * third group was followed in registers only */
        if (p->group[h] != GROUP_COORDINATOR && p->group[h] != GROUP_HOLF)
            continue;
        arv_rng_seek(&r, ARV_STREAM_MEASUREMENT, arv__id(p, h), (uint32_t)month);
        double respond = month == 0 ? m->baseline
                                    : arv__logistic(m->followup_logit +
                                                    m->strain_logit * (p->strain[h] - 5.0));
        double u = arv_rng_uniform(&r);
        double e_strain = gsl_ran_gaussian(g, m->err_strain);
        double e_incl = gsl_ran_gaussian(g, m->err_inclusion);
        if (u >= respond)
            continue;
        p->responded[h] = 1;
        p->survey_strain[h] = (float)(p->strain[h] + e_strain);
        p->survey_inclusion[h] = (float)(arv__children_inclusion(p, h) + e_incl);
    }
}

static void enroll(struct arv_world *w)
{
    struct measure *m = arv_world_state(w, &arv_model_measurement);
    if (is_survey_month(m, 0))
        survey(w, 0, w->n_households, 0);
    for (int k = 0; k < N_ICC; k++)
        m->icc[k] = NAN;
    if (m->icc_month == 0)
        estimate_icc(w);
}

static void step(struct arv_world *w, size_t begin, size_t end)
{
    const struct measure *m = arv_world_state(w, &arv_model_measurement);
    if (is_survey_month(m, w->month + 1))
        survey(w, begin, end, w->month + 1);
}

static void observe(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                    int m0)
{
    const struct measure *m = arv_world_state(w, &arv_model_measurement);
    if (!is_survey_month(m, w->month))
        return;
    const struct arv_pop *p = arv__pop(w);
    for (size_t h = begin; h < end; h++) {
        int g = p->group[h];
        if (g != GROUP_COORDINATOR && g != GROUP_HOLF)
            continue;
        arv_tally_add(t, m0, g, 0, p->responded[h], 1);
        if (!p->responded[h])
            continue;
        arv_tally_add(t, m0 + 1, g, 0, p->survey_strain[h], 1);
        if (!isnan(p->survey_inclusion[h]))
            arv_tally_add(t, m0 + 2, g, 0, p->survey_inclusion[h], 1);
    }
}

static void finish(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                   int m0)
{
    const struct measure *m = arv_world_state(w, &arv_model_measurement);
    if (begin != 0) /* one report per replicate, from the first chunk */
        return;
    for (int k = 0; k < N_ICC; k++)
        if (!isnan(m->icc[k]))
            arv_tally_add(t, m0 + 3 + k, GROUP_ALL, 0, m->icc[k], 1);
    arv_tally_add(t, m0 + 3 + N_ICC, GROUP_ALL, 0, m->icc_latent_work, 1);
}

const struct arv_model_ops arv_model_measurement = {
    .name = "measurement",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .setup = setup,
    .release = release,
    .enroll = enroll,
    .step = step,
    .after_month = after_month,
    .observe = observe,
    .finish = finish,
};
