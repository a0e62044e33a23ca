/*
 * Population: offices (arm, random effects, fidelity, local unemployment)
 * and the synthesis of households (origin, education, adults, children,
 * wages, latent barriers) from the scenario's composition parameters.
 * It owns the shared arrays of household.h.
 */
#include "household.h"
#include "allocation.h"
#include "population_file.h"

#include <assert.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const arv__origin_names[N_ORIGINS] = {"norway", "somalia", "eritrea",
                                                  "iraq",   "afghanistan", "other"};
const char *const arv__education_names[N_EDUCATION] = {"primary", "upper_secondary", "tertiary"};
const char *const arv__work_names[N_WORK] = {"inactive", "seeking", "programme", "part_time",
                                             "full_time"};
const char *const arv__housing_names[N_HOUSING] = {"temporary", "municipal", "private_insecure",
                                                   "private_stable", "owner"};
const char *const arv__arm_names[N_ARMS] = {"usual", "coordinator", "holf"};

#define SHARE(path, v, desc, src) {path, ARV_PARAM_DOUBLE, v, 0, 1, "share", desc, src, NULL, NULL}

static const struct arv_param_def defs[] = {
    {"offices.count", ARV_PARAM_INT, 29, 1, 5000, "offices", "NAV offices simulated.", "H01",
     NULL, NULL},
    {"offices.holf", ARV_PARAM_INT, 15, 0, 5000, "offices",
     "Offices randomised to the HOLF model.", "H02", NULL, NULL},
    {"offices.coordinator", ARV_PARAM_INT, 14, 0, 5000, "offices",
     "Offices randomised to coordinators in local practice; the rest give usual care.", "H03",
     NULL, NULL},
    {"offices.allocation", ARV_PARAM_ENUM, 0, 0, 0, "-",
     "How offices are randomised to arms: 'simple' (a keyed random ranking) or "
     "'unemployment' (stratified: offices paired by local unemployment, arms balanced "
     "within pairs).",
     "H01-H03 (the trial's rule is not published; simple is assumed)", "simple",
     "simple|unemployment"},
    {"trial.swap_arms", ARV_PARAM_BOOL, 0, 0, 1, "-",
     "Swap the HOLF and coordinator arms after allocation (the same offices, families and "
     "draws under the other arm): how arv trial knows each trial's true effect.",
     "method (docs/trial.md)", NULL, NULL},
    {"offices.coordinators", ARV_PARAM_DOUBLE, 2, 0, 100, "persons per office",
     "Family coordinators per office with a coordinator arm.", "H04, H05", NULL, NULL},
    {"offices.sd_work", ARV_PARAM_DOUBLE, 0.4, 0, 3, "logit",
     "SD of the office random effect on moves into work (0.4 gives a latent ICC near 0.05).",
     "assumption", NULL, NULL},
    {"offices.sd_housing", ARV_PARAM_DOUBLE, 0.4, 0, 3, "logit",
     "SD of the office random effect on moves to better housing.", "assumption", NULL, NULL},
    {"offices.sd_economy", ARV_PARAM_DOUBLE, 0.4, 0, 3, "logit",
     "SD of the office random effect on arrears settlement and SA take-up.", "assumption", NULL,
     NULL},
    {"offices.sd_children", ARV_PARAM_DOUBLE, 0.15, 0, 3, "score",
     "SD of the office random effect on children's inclusion drift.", "assumption", NULL, NULL},
    {"offices.unemployment_mean", ARV_PARAM_DOUBLE, 0.025, 0, 0.5, "share",
     "Mean local registered unemployment (with programme participants).", "G48 (whole "
     "population, Q2 2016)", NULL, NULL},
    {"offices.unemployment_sd", ARV_PARAM_DOUBLE, 0.008, 0, 0.2, "share",
     "SD of local unemployment across offices.", "assumption", NULL, NULL},
    {"offices.fidelity_mean", ARV_PARAM_DOUBLE, 0.7, 0.01, 0.99, "share",
     "Mean fidelity to the HOLF model in HOLF offices (scales the HOLF increment).",
     "assumption (H31: more goal-directed follow-up in the HOLF arm)", NULL, NULL},
    {"offices.fidelity_sd", ARV_PARAM_DOUBLE, 0.15, 0, 0.45, "share",
     "SD of fidelity across HOLF offices (beta distribution).", "assumption", NULL, NULL},
    SHARE("population.origin.norway", 0.22, "Share of households with a Norway-born first adult.",
          "H13 (78% immigrant background among the enrolled)"),
    SHARE("population.origin.somalia", 0.20, "Share with Somali background.",
          "H16 (main origin; share assumption)"),
    SHARE("population.origin.eritrea", 0.10, "Share with Eritrean background.",
          "H16 (main origin; share assumption)"),
    SHARE("population.origin.iraq", 0.14, "Share with Iraqi background.",
          "H16 (main origin; share assumption)"),
    SHARE("population.origin.afghanistan", 0.09, "Share with Afghan background.",
          "H16 (main origin; share assumption)"),
    SHARE("population.origin.other", 0.25, "Share with another immigrant background.",
          "H13 minus the four above (assumption)"),
    SHARE("population.education.primary", 0.49, "Adults with primary school or less.",
          "H15 (among the enrolled)"),
    SHARE("population.education.upper_secondary", 0.33, "Adults with upper secondary school.",
          "assumption"),
    SHARE("population.education.tertiary", 0.18, "Adults with tertiary education.",
          "assumption"),
    SHARE("population.single_parent_share", 0.40, "Households with one adult.", "assumption"),
    {"population.file", ARV_PARAM_STRING, 0, 0, 0, "file",
     "Household CSV to simulate instead of synthesising (the format `arv synth` writes); "
     "relative to the scenario file that sets it. Empty: synthesise.",
     "assumption", "", NULL},
    SHARE("population.partner_same_education", 0.0,
          "Probability that a partner has the first adult's education rather than an "
          "independent draw (assortative mating).",
          "assumption"),
    {"population.partner_barrier_correlation", ARV_PARAM_DOUBLE, 0.0, -0.99, 0.99, "correlation",
     "Correlation of the partners' latent barriers to work.", "assumption", NULL, NULL},
    {"population.extra_children_mean", ARV_PARAM_DOUBLE, 1.2, 0, 8, "children",
     "Mean of the Poisson number of children beyond the first.", "assumption", NULL, NULL},
    {"population.max_children", ARV_PARAM_INT, 4, 1, ARV_MAX_CHILDREN, "children",
     "Most children at home at synthesis.", "H18", NULL, NULL},
    SHARE("population.single_mother_share", 0.85,
          "Single parents who are mothers (the rest are fathers); in a couple the first adult "
          "is the mother.",
          "assumption"),
    {"population.age_first_birth_mean", ARV_PARAM_DOUBLE, 28, 16, 45, "years",
     "Mean age of the mother at the birth of her oldest child at home.", "assumption", NULL,
     NULL},
    {"population.age_first_birth_sd", ARV_PARAM_DOUBLE, 4.5, 0, 15, "years",
     "SD of that age (normal, clamped to 16-45 years).", "assumption", NULL, NULL},
    {"population.partner_age_gap_mean", ARV_PARAM_DOUBLE, 3, -20, 20, "years",
     "Mean age of the father minus that of the mother.", "assumption", NULL, NULL},
    {"population.partner_age_gap_sd", ARV_PARAM_DOUBLE, 4, 0, 20, "years",
     "SD of the parents' age gap (normal; no parent is younger than 16).", "assumption", NULL,
     NULL},
    {"population.years_norway_mean", ARV_PARAM_DOUBLE, 12, 0, 60, "years",
     "Mean years in Norway of immigrant adults (gamma distributed).",
     "H14 (among the enrolled)", NULL, NULL},
    {"population.years_norway_shape", ARV_PARAM_DOUBLE, 3, 0.1, 100, "-",
     "Shape of the gamma distribution of years in Norway.", "assumption", NULL, NULL},
    {"population.barrier_immigrant", ARV_PARAM_DOUBLE, 0.5, -3, 3, "sd",
     "Shift of the latent barrier to work for immigrant adults (language).", "assumption", NULL,
     NULL},
    {"population.barrier_per_year", ARV_PARAM_DOUBLE, -0.03, -1, 1, "sd per year",
     "Change of an immigrant's barrier per year in Norway.", "assumption", NULL, NULL},
    {"income.wage.primary", ARV_PARAM_DOUBLE, 36300, 0, 200000, "NOK/month",
     "Median full-time gross wage, primary education.", "assumption", NULL, NULL},
    {"income.wage.upper_secondary", ARV_PARAM_DOUBLE, 46200, 0, 200000, "NOK/month",
     "Median full-time gross wage, upper secondary.", "assumption", NULL, NULL},
    {"income.wage.tertiary", ARV_PARAM_DOUBLE, 60500, 0, 200000, "NOK/month",
     "Median full-time gross wage, tertiary.", "assumption", NULL, NULL},
    {"income.wage_sd", ARV_PARAM_DOUBLE, 0.25, 0, 2, "log NOK",
     "SD of individual log wages around the median.", "assumption", NULL, NULL},
    {"income.wage_gap_immigrant", ARV_PARAM_DOUBLE, 0, -2, 1, "log NOK",
     "Log wage of an immigrant adult relative to a Norway-born adult with the same "
     "education (0: none).",
     "assumption (calibrated in scenarios/calibration/norway_fitted.cfg)", NULL, NULL},
};

