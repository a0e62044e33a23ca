/*
 * The product's models, in the order the scheduler runs them each month
 * (DESIGN.md; MODEL.md section 3). Adding a domain is one file and one line.
 */
#include "arv/cli.h"
#include "arv/trial.h"
#include "engine.h"
#include "household.h"
#include "ledger.h"
#include "population_file.h"

static const struct arv_model_ops *const models[] = {
    &arv_model_population,  /* offices (serial), household synthesis */
    &arv_model_young_adults, /* children about to leave home: adult years 18-35 */
    &arv_model_demography,  /* ageing, leaving home, births, partnerships */
    &arv_model_followup,    /* enrolment; caseload per office (serial); intensity */
    &arv_model_work,        /* per adult: five work states */
    &arv_model_income,      /* earnings, benefits, SA, low income, arrears, strain */
    &arv_model_housing,     /* five housing states, eviction, moves */
    &arv_model_children,    /* participation, inclusion, exposures */
    &arv_model_costs,       /* the public ledger, undiscounted and discounted */
    &arv_model_measurement, /* parent survey with error and attrition */
    &arv_model_trial,       /* settings of arv trial only (simulates nothing) */
};

/* Households report in the first four; young adults also by whether their
 * family received SA in the year up to month 0. */
static const char *const groups[] = {"all",  "usual",        "coordinator",
                                     "holf", "sa_childhood", "no_sa_childhood"};

/* DESIGN.md's command-line contract gives `--set work.theta_holf=0.2` as its
 * example of an override: the HOLF increment on the work transitions. */
static const struct arv_param_alias aliases[] = {
    {"work.theta_holf", "followup.holf.effect.work"},
};

const struct arv_registry arv_registry_default = {
    .models = models,
    .n_models = sizeof models / sizeof models[0],
    .engine_params = &arv__engine_params,
    .n_engine_groups = 1,
    .groups = groups,
    .n_groups = 6,
    .write_population = arv__households_write,
    .months = arv__young_adults_months,
    .aliases = aliases,
    .n_aliases = sizeof aliases / sizeof aliases[0],
};
