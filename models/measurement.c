/*
 * Measurement. Register variables (work, income, SA, housing) are observed
 * without error every month: they are the summary metrics the other models
 * report. The parent survey is observed at measurement.survey_months (the
 * trial's 0 and 12): families in the trial groups respond with a
 * probability that falls with financial strain (attrition), and report
 * strain and their children's mean inclusion with measurement error.
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
    {"measurement.response_followup", ARV_PARAM_DOUBLE, 0.9, 0.001, 0.999, "probability",
     "Response to later surveys at average strain (5).",
     "assumption (H07, H08: 862 parents analysed at 12 months of 884 enrolled)", NULL, NULL},
    {"measurement.response_strain", ARV_PARAM_DOUBLE, -0.1, -5, 5, "logit per point",
     "Effect of each strain point above 5 on the log-odds of responding.", "assumption", NULL,
     NULL},
    {"measurement.error_strain", ARV_PARAM_DOUBLE, 1.0, 0, 10, "score",
     "SD of measurement error in reported financial strain.", "assumption", NULL, NULL},
    {"measurement.error_inclusion", ARV_PARAM_DOUBLE, 0.3, 0, 10, "score",
     "SD of measurement error in reported children's inclusion.", "assumption", NULL, NULL},
};

static const struct arv_metric_def metrics[] = {
    {"survey_response_rate", ARV_TABLE_SUMMARY, "share of trial families answering the survey", ARV_STAT_RATIO},
    {"survey_financial_strain_mean", ARV_TABLE_SUMMARY, "reported financial strain, responders", ARV_STAT_RATIO},
    {"survey_child_inclusion_mean", ARV_TABLE_SUMMARY,
     "reported mean inclusion of the children, responders", ARV_STAT_RATIO},
};

struct measure {
    unsigned char survey[MAX_SURVEY_MONTH + 1]; /* 1 if a survey month */
    double baseline, followup_logit, strain_logit, err_strain, err_inclusion;
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
    arv_world_set_state(w, &arv_model_measurement, m);
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    free(arv_world_state(w, &arv_model_measurement));
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
        if (p->group[h] == GROUP_NONE)
            continue;
        arv_rng_seek(&r, ARV_STREAM_MEASUREMENT, (uint32_t)h, (uint32_t)month);
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
        double incl = 0;
        int kids = 0;
        for (int c = 0; c < ARV_MAX_CHILDREN; c++) {
            size_t i = (size_t)ARV_MAX_CHILDREN * h + c;
            if (p->child_age[i] >= 0) {
                incl += p->inclusion[i];
                kids++;
            }
        }
        p->survey_inclusion[h] = kids ? (float)(incl / kids + e_incl) : NAN;
    }
}

static void enroll(struct arv_world *w)
{
    const struct measure *m = arv_world_state(w, &arv_model_measurement);
    if (is_survey_month(m, 0))
        survey(w, 0, w->n_households, 0);
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
        if (g == GROUP_NONE)
            continue;
        arv_tally_add(t, m0, g, 0, p->responded[h], 1);
        if (!p->responded[h])
            continue;
        arv_tally_add(t, m0 + 1, g, 0, p->survey_strain[h], 1);
        if (!isnan(p->survey_inclusion[h]))
            arv_tally_add(t, m0 + 2, g, 0, p->survey_inclusion[h], 1);
    }
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
    .observe = observe,
};