struct comp {
    double origin[N_ORIGINS], education[N_EDUCATION];
    double single, extra_children, years_mean, years_shape, barrier_imm, barrier_year;
    double same_education, barrier_rho;
    double single_mother, first_birth_mean, first_birth_sd, gap_mean, gap_sd; /* years */
    double wage[N_EDUCATION], wage_sd, wage_gap_factor, trait_sd;
    int max_children;
    double sd[N_DOMAINS], unemp_mean, unemp_sd, fid_mean, fid_sd, coordinators;
    int n_holf, n_coord;
    int stratified, swap_arms;
    double *fidelity; /* per office: this replicate's fidelity draw, whatever its arm */
    struct arv_household_row *rows; /* from population.file, or NULL */
};

static const struct arv_metric_def metrics[] = {
    {"families", ARV_TABLE_SUMMARY, "number of families in the group", ARV_STAT_COUNT},
    {"children", ARV_TABLE_SUMMARY, "number of children living at home", ARV_STAT_COUNT},
};

static struct comp *comp_of(const struct arv_world *w)
{
    return arv_world_state(w, &arv_model_population);
}

/* Reads a set of shares that must sum to 1. */
static int read_shares(const struct arv_params *p, const char *prefix,
                       const char *const *names, int n, double *out, struct arv_error *err)
{
    double sum = 0;
    char path[128], blame[128] = "";
    for (int k = 0; k < n; k++) {
        snprintf(path, sizeof path, "%s.%s", prefix, names[k]);
        out[k] = arv_params_double(p, path);
        sum += out[k];
        /* the error names a share set on the command line (--set) if there
         * is one, the user's latest word; otherwise the last share */
        struct arv_param_origin o = arv_params_origin(p, path);
        if (o.file != NULL && o.line == 0)
            snprintf(blame, sizeof blame, "%s", path);
    }
    if (fabs(sum - 1.0) > 1e-6) {
        char where[512];
        arv_params_where(p, blame[0] ? blame : path, where, sizeof where);
        return arv_error_set(err, ARV_EINVAL, "%s: the %s.* shares sum to %.6g, not 1", where,
                             prefix, sum);
    }
    return ARV_OK;
}

