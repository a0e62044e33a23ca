/*
 * Priors of calibrated parameters and the scenario's calibration group.
 * Densities are normalised (truncated normals include the mass of the
 * truncation interval); draws use inversion where the family allows it.
 */
#include "arv/calibrate.h"
#include "arv/estimators.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <libconfig.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const family_names[] = {"normal", "lognormal", "uniform", "beta"};

int arv_prior_check(struct arv_prior *p, struct arv_error *err)
{
    const char *path = p->path;
    if (!isfinite(p->a) || !isfinite(p->b))
        return arv_error_set(err, ARV_EINVAL, "prior of %s: parameters must be finite numbers",
                             path);
    switch (p->family) {
    case ARV_PRIOR_NORMAL:
        if (!(p->b > 0))
            return arv_error_set(err, ARV_EINVAL, "prior of %s: sd must be > 0, got %g", path,
                                 p->b);
        if (isnan(p->lower))
            p->lower = -INFINITY;
        if (isnan(p->upper))
            p->upper = INFINITY;
        if (!(p->lower < p->upper))
            return arv_error_set(err, ARV_EINVAL, "prior of %s: min (%g) must be below max (%g)",
                                 path, p->lower, p->upper);
        {
            double mass = gsl_cdf_ugaussian_P((p->upper - p->a) / p->b) -
                          gsl_cdf_ugaussian_P((p->lower - p->a) / p->b);
            if (!(mass > 1e-12))
                return arv_error_set(err, ARV_EINVAL,
                                     "prior of %s: the truncation [%g, %g] has no prior mass",
                                     path, p->lower, p->upper);
        }
        return ARV_OK;
    case ARV_PRIOR_LOGNORMAL:
        if (!(p->b > 0))
            return arv_error_set(err, ARV_EINVAL, "prior of %s: sdlog must be > 0, got %g",
                                 path, p->b);
        p->lower = 0;
        p->upper = INFINITY;
        return ARV_OK;
    case ARV_PRIOR_UNIFORM:
        if (!(p->a < p->b))
            return arv_error_set(err, ARV_EINVAL, "prior of %s: min (%g) must be below max (%g)",
                                 path, p->a, p->b);
        p->lower = p->a;
        p->upper = p->b;
        return ARV_OK;
    case ARV_PRIOR_BETA:
        if (!(p->a > 0) || !(p->b > 0))
            return arv_error_set(err, ARV_EINVAL,
                                 "prior of %s: alpha and beta must be > 0, got %g and %g", path,
                                 p->a, p->b);
        p->lower = 0;
        p->upper = 1;
        return ARV_OK;
    }
    return arv_error_set(err, ARV_EINVAL, "prior of %s: unknown family", path);
}

double arv_prior_sample(const struct arv_prior *p, struct arv_rng *r)
{
    switch (p->family) {
    case ARV_PRIOR_NORMAL: {
        double lo = isinf(p->lower) ? 0.0 : gsl_cdf_ugaussian_P((p->lower - p->a) / p->b);
        double hi = isinf(p->upper) ? 1.0 : gsl_cdf_ugaussian_P((p->upper - p->a) / p->b);
        double u = lo + (hi - lo) * arv_rng_uniform_pos(r);
        if (u <= 0 || u >= 1) /* a truncation far in a tail */
            u = u <= 0 ? 1e-300 : 1 - 1e-16;
        double x = p->a + p->b * gsl_cdf_ugaussian_Pinv(u);
        if (x < p->lower)
            x = p->lower;
        if (x > p->upper)
            x = p->upper;
        return x;
    }
    case ARV_PRIOR_LOGNORMAL:
        return exp(p->a + p->b * gsl_cdf_ugaussian_Pinv(arv_rng_uniform_pos(r)));
    case ARV_PRIOR_UNIFORM:
        return p->a + (p->b - p->a) * arv_rng_uniform(r);
    case ARV_PRIOR_BETA:
        return gsl_ran_beta(arv_rng_gsl(r), p->a, p->b);
    }
    return NAN;
}

