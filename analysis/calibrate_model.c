/*
 * The household model behind the calibration engine.
 */
#include "arv/calibrate_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arv/error.h"
#include "arv/trial.h"

/* The metric definition of `name` in any of the registry's models, and
 * whether a name is used in table t. */
static const struct arv_metric_def *find_metric(const struct arv_registry *reg, const char *name,
                                                int table)
{
    for (size_t k = 0; k < reg->n_models; k++)
        for (size_t j = 0; j < reg->models[k]->n_metrics; j++) {
            const struct arv_metric_def *m = &reg->models[k]->metrics[j];
            if (m->stat != ARV_STAT_AUX && strcmp(m->name, name) == 0 &&
                (table < 0 || (int)m->table == table))
                return m;
        }
    return NULL;
}

/* The trial outcome called name, or -1. */
static int trial_outcome(const char *name)
{
    for (int oc = 0; oc < ARV_TRIAL_N_OUTCOMES; oc++)
        if (strcmp(arv_trial_outcome_name(oc), name) == 0)
            return oc;
    return -1;
}

static bool is_trial_target(const struct arv_target *t)
{
    return t->kind != ARV_TARGET_LEVEL;
}

bool arv_calib_registry_metric(void *ctx, const char *name)
{
    return find_metric(ctx, name, -1) != NULL || trial_outcome(name) >= 0;
}

static int group_index(const struct arv_registry *reg, const char *name)
{
    for (int g = 0; g < reg->n_groups; g++)
        if (strcmp(reg->groups[g], name) == 0)
            return g;
    return -1;
}

bool arv_calib_registry_group(void *ctx, const char *name)
{
    return group_index(ctx, name) >= 0;
}

static int table_of(const struct arv_target *t)
{
    return t->time_kind == ARV_TIME_MONTH ? ARV_TABLE_SUMMARY
           : t->time_kind == ARV_TIME_AGE ? ARV_TABLE_YOUNG_ADULTS
                                          : ARV_TABLE_TOTALS;
}

/* A trial target: a trial outcome, the arms' contrast, the month the
 * scenario's trial measures that outcome at. */
static int check_trial_target(const struct arv_calib_model *m, const struct arv_target *t,
                              struct arv_error *err)
{
    const char *kind = t->kind == ARV_TARGET_TRIAL_EFFECT ? "trial_effect" : "trial_null";
    int oc = trial_outcome(t->metric);
    if (oc < 0) {
        char list[256] = "";
        for (int k = 0; k < ARV_TRIAL_N_OUTCOMES; k++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                     arv_trial_outcome_name(k));
        return arv_error_set(err, ARV_EINVAL,
                             "%s: line %d: a %s target names a trial outcome (%s), not %s",
                             m->targets_file, t->line, kind, list, t->metric);
    }
    if (strcmp(t->group, "holf") != 0)
        return arv_error_set(err, ARV_EINVAL,
                             "%s: line %d: a %s target is the trial's contrast HOLF - local "
                             "practice: its group is holf, not %s",
                             m->targets_file, t->line, kind, t->group);
    bool survey = oc == ARV_TRIAL_FINANCIAL_STRAIN || oc == ARV_TRIAL_CHILD_INCLUSION;
    const char *path = survey ? "trial.survey_month" : "trial.month";
    int month = (int)arv_params_int(m->trial_params ? m->trial_params : m->params, path);
    if (t->time_kind != ARV_TIME_MONTH || t->time != month)
        return arv_error_set(err, ARV_EINVAL,
                             "%s: line %d: the trial measures %s at month %d (%s); the target's "
                             "time must be %d (or set %s)",
                             m->targets_file, t->line, t->metric, month, path, month, path);
    return ARV_OK;
}