#define ALLOC(field, count) (p->field = arv_xcalloc((count), sizeof *p->field))

static void alloc_pop(struct arv_pop *p, size_t n, int n_offices)
{
    size_t na = n * ARV_MAX_ADULTS, nc = n * ARV_MAX_CHILDREN;
    p->n = n;
    p->n_offices = n_offices;
    p->keeps_history = true;
    ALLOC(offices, (size_t)n_offices);
    ALLOC(office, n), ALLOC(group, n), ALLOC(n_adults, n), ALLOC(n_children, n);
    ALLOC(origin, n), ALLOC(takeup, n), ALLOC(shock_proneness, n);
    ALLOC(education, na), ALLOC(work, na), ALLOC(work_months, na), ALLOC(years_norway, na);
    ALLOC(barrier, na), ALLOC(wage, na), ALLOC(work_z, na), ALLOC(adult_age, na), ALLOC(female, na);
    ALLOC(ui_months, na), ALLOC(ui_amount, na);
    ALLOC(child_age, nc), ALLOC(participation, nc), ALLOC(inclusion, nc);
    ALLOC(inclusion_trait, nc), ALLOC(months_low_income, nc), ALLOC(months_sa, nc);
    ALLOC(months_temporary, nc), ALLOC(moves, nc);
    ALLOC(earnings, n), ALLOC(benefits, n), ALLOC(sa_amount, n), ALLOC(disposable, n);
    ALLOC(needs, n), ALLOC(housing_cost, n), ALLOC(arrears, n), ALLOC(strain, n);
    ALLOC(sa, n), ALLOC(sa_history, n), ALLOC(low_income, n);
    ALLOC(income_ring, n * ARV_INCOME_MONTHS);
    ALLOC(housing, n), ALLOC(housing_months, n), ALLOC(moved, n);
    ALLOC(events, n), ALLOC(stress, n);
    ALLOC(followup_month, n), ALLOC(followup_scale, n);
    ALLOC(survey_strain, n), ALLOC(survey_inclusion, n), ALLOC(responded, n);
}