double arv_prior_logpdf(const struct arv_prior *p, double x)
{
    if (!(x >= p->lower && x <= p->upper))
        return -INFINITY;
    switch (p->family) {
    case ARV_PRIOR_NORMAL: {
        double z = (x - p->a) / p->b;
        double mass = 1.0;
        if (!isinf(p->lower) || !isinf(p->upper))
            mass = gsl_cdf_ugaussian_P((p->upper - p->a) / p->b) -
                   gsl_cdf_ugaussian_P((p->lower - p->a) / p->b);
        return -0.5 * z * z - log(p->b) - 0.5 * log(2 * M_PI) - log(mass);
    }
    case ARV_PRIOR_LOGNORMAL: {
        if (x <= 0)
            return -INFINITY;
        double z = (log(x) - p->a) / p->b;
        return -0.5 * z * z - log(p->b * x) - 0.5 * log(2 * M_PI);
    }
    case ARV_PRIOR_UNIFORM:
        return -log(p->b - p->a);
    case ARV_PRIOR_BETA:
        if (x <= 0 || x >= 1)
            return -INFINITY;
        return (p->a - 1) * log(x) + (p->b - 1) * log1p(-x) - gsl_sf_lnbeta(p->a, p->b);
    }
    return -INFINITY;
}

double arv_prior_mean(const struct arv_prior *p)
{
    switch (p->family) {
    case ARV_PRIOR_NORMAL: {
        if (isinf(p->lower) && isinf(p->upper))
            return p->a;
        double al = (p->lower - p->a) / p->b, be = (p->upper - p->a) / p->b;
        double z = gsl_cdf_ugaussian_P(be) - gsl_cdf_ugaussian_P(al);
        return p->a + p->b * (gsl_ran_ugaussian_pdf(al) - gsl_ran_ugaussian_pdf(be)) / z;
    }
    case ARV_PRIOR_LOGNORMAL:
        return exp(p->a + 0.5 * p->b * p->b);
    case ARV_PRIOR_UNIFORM:
        return 0.5 * (p->a + p->b);
    case ARV_PRIOR_BETA:
        return p->a / (p->a + p->b);
    }
    return NAN;
}

double arv_prior_sd(const struct arv_prior *p)
{
    switch (p->family) {
    case ARV_PRIOR_NORMAL: {
        if (isinf(p->lower) && isinf(p->upper))
            return p->b;
        double al = (p->lower - p->a) / p->b, be = (p->upper - p->a) / p->b;
        double z = gsl_cdf_ugaussian_P(be) - gsl_cdf_ugaussian_P(al);
        double pa = gsl_ran_ugaussian_pdf(al), pb = gsl_ran_ugaussian_pdf(be);
        double ta = isinf(al) ? 0 : al * pa, tb = isinf(be) ? 0 : be * pb;
        double m = (pa - pb) / z;
        return p->b * sqrt(1 + (ta - tb) / z - m * m);
    }
    case ARV_PRIOR_LOGNORMAL: {
        double s2 = p->b * p->b;
        return sqrt((exp(s2) - 1) * exp(2 * p->a + s2));
    }
    case ARV_PRIOR_UNIFORM:
        return (p->b - p->a) / sqrt(12.0);
    case ARV_PRIOR_BETA: {
        double s = p->a + p->b;
        return sqrt(p->a * p->b / (s * s * (s + 1)));
    }
    }
    return NAN;
}

void arv_calib_settings_default(struct arv_calib_settings *s)
{
    memset(s, 0, sizeof *s);
    s->method = ARV_CALIB_ABC_SMC;
    s->particles = 500;
    s->generations = 10;
    s->quantile = 0.5;
    s->seed = 1;
    s->smm_rel_tol = 1e-3;
    s->smm_max_iter = 2000;
}

/* ---- the calibration group (libconfig) --------------------------------- */

