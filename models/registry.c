/*
 * The product's models, in the order the scheduler runs them each month
 * (DESIGN.md; MODEL.md section 3). Adding a domain is one file and one line.
 */
#include "arv/cli.h"
#include "engine.h"

static const struct arv_model_ops *const models[] = {
    NULL,
};

static const char *const groups[] = {"all", "usual", "coordinator", "holf"};

const struct arv_registry arv_registry_default = {
    .models = models,
    .n_models = 0,
    .engine_params = &arv__engine_params,
    .n_engine_groups = 1,
    .groups = groups,
    .n_groups = 4,
};