static void free_pop(struct arv_pop *p)
{
    void *fields[] = {p->offices, p->office, p->group, p->n_adults, p->n_children, p->origin,
                      p->takeup, p->shock_proneness, p->education, p->work, p->work_months,
                      p->years_norway, p->barrier, p->wage, p->work_z, p->adult_age, p->female,
                      p->ui_months, p->ui_amount, p->child_age, p->participation,
                      p->inclusion, p->inclusion_trait, p->months_low_income, p->months_sa,
                      p->months_temporary, p->moves, p->earnings, p->benefits, p->sa_amount,
                      p->disposable, p->needs, p->housing_cost, p->arrears, p->strain, p->sa,
                      p->sa_history, p->low_income, p->income_ring, p->housing, p->housing_months, p->moved, p->events, p->stress,
                      p->burn_log, p->followup_month, p->followup_scale, p->survey_strain,
                      p->survey_inclusion, p->responded};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
        free(fields[k]);
    free(p);
}

/* Reads population.file, if set, resolving it against the directory of the
 * scenario that named it; its rows must match population.households. */
static int read_file(const struct arv_world *w, struct comp *c, int n_off, struct arv_error *err)
{
    char path[8192];
    if (arv_params_file(w->params, "population.file", path, sizeof path)[0] == '\0')
        return ARV_OK;
    size_t n_rows = 0;
    if (arv__households_read(path, n_off, &c->rows, &n_rows, err) != ARV_OK)
        return err->status;
    if (n_rows != w->n_households) {
        char where[512];
        arv_params_where(w->params, "population.households", where, sizeof where);
        return arv_error_set(err, ARV_EINVAL,
                             "%s: population.households is %zu but %s has %zu households; "
                             "set population.households = %zu",
                             where, w->n_households, path, n_rows, n_rows);
    }
    return ARV_OK;
}

static int setup(struct arv_world *w, struct arv_error *err)
{
    const struct arv_params *p = w->params;
    struct comp *c = arv_xcalloc(1, sizeof *c);
    int rc = read_shares(p, "population.origin", arv__origin_names, N_ORIGINS, c->origin, err);
    if (rc == ARV_OK)
        rc = read_shares(p, "population.education", arv__education_names, N_EDUCATION,
                         c->education, err);
    int n_off = (int)arv_params_int(p, "offices.count");
    c->n_holf = (int)arv_params_int(p, "offices.holf");
    c->n_coord = (int)arv_params_int(p, "offices.coordinator");
    if (rc == ARV_OK && c->n_holf + c->n_coord > n_off) {
        char where[512];
        arv_params_where(p, "offices.holf", where, sizeof where);
        rc = arv_error_set(err, ARV_EINVAL,
                           "%s: offices.holf (%d) + offices.coordinator (%d) exceed "
                           "offices.count (%d)",
                           where, c->n_holf, c->n_coord, n_off);
    }
    if (rc == ARV_OK && (size_t)n_off > w->n_households) {
        char where[512];
        arv_params_where(p, "offices.count", where, sizeof where);
        rc = arv_error_set(err, ARV_EINVAL, "%s: more offices (%d) than households (%zu)", where,
                           n_off, w->n_households);
    }
    if (rc == ARV_OK)
        rc = read_file(w, c, n_off, err);
    if (rc != ARV_OK) {
        free(c->rows);
        free(c);
        return rc;
    }
    c->single = arv_params_double(p, "population.single_parent_share");
    c->extra_children = arv_params_double(p, "population.extra_children_mean");
    c->same_education = arv_params_double(p, "population.partner_same_education");
    c->barrier_rho = arv_params_double(p, "population.partner_barrier_correlation");
    c->max_children = (int)arv_params_int(p, "population.max_children");
    c->single_mother = arv_params_double(p, "population.single_mother_share");
    c->first_birth_mean = arv_params_double(p, "population.age_first_birth_mean");
    c->first_birth_sd = arv_params_double(p, "population.age_first_birth_sd");
    c->gap_mean = arv_params_double(p, "population.partner_age_gap_mean");
    c->gap_sd = arv_params_double(p, "population.partner_age_gap_sd");
    c->years_mean = arv_params_double(p, "population.years_norway_mean");
    c->years_shape = arv_params_double(p, "population.years_norway_shape");
    c->barrier_imm = arv_params_double(p, "population.barrier_immigrant");
    c->barrier_year = arv_params_double(p, "population.barrier_per_year");
    c->wage[EDU_PRIMARY] = arv_params_double(p, "income.wage.primary");
    c->wage[EDU_UPPER_SECONDARY] = arv_params_double(p, "income.wage.upper_secondary");
    c->wage[EDU_TERTIARY] = arv_params_double(p, "income.wage.tertiary");
    c->wage_sd = arv_params_double(p, "income.wage_sd");
    c->wage_gap_factor = exp(arv_params_double(p, "income.wage_gap_immigrant"));
    c->trait_sd = arv_params_double(p, "children.inclusion.trait_sd");
    c->sd[DOMAIN_WORK] = arv_params_double(p, "offices.sd_work");
    c->sd[DOMAIN_HOUSING] = arv_params_double(p, "offices.sd_housing");
    c->sd[DOMAIN_ECONOMY] = arv_params_double(p, "offices.sd_economy");
    c->sd[DOMAIN_CHILDREN] = arv_params_double(p, "offices.sd_children");
    c->unemp_mean = arv_params_double(p, "offices.unemployment_mean");
    c->unemp_sd = arv_params_double(p, "offices.unemployment_sd");
    c->fid_mean = arv_params_double(p, "offices.fidelity_mean");
    c->fid_sd = arv_params_double(p, "offices.fidelity_sd");
    c->coordinators = arv_params_double(p, "offices.coordinators");
    c->stratified = arv_params_enum(p, "offices.allocation") == 1;
    c->swap_arms = arv_params_bool(p, "trial.swap_arms");
    c->fidelity = arv_xcalloc((size_t)n_off, sizeof *c->fidelity);
    arv_world_set_state(w, &arv_model_population, c);
    struct arv_pop *pop = arv_xcalloc(1, sizeof *pop);
    alloc_pop(pop, w->n_households, n_off);
    w->shared = pop;
    return ARV_OK;
}