int arv_calib_model_check(const struct arv_calib_model *m, struct arv_error *err)
{
    const struct arv_params *p = m->params;
    const char *scenario = p->calibration_file ? p->calibration_file : "scenario";
    for (size_t j = 0; j < m->n_params; j++) {
        const struct arv_prior *pr = &m->priors[j];
        long k = arv_params_find(p, pr->path);
        if (k < 0) {
            const char *s = arv_params_suggest(p, pr->path);
            return arv_error_set(err, ARV_EINVAL, "%s:%d: calibration: unknown parameter '%s'%s%s%s",
                                 scenario, pr->line, pr->path, s ? " (did you mean '" : "",
                                 s ? s : "", s ? "'?)" : "");
        }
        const struct arv_param_def *d = p->defs[k];
        if (d->type != ARV_PARAM_DOUBLE)
            return arv_error_set(err, ARV_EINVAL,
                                 "%s:%d: calibration: '%s' is not a real-valued parameter",
                                 scenario, pr->line, pr->path);
        if (pr->lower < d->min || pr->upper > d->max)
            return arv_error_set(err, ARV_EINVAL,
                                 "%s:%d: calibration: the prior of '%s' reaches outside its "
                                 "range [%g, %g]; bound it with min and max",
                                 scenario, pr->line, pr->path, d->min, d->max);
    }
    int months = arv_registry_months(m->reg, p);
    int every = (int)arv_params_int(p, "run.report_every");
    for (size_t i = 0; i < m->targets->n; i++) {
        const struct arv_target *t = &m->targets->t[i];
        if (is_trial_target(t)) {
            if (check_trial_target(m, t, err) != ARV_OK)
                return err->status;
            continue;
        }
        static const char *const what[3] = {"a month", "an age (age:N)", "no time"};
        const struct arv_metric_def *md = find_metric(m->reg, t->metric, table_of(t));
        if (md == NULL) {
            const struct arv_metric_def *any = find_metric(m->reg, t->metric, -1);
            return arv_error_set(err, ARV_EINVAL, "%s: line %d: metric %s takes %s as its time",
                                 m->targets_file, t->line, t->metric,
                                 any ? what[any->table] : "a known metric");
        }
        if (t->time_kind == ARV_TIME_MONTH && (t->time > months || t->time % every != 0))
            return arv_error_set(err, ARV_EINVAL,
                                 "%s: line %d: month %d is not reported (run.months %d, "
                                 "run.report_every %d)",
                                 m->targets_file, t->line, t->time, months, every);
        if (t->time_kind == ARV_TIME_AGE && (t->time < 18 || t->time > 35))
            return arv_error_set(err, ARV_EINVAL, "%s: line %d: young adults are followed at "
                                                  "ages 18-35, not %d",
                                 m->targets_file, t->line, t->time);
    }
    return ARV_OK;
}

/* Writes the candidate's values and simulation seed into p. */
static int set_candidate(const struct arv_calib_model *m, struct arv_params *p,
                         const double *theta, uint32_t sim_seed, struct arv_error *err)
{
    struct arv_param_origin origin = {"calibration", 0};
    char text[64];
    for (size_t j = 0; j < m->n_params; j++) {
        snprintf(text, sizeof text, "%.17g", theta[j]);
        if (arv_params_set_value(p, m->priors[j].path, text, origin, err) != ARV_OK)
            return err->status;
    }
    snprintf(text, sizeof text, "%u", sim_seed);
    return arv_params_set_value(p, "run.seed", text, origin, err);
}

