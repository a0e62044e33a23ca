/* Helpers for tests of the household model: scenario worlds and results. */
#ifndef ARV_HOUSEHOLD_TESTING_H
#define ARV_HOUSEHOLD_TESTING_H

#include "arv/params.h"
#include "arv/world.h"

/* The default registry's parameters, loaded from scenario (may be NULL)
 * with the NULL-terminated PATH=VALUE overrides; fails the test on error. */
struct arv_params *params_with(const char *scenario, const char *const *sets);

/* The world of p; fails the test on error. */
struct arv_world *world_of(const struct arv_params *p);

/* The value of metric `name` in table t, replicate rep, time slot `time`
 * (month / report_every, age - 18, or 0) and group g. */
double result_of(const struct arv_world *w, enum arv_table t, const char *name, int rep,
                 int time, int g);

#endif
