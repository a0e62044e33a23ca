#include "household_testing.h"

#include "testing.h"

#include "arv/cli.h"

struct arv_params *params_with(const char *scenario, const char *const *sets)
{
    struct arv_params *p = arv_registry_params(&arv_registry_default);
    struct arv_error err;
    arv_error_init(&err);
    if (scenario && arv_params_load(p, scenario, &err) != ARV_OK)
        fail_msg("%s", err.msg);
    for (size_t k = 0; sets && sets[k]; k++)
        if (arv_params_set(p, sets[k], &err) != ARV_OK)
            fail_msg("%s", err.msg);
    return p;
}

struct arv_world *world_of(const struct arv_params *p)
{
    struct arv_error err;
    arv_error_init(&err);
    struct arv_world *w = arv_world_alloc(&arv_registry_default, p, &err);
    if (w == NULL)
        fail_msg("%s", err.msg);
    return w;
}

double result_of(const struct arv_world *w, enum arv_table t, const char *name, int rep,
                 int time, int g)
{
    int m = arv_world_metric_in(w, t, name);
    if (m < 0)
        fail_msg("no metric %s in table %d", name, (int)t);
    const struct arv_results *r = &w->results[t];
    return r->value[(((size_t)rep * r->n_times + time) * r->n_groups + g) * r->n_metrics +
                    w->metric_table_index[m]];
}