static void release(struct arv_world *w)
{
    free(comp_of(w)->rows);
    free(comp_of(w)->fidelity);
    free(comp_of(w));
    free_pop(arv__pop(w));
    w->shared = NULL;
}


/* Offices: arms by random allocation, random effects, unemployment and
 * fidelity, all keyed by office id. Fidelity is drawn for every office and
 * kept by the HOLF ones, so an office has the same fidelity whichever arm
 * it gets (trial.swap_arms). */
static void prepare(struct arv_world *w)
{
    const struct comp *c = comp_of(w);
    struct arv_pop *p = arv__pop(w);
    /* a replicate starts whole or with some of its households (snapshot.h) */
    assert((p->id != NULL || p->n == w->max_households) && p->n <= w->max_households);
    p->keeps_history = !w->skip_accounting;
    if (w->defer_burn_in && p->burn_log == NULL && w->burn_in > 0)
        p->burn_log = arv_xcalloc((size_t)w->burn_in * w->max_households, sizeof *p->burn_log);
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    double u[5000], *fid = c->fidelity;
    for (int o = 0; o < p->n_offices; o++) {
        arv_rng_seek(&r, ARV_STREAM_ALLOCATION, (uint32_t)o, 0);
        u[o] = arv_rng_uniform(&r);
        struct arv_office *of = &p->offices[o];
        arv_rng_seek(&r, ARV_STREAM_OFFICES, (uint32_t)o, 0);
        gsl_rng *g = arv_rng_gsl(&r);
        for (int d = 0; d < N_DOMAINS; d++)
            of->effect[d] = (float)gsl_ran_gaussian(g, c->sd[d]);
        of->unemployment = (float)arv__max(0.0, c->unemp_mean + gsl_ran_gaussian(g, c->unemp_sd));
        /* beta with the given mean and sd (method of moments) */
        double m = c->fid_mean, v = c->fid_sd * c->fid_sd;
        fid[o] = m;
        if (v > 0 && v < m * (1 - m)) {
            double k = m * (1 - m) / v - 1;
            fid[o] = gsl_ran_beta(g, m * k, (1 - m) * k);
        }
    }
    if (c->stratified)
        arv__allocate_stratified(p->offices, p->n_offices, u, c->n_holf, c->n_coord);
    for (int o = 0; o < p->n_offices; o++) {
        struct arv_office *of = &p->offices[o];
        if (!c->stratified) { /* rank offices by a keyed uniform; lowest n_holf get HOLF */
            int rank = 0;
            for (int q = 0; q < p->n_offices; q++)
                rank += u[q] < u[o] || (u[q] == u[o] && q < o);
            of->arm = rank < c->n_holf ? ARM_HOLF
                      : rank < c->n_holf + c->n_coord ? ARM_COORDINATOR
                                                      : ARM_USUAL;
        }
        if (c->swap_arms && of->arm != ARM_USUAL)
            of->arm = of->arm == ARM_HOLF ? ARM_COORDINATOR : ARM_HOLF;
        of->fidelity = of->arm == ARM_HOLF ? (float)fid[o] : 0.0f;
        of->capacity = 0;
        of->active = 0;
        of->intensity = 0;
    }
}