static int get_number(const config_setting_t *s, const char *file, const char *what, double *out,
                      struct arv_error *err)
{
    int line = (int)config_setting_source_line(s);
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        *out = (double)config_setting_get_int64(s);
        return ARV_OK;
    case CONFIG_TYPE_FLOAT:
        *out = config_setting_get_float(s);
        if (!isfinite(*out))
            return arv_error_set(err, ARV_EINVAL, "%s:%d: %s: number too large for a double",
                                 file, line, what);
        return ARV_OK;
    default:
        return arv_error_set(err, ARV_EINVAL, "%s:%d: %s expects a number", file, line, what);
    }
}

static int get_count(const config_setting_t *s, const char *file, const char *what, long min,
                     long *out, struct arv_error *err)
{
    int line = (int)config_setting_source_line(s);
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: %s expects an integer", file, line, what);
    long long v = config_setting_get_int64(s);
    if (v < min || v > 1000000000LL)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: %s must be between %ld and 1000000000",
                             file, line, what, min);
    *out = (long)v;
    return ARV_OK;
}

/* Parameters each family takes, in (a, b) order; normal may add min/max. */
static const char *const family_keys[][2] = {
    {"mean", "sd"}, {"meanlog", "sdlog"}, {"min", "max"}, {"alpha", "beta"}};

static int parse_prior(const config_setting_t *e, const char *file, struct arv_prior *p,
                       struct arv_error *err)
{
    int line = (int)config_setting_source_line(e);
    memset(p, 0, sizeof *p);
    p->line = line;
    p->lower = p->upper = NAN;
    if (config_setting_type(e) != CONFIG_TYPE_GROUP)
        return arv_error_set(err, ARV_EINVAL,
                             "%s:%d: each calibrated parameter is a group { path = ...; prior = "
                             "...; ... }",
                             file, line);
    const config_setting_t *path = config_setting_get_member(e, "path");
    const config_setting_t *fam = config_setting_get_member(e, "prior");
    if (path == NULL || config_setting_type(path) != CONFIG_TYPE_STRING)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: calibrated parameter without a path = \"...\"",
                             file, line);
    const char *ps = config_setting_get_string(path);
    if (ps[0] == '\0' || strlen(ps) >= sizeof p->path)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: bad parameter path", file,
                             (int)config_setting_source_line(path));
    strcpy(p->path, ps);
    if (fam == NULL || config_setting_type(fam) != CONFIG_TYPE_STRING)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: %s: missing prior = \"normal\" (or "
                             "lognormal, uniform, beta)", file, line, p->path);
    const char *fs = config_setting_get_string(fam);
    int f = -1;
    for (int k = 0; k < 4; k++)
        if (strcmp(fs, family_names[k]) == 0)
            f = k;
    if (f < 0)
        return arv_error_set(err, ARV_EINVAL,
                             "%s:%d: %s: unknown prior '%s' (normal, lognormal, uniform, beta)",
                             file, (int)config_setting_source_line(fam), p->path, fs);
    p->family = (enum arv_prior_family)f;
    bool seen_a = false, seen_b = false;
    int n = config_setting_length(e);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(e, (unsigned)i);
        const char *name = config_setting_name(s);
        int sl = (int)config_setting_source_line(s);
        if (strcmp(name, "path") == 0 || strcmp(name, "prior") == 0)
            continue;
        char what[300];
        snprintf(what, sizeof what, "%s: %s", p->path, name);
        double v = 0;
        if (strcmp(name, family_keys[f][0]) == 0) {
            if (get_number(s, file, what, &v, err) != ARV_OK)
                return err->status;
            p->a = v;
            seen_a = true;
        } else if (strcmp(name, family_keys[f][1]) == 0) {
            if (get_number(s, file, what, &v, err) != ARV_OK)
                return err->status;
            p->b = v;
            seen_b = true;
        } else if (f == ARV_PRIOR_NORMAL && strcmp(name, "min") == 0) {
            if (get_number(s, file, what, &p->lower, err) != ARV_OK)
                return err->status;
        } else if (f == ARV_PRIOR_NORMAL && strcmp(name, "max") == 0) {
            if (get_number(s, file, what, &p->upper, err) != ARV_OK)
                return err->status;
        } else {
            return arv_error_set(err, ARV_EINVAL,
                                 "%s:%d: %s: '%s' is not a parameter of a %s prior (%s, %s%s)",
                                 file, sl, p->path, name, fs, family_keys[f][0],
                                 family_keys[f][1], f == ARV_PRIOR_NORMAL ? ", min, max" : "");
        }
    }
    if (!seen_a || !seen_b)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: %s: a %s prior needs %s", file, line,
                             p->path, fs, !seen_a ? family_keys[f][0] : family_keys[f][1]);
    struct arv_error inner;
    arv_error_init(&inner);
    if (arv_prior_check(p, &inner) != ARV_OK)
        return arv_error_set(err, inner.status, "%s:%d: %s", file, line, inner.msg);
    return ARV_OK;
}

