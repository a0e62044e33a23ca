/* Population snapshots: see snapshot.h. */
#include "snapshot.h"

#include <stdlib.h>
#include <string.h>

/* Every array of struct arv_pop with its length in units of n households
 * (adults: ARV_MAX_ADULTS per household, children: ARV_MAX_CHILDREN, the
 * income ring: ARV_INCOME_MONTHS). */
#define POP_FIELDS(X)                                                                            \
    X(office, 1) X(group, 1) X(n_adults, 1) X(n_children, 1) X(origin, 1) X(takeup, 1)         \
    X(shock_proneness, 1) X(education, ARV_MAX_ADULTS) X(work, ARV_MAX_ADULTS)                \
    X(work_months, ARV_MAX_ADULTS) X(years_norway, ARV_MAX_ADULTS) X(barrier, ARV_MAX_ADULTS) \
    X(wage, ARV_MAX_ADULTS) X(work_z, ARV_MAX_ADULTS) X(ui_months, ARV_MAX_ADULTS)            \
    X(ui_amount, ARV_MAX_ADULTS) X(child_age, ARV_MAX_CHILDREN)                               \
    X(participation, ARV_MAX_CHILDREN) X(inclusion, ARV_MAX_CHILDREN)                         \
    X(inclusion_trait, ARV_MAX_CHILDREN) X(months_low_income, ARV_MAX_CHILDREN)               \
    X(months_sa, ARV_MAX_CHILDREN) X(months_temporary, ARV_MAX_CHILDREN)                      \
    X(moves, ARV_MAX_CHILDREN) X(earnings, 1) X(benefits, 1) X(sa_amount, 1)                  \
    X(disposable, 1) X(needs, 1) X(housing_cost, 1) X(arrears, 1) X(strain, 1) X(sa, 1)       \
    X(sa_history, 1) X(low_income, 1) X(income_ring, ARV_INCOME_MONTHS) X(housing, 1)         \
    X(housing_months, 1) X(moved, 1) X(events, 1) X(stress, 1) X(followup_month, 1)           \
    X(followup_scale, 1) X(survey_strain, 1) X(survey_inclusion, 1) X(responded, 1)

struct arv__snapshot {
    struct arv_pop copy;
};

#define ALLOC_FIELD(f, k) s->copy.f = arv_xcalloc(p->n * (k), sizeof *s->copy.f);
#define FREE_FIELD(f, k) free(s->copy.f);
#define SAVE_FIELD(f, k) memcpy(s->copy.f, p->f, p->n * (k) * sizeof *p->f);
#define RESTORE_FIELD(f, k) memcpy(p->f, s->copy.f, p->n * (k) * sizeof *p->f);

struct arv__snapshot *arv__snapshot_alloc(const struct arv_pop *p)
{
    struct arv__snapshot *s = arv_xcalloc(1, sizeof *s);
    s->copy.n = p->n;
    s->copy.n_offices = p->n_offices;
    s->copy.offices = arv_xcalloc((size_t)p->n_offices, sizeof *s->copy.offices);
    POP_FIELDS(ALLOC_FIELD)
    return s;
}

void arv__snapshot_free(struct arv__snapshot *s)
{
    if (s == NULL)
        return;
    free(s->copy.offices);
    POP_FIELDS(FREE_FIELD)
    free(s);
}

void arv__snapshot_save(struct arv__snapshot *s, const struct arv_pop *p)
{
    memcpy(s->copy.offices, p->offices, (size_t)p->n_offices * sizeof *p->offices);
    POP_FIELDS(SAVE_FIELD)
}

void arv__snapshot_restore(const struct arv__snapshot *s, struct arv_pop *p)
{
    memcpy(p->offices, s->copy.offices, (size_t)p->n_offices * sizeof *p->offices);
    POP_FIELDS(RESTORE_FIELD)
}