void arv__population_swap_arms(struct arv_world *w)
{
    const struct comp *c = comp_of(w);
    struct arv_pop *p = arv__pop(w);
    for (int o = 0; o < p->n_offices; o++) {
        struct arv_office *of = &p->offices[o];
        if (of->arm != ARM_USUAL)
            of->arm = of->arm == ARM_HOLF ? ARM_COORDINATOR : ARM_HOLF;
        of->fidelity = of->arm == ARM_HOLF ? (float)c->fidelity[o] : 0.0f;
    }
}

/* Latent traits of an adult: barrier to work and wage. */
static void draw_adult_traits(struct arv_pop *p, const struct comp *c, size_t a, int origin,
                              gsl_rng *g)
{
    double barrier = gsl_ran_gaussian(g, 1.0);
    if (origin != ORIGIN_NORWAY)
        barrier += c->barrier_imm + c->barrier_year * p->years_norway[a];
    p->barrier[a] = (float)barrier;
    /* an immigrant's pay at a given education differs by the gap (a
     * factor of exactly 1 when it is 0) */
    double gap = origin != ORIGIN_NORWAY ? c->wage_gap_factor : 1.0;
    p->wage[a] = (float)(c->wage[p->education[a]] * gap * exp(gsl_ran_gaussian(g, c->wage_sd)));
}

static void synth_adult(struct arv_pop *p, const struct comp *c, size_t a, int origin,
                        gsl_rng *g)
{
    p->education[a] = (uint8_t)arv__categorical(c->education, N_EDUCATION, gsl_rng_uniform(g));
    p->years_norway[a] = origin == ORIGIN_NORWAY
                             ? 0.0f
                             : (float)gsl_ran_gamma(g, c->years_shape,
                                                    c->years_mean / c->years_shape);
    draw_adult_traits(p, c, a, origin, g);
    p->work[a] = WORK_INACTIVE; /* work.c draws the start state */
    p->work_months[a] = 0;
}

/* Composition and start state of household h from a file row. */
static void from_row(struct arv_pop *p, const struct comp *c, size_t h,
                     const struct arv_household_row *row, gsl_rng *g)
{
    p->office[h] = (uint16_t)row->office;
    p->origin[h] = (uint8_t)row->origin;
    p->n_adults[h] = (uint8_t)row->adults;
    for (int a = 0; a < ARV_MAX_ADULTS; a++) {
        size_t i = (size_t)ARV_MAX_ADULTS * h + a;
        if (a < row->adults) {
            p->education[i] = (uint8_t)row->education[a];
            p->years_norway[i] = row->years_norway[a];
            draw_adult_traits(p, c, i, row->origin, g);
            p->work[i] = (uint8_t)row->work[a];
        } else { /* a partner who may join later (demography.c) */
            synth_adult(p, c, i, row->origin, g);
        }
        p->work_months[i] = 0;
    }
    p->n_children[h] = (uint8_t)row->n_children;
    p->housing[h] = (uint8_t)row->housing;
    p->sa[h] = (uint8_t)row->on_sa;
    /* the most recent months first, as the history bits count; bit 0 is
     * this month, on SA only if on_sa (the file's check: then at most 11) */
    unsigned months = (1u << row->sa_months) - 1u;
    p->sa_history[h] = (uint16_t)((row->on_sa ? months : months << 1) & 0xFFFu);
    p->arrears[h] = row->arrears;
}

static void synth_household(struct arv_pop *p, const struct comp *c, size_t h, gsl_rng *g)
{
    int origin = arv__categorical(c->origin, N_ORIGINS, gsl_rng_uniform(g));
    p->origin[h] = (uint8_t)origin;
    p->n_adults[h] = gsl_rng_uniform(g) < c->single ? 1 : 2;
    for (int a = 0; a < ARV_MAX_ADULTS; a++)
        synth_adult(p, c, (size_t)ARV_MAX_ADULTS * h + a, origin, g);
    unsigned kids = 1 + gsl_ran_poisson(g, c->extra_children);
    p->n_children[h] = (uint8_t)(kids > (unsigned)c->max_children ? (unsigned)c->max_children : kids);
    p->housing[h] = HOUSING_PRIVATE_INSECURE;
    p->sa[h] = 0;
    p->sa_history[h] = 0;
    p->arrears[h] = 0;
}

/* Partners resemble each other: the second adult may take the first's
 * education (its wage keeps its own luck), and the standard-normal parts of
 * their barriers to work are correlated. Its draw comes after every other
 * draw of the household's sub-stream, so those keep their places. A second
 * adult from a household file keeps the file's education; the latent
 * barriers resemble each other as in synthesis. */