int arv_calib_config_parse(const config_setting_t *group, const char *file,
                           struct arv_calib_config *out, struct arv_error *err)
{
    memset(out, 0, sizeof *out);
    arv_calib_settings_default(&out->settings);
    out->trial_estimator = ARV_EST_CR2;
    struct arv_calib_settings *st = &out->settings;
    int gline = (int)config_setting_source_line(group);
    if (config_setting_type(group) != CONFIG_TYPE_GROUP)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: calibration must be a group: "
                             "calibration: { ... };", file, gline);
    const config_setting_t *list = NULL;
    int n = config_setting_length(group);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
        const char *name = config_setting_name(s);
        int line = (int)config_setting_source_line(s);
        long c = 0;
        double v = 0;
        if (strcmp(name, "method") == 0) {
            const char *m = config_setting_type(s) == CONFIG_TYPE_STRING
                                ? config_setting_get_string(s) : "";
            if (strcmp(m, "abc-smc") == 0)
                st->method = ARV_CALIB_ABC_SMC;
            else if (strcmp(m, "rejection") == 0)
                st->method = ARV_CALIB_REJECTION;
            else if (strcmp(m, "smm") == 0)
                st->method = ARV_CALIB_SMM;
            else
                return arv_error_set(err, ARV_EINVAL, "%s:%d: method must be \"abc-smc\", "
                                     "\"rejection\" or \"smm\"", file, line);
        } else if (strcmp(name, "particles") == 0) {
            if (get_count(s, file, name, 2, &c, err) != ARV_OK)
                return err->status;
            st->particles = (size_t)c;
        } else if (strcmp(name, "generations") == 0) {
            if (get_count(s, file, name, 1, &c, err) != ARV_OK)
                return err->status;
            st->generations = (int)c;
        } else if (strcmp(name, "budget") == 0) {
            if (get_count(s, file, name, 0, &c, err) != ARV_OK)
                return err->status;
            st->budget = c;
        } else if (strcmp(name, "smm_iterations") == 0) {
            if (get_count(s, file, name, 1, &c, err) != ARV_OK)
                return err->status;
            st->smm_max_iter = (int)c;
        } else if (strcmp(name, "smm_tolerance") == 0) {
            if (get_number(s, file, name, &v, err) != ARV_OK)
                return err->status;
            if (!(v > 0 && v < 1))
                return arv_error_set(err, ARV_EINVAL, "%s:%d: smm_tolerance must be in (0, 1)",
                                     file, line);
            st->smm_rel_tol = v;
        } else if (strcmp(name, "min_tolerance") == 0) {
            if (get_number(s, file, name, &v, err) != ARV_OK)
                return err->status;
            if (!(v >= 0))
                return arv_error_set(err, ARV_EINVAL, "%s:%d: min_tolerance must be >= 0", file,
                                     line);
            st->min_tolerance = v;
        } else if (strcmp(name, "discrepancy") == 0 || strcmp(name, "quantile") == 0 ||
                   strcmp(name, "tolerance") == 0) {
            if (get_number(s, file, name, &v, err) != ARV_OK)
                return err->status;
            if (name[0] == 'q' && !(v > 0 && v < 1))
                return arv_error_set(err, ARV_EINVAL, "%s:%d: quantile must be in (0, 1)", file,
                                     line);
            if (name[0] != 'q' && !(v >= 0))
                return arv_error_set(err, ARV_EINVAL, "%s:%d: %s must be >= 0", file, line,
                                     name);
            *(name[0] == 'd' ? &st->discrepancy : name[0] == 'q' ? &st->quantile
                                                                 : &st->tolerance) = v;
        } else if (strcmp(name, "trial_estimator") == 0) {
            const char *e = config_setting_type(s) == CONFIG_TYPE_STRING
                                ? config_setting_get_string(s) : "";
            int found = -1;
            for (int k = 0; k < ARV_EST_N; k++)
                if (strcmp(e, arv_est_name((enum arv_est_method)k)) == 0)
                    found = k;
            if (found < 0)
                return arv_error_set(err, ARV_EINVAL, "%s:%d: trial_estimator must name an "
                                     "estimator of arv trial (cr2, cluster_t, wild_bootstrap, "
                                     "randomisation, mixed, naive_ols)", file, line);
            out->trial_estimator = found;
        } else if (strcmp(name, "trial_scenario") == 0) {
            const char *f = config_setting_type(s) == CONFIG_TYPE_STRING
                                ? config_setting_get_string(s) : "";
            if (f[0] == '\0')
                return arv_error_set(err, ARV_EINVAL, "%s:%d: trial_scenario expects the path "
                                     "of a scenario file", file, line);
            /* relative to the scenario that names it */
            const char *slash = strrchr(file, '/');
            int dir = f[0] == '/' || slash == NULL ? 0 : (int)(slash - file) + 1;
            size_t len = (size_t)dir + strlen(f) + 1;
            free(out->trial_scenario);
            out->trial_scenario = arv_xcalloc(len, 1);
            snprintf(out->trial_scenario, len, "%.*s%s", dir, file, f);
            out->trial_scenario_line = line;
        } else if (strcmp(name, "observation_noise") == 0) {
            if (config_setting_type(s) != CONFIG_TYPE_BOOL)
                return arv_error_set(err, ARV_EINVAL, "%s:%d: observation_noise expects true or "
                                     "false", file, line);
            st->observation_noise = config_setting_get_bool(s);
        } else if (strcmp(name, "parameters") == 0) {
            if (config_setting_type(s) != CONFIG_TYPE_LIST)
                return arv_error_set(err, ARV_EINVAL, "%s:%d: parameters must be a list ( { path "
                                     "= ...; prior = ...; ... }, ... )", file, line);
            list = s;
        } else {
            return arv_error_set(err, ARV_EINVAL, "%s:%d: unknown calibration setting '%s'", file,
                                 line, name);
        }
    }
    if (list == NULL || config_setting_length(list) == 0)
        return arv_error_set(err, ARV_EINVAL, "%s:%d: calibration needs parameters = ( ... ) "
                             "with at least one prior", file, gline);
    size_t np = (size_t)config_setting_length(list);
    out->priors = arv_xcalloc(np, sizeof *out->priors);
    for (size_t k = 0; k < np; k++) {
        const config_setting_t *e = config_setting_get_elem(list, (unsigned)k);
        if (parse_prior(e, file, &out->priors[k], err) != ARV_OK) {
            arv_calib_config_free(out);
            return err->status;
        }
        out->n_priors = k + 1;
        for (size_t j = 0; j < k; j++)
            if (strcmp(out->priors[j].path, out->priors[k].path) == 0) {
                arv_error_set(err, ARV_EINVAL, "%s:%d: %s already has a prior (line %d)", file,
                              out->priors[k].line, out->priors[k].path, out->priors[j].line);
                arv_calib_config_free(out);
                return err->status;
            }
    }
    return ARV_OK;
}

void arv_calib_config_free(struct arv_calib_config *c)
{
    free(c->trial_scenario);
    c->trial_scenario = NULL;
    free(c->priors);
    c->priors = NULL;
    c->n_priors = 0;
}