/* Level targets: the scenario's replicates, mean and Monte Carlo variance. */
static int simulate_levels(struct arv_calib_model *m, struct arv_calib_sim *out,
                           struct arv_error *err)
{
    struct arv_world *w = arv_world_alloc(m->reg, m->params, err);
    if (w == NULL)
        return err->status;
    arv_world_run(w);
    for (size_t i = 0; i < m->targets->n; i++) {
        const struct arv_target *t = &m->targets->t[i];
        if (is_trial_target(t))
            continue;
        int table = table_of(t);
        int metric = arv_world_metric_in(w, (enum arv_table)table, t->metric);
        int g = group_index(m->reg, t->group);
        const struct arv_results *r = &w->results[table];
        int time = table == ARV_TABLE_SUMMARY        ? t->time / w->report_every
                   : table == ARV_TABLE_YOUNG_ADULTS ? t->time - r->time0
                                                     : 0;
        size_t local = (size_t)w->metric_table_index[metric];
        double sum = 0, sum2 = 0;
        int n = 0;
        for (int rep = 0; rep < r->reps; rep++) {
            double v = r->value[(((size_t)rep * r->n_times + time) * r->n_groups + g) *
                                    r->n_metrics + local];
            if (isfinite(v)) {
                sum += v;
                sum2 += v * v;
                n++;
            }
        }
        out->stat[i] = n ? sum / n : NAN;
        out->var[i] = n > 1 ? (sum2 - sum * sum / n) / (n - 1) / n : 0.0;
    }
    arv_world_free(w);
    /* a group left empty by these parameter values (a share near 0 can
     * leave no single parent on SA in a small population): the candidate
     * is rejected (ARV_ENOSTAT), as one whose virtual trial cannot be
     * analysed; a target that no candidate defines stops the run (calibrate.c) */
    for (size_t i = 0; i < m->targets->n; i++)
        if (!is_trial_target(&m->targets->t[i]) && !isfinite(out->stat[i]))
            return arv_error_set(err, ARV_ENOSTAT,
                                 "%s: line %d: %s of group %s is undefined in this scenario "
                                 "(no unit in the group, or no young adult of that age)",
                                 m->targets_file, m->targets->t[i].line, m->targets->t[i].metric,
                                 m->targets->t[i].group);
    return ARV_OK;
}

/* Trial targets: one virtual trial on this thread, the estimator's
 * estimate and p-value per target. */
static int simulate_trial(struct arv_calib_model *m, struct arv_calib_sim *out,
                          struct arv_error *err)
{
    struct arv_params *p = m->trial_params ? m->trial_params : m->params;
    /* only the estimates the targets read: no truth, no ICC */
    struct arv_trial_wanted want = {.icc = false, .truth = false};
    for (size_t i = 0; i < m->targets->n; i++)
        if (is_trial_target(&m->targets->t[i]))
            want.est[trial_outcome(m->targets->t[i].metric)][m->trial_estimator] = true;
    struct arv_trial_results *r = arv_trial_run_wanted(m->reg, p, 1, &want, err);
    if (r == NULL)
        return err->status;
    for (size_t i = 0; i < m->targets->n; i++) {
        const struct arv_target *t = &m->targets->t[i];
        if (!is_trial_target(t))
            continue;
        const struct arv_est_result *e = &r->cell[trial_outcome(t->metric)].est[m->trial_estimator];
        if (!e->ok || !isfinite(e->estimate)) {
            /* a property of these parameter values, not a mistake in the
             * input: the candidate is rejected (ARV_ENOSTAT) */
            arv_error_set(err, ARV_ENOSTAT,
                          "%s: line %d: the virtual trial could not estimate %s with %s (%s)",
                          m->targets_file, t->line, t->metric,
                          arv_est_name((enum arv_est_method)m->trial_estimator),
                          e->reason ? e->reason : "no estimate");
            break;
        }
        out->stat[i] = e->estimate;
        out->var[i] = 0;
        out->p[i] = e->p;
    }
    arv_trial_results_free(r);
    return err->status;
}

int arv_calib_model_simulate(void *ctx, const double *theta, uint32_t sim_seed,
                             struct arv_calib_sim *out, struct arv_error *err)
{
    struct arv_calib_model *m = ctx;
    if (set_candidate(m, m->params, theta, sim_seed, err) != ARV_OK ||
        (m->trial_params && set_candidate(m, m->trial_params, theta, sim_seed, err) != ARV_OK))
        return err->status;
    m->simulations++;
    bool level = false, trial = false;
    for (size_t i = 0; i < m->targets->n; i++)
        *(is_trial_target(&m->targets->t[i]) ? &trial : &level) = true;
    if (level && simulate_levels(m, out, err) != ARV_OK)
        return err->status;
    if (trial && simulate_trial(m, out, err) != ARV_OK)
        return err->status;
    return ARV_OK;
}

uint64_t arv_calib_model_fingerprint(const struct arv_params *p)
{
    char hex[65];
    arv_params_sha256(p, hex);
    uint64_t h = 0;
    for (int k = 0; k < 16; k++) {
        char c = hex[k];
        h = h << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return h;
}