static void resemble_partners(struct arv_pop *p, const struct comp *c, size_t h,
                              bool education_given, gsl_rng *g)
{
    size_t a0 = (size_t)ARV_MAX_ADULTS * h, a1 = a0 + 1;
    int origin = p->origin[h];
    if (gsl_rng_uniform(g) < c->same_education && !education_given &&
        p->education[a1] != p->education[a0]) {
        p->wage[a1] = (float)(p->wage[a1] * c->wage[p->education[a0]] / c->wage[p->education[a1]]);
        p->education[a1] = p->education[a0];
    }
    if (c->barrier_rho != 0) {
        double shift0 = origin != ORIGIN_NORWAY
                            ? c->barrier_imm + c->barrier_year * p->years_norway[a0] : 0.0;
        double shift1 = origin != ORIGIN_NORWAY
                            ? c->barrier_imm + c->barrier_year * p->years_norway[a1] : 0.0;
        double z0 = p->barrier[a0] - shift0, z1 = p->barrier[a1] - shift1;
        double rho = c->barrier_rho;
        p->barrier[a1] = (float)(shift1 + rho * z0 + sqrt(1 - rho * rho) * z1);
    }
}

/* The youngest a parent can be, months. */
enum { MIN_PARENT_AGE = 16 * 12 };

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

/* The adults' sex and age in months, once the children's ages are known.
 * A household file may give them (row->has_age_sex); otherwise the
 * mother's age is her oldest child's at home plus her age at that birth
 * (population.age_first_birth_*), the father's hers plus the parents' gap
 * (population.partner_age_gap_*). A single parent is a mother with
 * probability population.single_mother_share; in a couple the first adult
 * is the mother, so that a separation (demography.c) leaves her with the
 * children. The second slot of a single parent, a partner who may join
 * later, has the other sex and an age from the same gap. Draws: sub-stream
 * (household, POPULATION, 4), all three always. */
static void age_and_sex(struct arv_pop *p, const struct comp *c, size_t h,
                        const struct arv_household_row *row, struct arv_rng *r)
{
    size_t a0 = (size_t)ARV_MAX_ADULTS * h, a1 = a0 + 1;
    arv_rng_seek(r, ARV_STREAM_POPULATION, arv__id(p, h), 4);
    double u_sex = arv_rng_uniform(r), z_birth = arv_rng_normal(r), z_gap = arv_rng_normal(r);
    double gap = 12 * (c->gap_mean + c->gap_sd * z_gap); /* father minus mother, months */
    if (row && row->has_age_sex) {
        p->female[a0] = (uint8_t)row->female[0];
        double first = round(12.0 * row->age[0]);
        p->adult_age[a0] = (uint16_t)first;
        if (row->adults == 2) {
            p->female[a1] = (uint8_t)row->female[1];
            p->adult_age[a1] = (uint16_t)round(12.0 * row->age[1]);
        } else {
            p->female[a1] = !p->female[a0];
            p->adult_age[a1] = (uint16_t)clamp(round(p->female[a0] ? first + gap : first - gap),
                                               MIN_PARENT_AGE, 1200);
        }
        return;
    }
    int oldest = 0;
    for (int k = 0; k < ARV_MAX_CHILDREN; k++)
        if (p->child_age[(size_t)ARV_MAX_CHILDREN * h + k] > oldest)
            oldest = p->child_age[(size_t)ARV_MAX_CHILDREN * h + k];
    double at_birth = clamp(c->first_birth_mean + c->first_birth_sd * z_birth, 16, 45);
    double mother = oldest + round(12 * at_birth);
    double father = clamp(round(mother + gap), MIN_PARENT_AGE, 1200);
    int mother_first = p->n_adults[h] == 2 || u_sex < c->single_mother;
    p->female[a0] = (uint8_t)mother_first;
    p->female[a1] = (uint8_t)!mother_first;
    p->adult_age[a0] = (uint16_t)(mother_first ? mother : father);
    p->adult_age[a1] = (uint16_t)(mother_first ? father : mother);
}

int arv__population_office(const struct arv_world *w, size_t id)
{
    const struct comp *c = comp_of(w);
    if (c->rows)
        return c->rows[id].office;
    /* equal contiguous blocks of the pool */
    return (int)(id * (size_t)arv__pop(w)->n_offices / w->max_households);
}

static void start(struct arv_world *w, size_t begin, size_t end)
{
    const struct comp *c = comp_of(w);
    struct arv_pop *p = arv__pop(w);
    struct arv_rng r;
    arv_rng_init(&r, w->seed, w->rep);
    gsl_rng *g = arv_rng_gsl(&r);
    for (size_t h = begin; h < end; h++) {
        /* keyed by the household's identity: a household started alone or
         * with only some others (snapshot.h) is the one of the whole pool */
        uint32_t id = arv__id(p, h);
        arv_rng_seek(&r, ARV_STREAM_POPULATION, id, 0);
        if (c->rows)
            from_row(p, c, h, &c->rows[id], g);
        else
            synth_household(p, c, h, g);
        p->office[h] = (uint16_t)arv__population_office(w, id);
        p->group[h] = GROUP_NONE;
        for (int a = 0; a < ARV_MAX_ADULTS; a++) {
            p->ui_months[(size_t)ARV_MAX_ADULTS * h + a] = 0;
            p->ui_amount[(size_t)ARV_MAX_ADULTS * h + a] = 0;
        }
        double u_takeup = gsl_rng_uniform_pos(g);
        p->takeup[h] = (float)log(u_takeup / (1 - u_takeup));
        p->shock_proneness[h] = (float)gsl_ran_exponential(g, 1.0);
        resemble_partners(p, c, h, c->rows && c->rows[id].adults == 2, g);
        /* children: ages from the file or uniform over 0-17 years; an
         * empty slot draws nothing (a birth draws its child, demography.c) */
        arv_rng_seek(&r, ARV_STREAM_POPULATION, id, 1);
        for (int k = 0; k < ARV_MAX_CHILDREN; k++) {
            size_t i = (size_t)ARV_MAX_CHILDREN * h + k;
            double trait = 0;
            int age = -1;
            if (k < p->n_children[h]) {
                trait = gsl_ran_gaussian(g, c->trait_sd);
                age = (int)gsl_rng_uniform_int(g, 18 * 12);
                if (c->rows)
                    age = c->rows[id].child_age[k];
            }
            p->child_age[i] = (int16_t)age;
            p->inclusion_trait[i] = (float)trait;
            p->inclusion[i] = (float)trait;
            p->participation[i] = 0;
            p->months_low_income[i] = p->months_sa[i] = p->months_temporary[i] = 0;
            p->moves[i] = 0;
        }
        age_and_sex(p, c, h, c->rows ? &c->rows[id] : NULL, &r);
        /* no income history yet: a burn-in shorter than the ring leaves
         * the rest empty, not the previous replicate's */
        for (size_t m = 0; m < ARV_INCOME_MONTHS && p->keeps_history; m++)
            p->income_ring[m * p->n + h] = 0;
        p->housing_months[h] = 0;
        p->moved[h] = 0;
        p->events[h] = 0;
        p->stress[h] = 0;
        p->strain[h] = 5;
        p->followup_month[h] = -1;
        p->followup_scale[h] = 0;
        p->responded[h] = 0;
    }
}

static void observe(const struct arv_world *w, size_t begin, size_t end, struct arv_tally *t,
                    int m0)
{
    const struct arv_pop *p = arv__pop(w);
    for (size_t h = begin; h < end; h++)
        if (p->group[h] != GROUP_NONE) {
            arv_tally_add(t, m0, p->group[h], 0, 1, 1);
            arv_tally_add(t, m0 + 1, p->group[h], 0, p->n_children[h], 1);
        }
}

static const char *group_name(int g)
{
    static const char *const names[] = {"usual", "coordinator", "holf"};
    return g >= GROUP_USUAL && g <= GROUP_HOLF ? names[g - 1] : "ineligible";
}

static void panel_row(const struct arv_world *w, size_t h, char *buf, size_t size)
{
    const struct arv_pop *p = arv__pop(w);
    size_t a0 = (size_t)ARV_MAX_ADULTS * h;
    int employed = 0;
    for (int a = 0; a < p->n_adults[h]; a++)
        employed += arv__employed(p->work[a0 + a]);
    double incl = arv__children_inclusion(p, h);
    char inclusion[32] = "NA";
    if (!isnan(incl))
        snprintf(inclusion, sizeof inclusion, "%.4f", incl);
    snprintf(buf, size, ",%u,%s,%d,%s,%s,%u,%u,%s,%d,%u,%.0f,%u,%s,%.0f,%.4f,%s", p->office[h],
             group_name(p->group[h]), w->month, arv__origin_names[p->origin[h]],
             arv__education_names[p->education[a0]], p->n_adults[h], p->n_children[h],
             arv__work_names[p->work[a0]], employed, p->sa[h], p->disposable[h],
             p->low_income[h], arv__housing_names[p->housing[h]], p->arrears[h], p->strain[h],
             inclusion);
}

const struct arv_model_ops arv_model_population = {
    .name = "population",
    .params = defs,
    .n_params = sizeof defs / sizeof defs[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .setup = setup,
    .release = release,
    .prepare = prepare,
    .start = start,
    .observe = observe,
    .panel_header = ",office,group,month,origin,education,adults,children,work_state,"
                    "employed_adults,sa,disposable_income,low_income,housing,arrears,"
                    "financial_strain,child_inclusion_mean",
    .panel_row = panel_row,
};
