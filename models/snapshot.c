/* Population snapshots and compaction: see snapshot.h. */
#include "snapshot.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Every array of struct arv_pop with its length in units of n households
 * (adults: ARV_MAX_ADULTS per household, children: ARV_MAX_CHILDREN, the
 * income ring: ARV_INCOME_MONTHS). The household-major arrays hold a
 * household's k entries at [k h, k h + k); the income ring is month-major
 * ([n m + h], household.h). */
#define POP_HOUSEHOLD_FIELDS(X)                                                                  \
    X(office, 1) X(group, 1) X(n_adults, 1) X(n_children, 1) X(origin, 1) X(takeup, 1)         \
    X(shock_proneness, 1) X(education, ARV_MAX_ADULTS) X(work, ARV_MAX_ADULTS)                \
    X(work_months, ARV_MAX_ADULTS) X(years_norway, ARV_MAX_ADULTS) X(barrier, ARV_MAX_ADULTS) \
    X(adult_age, ARV_MAX_ADULTS) X(female, ARV_MAX_ADULTS)                                    \
    X(wage, ARV_MAX_ADULTS) X(work_z, ARV_MAX_ADULTS) X(ui_months, ARV_MAX_ADULTS)            \
    X(ui_amount, ARV_MAX_ADULTS) X(child_age, ARV_MAX_CHILDREN)                               \
    X(participation, ARV_MAX_CHILDREN) X(inclusion, ARV_MAX_CHILDREN)                         \
    X(inclusion_trait, ARV_MAX_CHILDREN) X(months_low_income, ARV_MAX_CHILDREN)               \
    X(months_sa, ARV_MAX_CHILDREN) X(months_temporary, ARV_MAX_CHILDREN)                      \
    X(moves, ARV_MAX_CHILDREN) X(earnings, 1) X(benefits, 1) X(sa_amount, 1)                  \
    X(disposable, 1) X(needs, 1) X(housing_cost, 1) X(arrears, 1) X(strain, 1) X(sa, 1)       \
    X(sa_history, 1) X(low_income, 1) X(housing, 1) X(housing_months, 1) X(moved, 1)          \
    X(events, 1) X(stress, 1) X(followup_month, 1) X(followup_scale, 1) X(survey_strain, 1)   \
    X(survey_inclusion, 1) X(responded, 1)
#define POP_FIELDS(X) POP_HOUSEHOLD_FIELDS(X) X(income_ring, ARV_INCOME_MONTHS)
/* the income ring is copied only while the population keeps it */
#define POP_KEPT_FIELDS(X, keeps)                                                                 \
    POP_HOUSEHOLD_FIELDS(X) if (keeps) { X(income_ring, ARV_INCOME_MONTHS) }

/* A run of a merge's plan (arv__pop_merge): positions [to, to + len) take
 * households [from, from + len) of the world or of the snapshot. */
struct arv__merge_run {
    uint32_t to, from, len;
    bool from_snapshot;
};

struct arv__snapshot {
    struct arv_pop copy; /* copy.n households of copy.id (NULL: 0..n-1) */
    size_t capacity;     /* the whole pool */
    uint32_t *ids;       /* copy.id's storage */
    struct arv__merge_run *plan; /* a merge's runs of households (arv__pop_merge) */
};

#define ALLOC_FIELD(f, k) s->copy.f = arv_xcalloc(p->n * (k), sizeof *s->copy.f);
#define FREE_FIELD(f, k) free(s->copy.f);
#define SAVE_FIELD(f, k) memcpy(s->copy.f, p->f, p->n * (k) * sizeof *p->f);
#define RESTORE_FIELD(f, k) memcpy(p->f, s->copy.f, p->n * (k) * sizeof *p->f);

struct arv__snapshot *arv__snapshot_alloc(const struct arv_pop *p)
{
    assert(p->id == NULL);
    struct arv__snapshot *s = arv_xcalloc(1, sizeof *s);
    s->copy.n = s->capacity = p->n;
    s->copy.n_offices = p->n_offices;
    s->copy.offices = arv_xcalloc((size_t)p->n_offices, sizeof *s->copy.offices);
    s->ids = arv_xcalloc(p->n, sizeof *s->ids);
    s->plan = arv_xcalloc(p->n, sizeof *s->plan);
    POP_FIELDS(ALLOC_FIELD)
    return s;
}

void arv__snapshot_free(struct arv__snapshot *s)
{
    if (s == NULL)
        return;
    free(s->copy.offices);
    free(s->ids);
    free(s->plan);
    POP_FIELDS(FREE_FIELD)
    free(s);
}

void arv__snapshot_save(struct arv__snapshot *s, const struct arv_pop *p)
{
    assert(p->n <= s->capacity);
    s->copy.n = p->n;
    s->copy.id = NULL;
    if (p->id) {
        memcpy(s->ids, p->id, p->n * sizeof *s->ids);
        s->copy.id = s->ids;
    }
    memcpy(s->copy.offices, p->offices, (size_t)p->n_offices * sizeof *p->offices);
    s->copy.keeps_history = p->keeps_history;
    POP_KEPT_FIELDS(SAVE_FIELD, p->keeps_history)
}

void arv__snapshot_restore(const struct arv__snapshot *s, struct arv_world *w)
{
    struct arv_pop *p = arv__pop(w);
    assert(arv__burn_log_rows(w) == 0);
    p->n = s->copy.n;
    p->id = s->copy.id;
    memcpy(p->offices, s->copy.offices, (size_t)p->n_offices * sizeof *p->offices);
    p->keeps_history = s->copy.keeps_history;
    POP_KEPT_FIELDS(RESTORE_FIELD, p->keeps_history)
    arv_world_resize(w, p->n);
}

void arv__pop_select(struct arv_world *w, const uint32_t *ids, size_t m)
{
    struct arv_pop *p = arv__pop(w);
    assert(m <= w->max_households);
    for (size_t j = 0; j < m; j++)
        assert(ids[j] < w->max_households && (j == 0 || ids[j] > ids[j - 1]));
    /* (the burn-in record's rows are n wide) */
    assert(m == p->n || arv__burn_log_rows(w) == 0);
    p->n = m;
    p->id = ids;
    arv_world_resize(w, m);
}

/* The world's n households (identities wid) and the snapshot's m (sid),
 * merged by identity: each run of the plan gives consecutive positions of
 * the merged population to consecutive households of the world or of the
 * snapshot, whichever come next in identity. The runs are listed and
 * copied from the last position down; a world household only moves up
 * (to >= from), so every run is read before anything overwrites it (as in
 * compaction, reversed), and memmove handles a run that overlaps itself.
 * The income ring's rows widen from n to n + m households; the same
 * argument holds over the whole array, processed from its end. */
#define MERGE_ROW(dst, src_w, src_s, k)                                                          \
    for (size_t r = 0; r < runs; r++) {                                                          \
        const struct arv__merge_run *run = &plan[r];                                             \
        const __typeof__(*(dst)) *src = run->from_snapshot ? (src_s) : (src_w);                  \
        memmove((dst) + (k) * (size_t)run->to, src + (k) * (size_t)run->from,                    \
                (k) * (size_t)run->len * sizeof *(dst));                                         \
    }
#define MERGE_FIELD(f, k) MERGE_ROW(p->f, p->f, s->copy.f, k)

void arv__pop_merge(struct arv_world *w, struct arv__snapshot *s, uint32_t *ids)
{
    struct arv_pop *p = arv__pop(w);
    const uint32_t *wid = p->id, *sid = s->copy.id;
    size_t n = p->n, m = s->copy.n;
    assert(wid != NULL && sid != NULL && n + m <= w->max_households && n + m <= s->capacity);
    struct arv__merge_run *plan = s->plan;
    size_t runs = 0;
    for (size_t i = n, j = m, q = n + m; q-- > 0;) {
        bool snap = j > 0 && (i == 0 || sid[j - 1] > wid[i - 1]);
        uint32_t src = (uint32_t)(snap ? --j : --i);
        if (runs > 0 && plan[runs - 1].from_snapshot == snap) {
            plan[runs - 1].to--, plan[runs - 1].from--, plan[runs - 1].len++;
        } else {
            plan[runs++] = (struct arv__merge_run){(uint32_t)q, src, 1, snap};
        }
    }
    assert(p->keeps_history == s->copy.keeps_history && arv__burn_log_rows(w) == 0);
    POP_HOUSEHOLD_FIELDS(MERGE_FIELD)
    for (size_t t = ARV_INCOME_MONTHS * p->keeps_history; t-- > 0;)
        MERGE_ROW(p->income_ring + (n + m) * t, p->income_ring + n * t,
                  s->copy.income_ring + m * t, 1)
    /* the identities last: ids may be the world's own array */
    if (ids != wid)
        memmove(ids, wid, n * sizeof *ids);
    MERGE_ROW(ids, ids, sid, 1)
    for (size_t q = 1; q < n + m; q++)
        assert(ids[q] > ids[q - 1]); /* disjoint */
    p->n = n + m;
    p->id = ids;
    arv_world_resize(w, p->n);
}

/* Household ids[j] -> j for j < m, in increasing j. In place: j <= ids[j]
 * and the ids increase, so an entry is read before anything overwrites it
 * (a destination never lies beyond its source, and every later source lies
 * beyond it). */
#define GATHER_FIELD(f, k)                                                                       \
    for (size_t j = 0; j < m; j++)                                                               \
        for (size_t e = 0; e < (k); e++)                                                         \
            p->f[(k) * j + e] = p->f[(k) * (size_t)ids[j] + e];

void arv__pop_compact(struct arv_world *w, uint32_t *keep, size_t m)
{
    struct arv_pop *p = arv__pop(w);
    const uint32_t *ids = keep;
    assert(m <= p->n && keep != p->id);
    for (size_t j = 0; j < m; j++)
        assert(keep[j] < p->n && (j == 0 || keep[j] > keep[j - 1]));
    POP_HOUSEHOLD_FIELDS(GATHER_FIELD)
    /* the ring's months, each a row of n, become rows of m: the same order
     * argument holds over the whole array (m t + j <= n t + keep[j]) */
    size_t n = p->n;
    for (size_t t = 0; t < ARV_INCOME_MONTHS * p->keeps_history; t++)
        for (size_t j = 0; j < m; j++)
            p->income_ring[m * t + j] = p->income_ring[n * t + keep[j]];
    /* so do the burn-in record's rows still to be replayed */
    for (size_t t = 0, rows = arv__burn_log_rows(w); t < rows; t++)
        for (size_t j = 0; j < m; j++)
            p->burn_log[m * t + j] = p->burn_log[n * t + keep[j]];
    /* positions become identities (a population already compacted or
     * started in part keeps its households' own) */
    if (p->id)
        for (size_t j = 0; j < m; j++)
            keep[j] = p->id[keep[j]];
    p->n = m;
    p->id = keep;
    arv_world_resize(w, m);
}

void arv__pop_expand(struct arv_world *w)
{
    struct arv_pop *p = arv__pop(w);
    p->n = w->max_households;
    p->id = NULL;
    arv_world_resize(w, p->n);
}

#define COMPARE_FIELD(f, k)                                                                      \
    if (memcmp(a->f, b->f, a->n * (k) * sizeof *a->f) != 0)                                      \
        return #f;

const char *arv__pop_differs(const struct arv_pop *a, const struct arv_pop *b)
{
    if (a->n != b->n || a->n_offices != b->n_offices)
        return "n";
    for (size_t h = 0; h < a->n; h++)
        if (arv__id(a, h) != arv__id(b, h))
            return "id";
    for (int o = 0; o < a->n_offices; o++) {
        const struct arv_office *x = &a->offices[o], *y = &b->offices[o];
        if (x->arm != y->arm || memcmp(&x->fidelity, &y->fidelity, sizeof x->fidelity) ||
            memcmp(x->effect, y->effect, sizeof x->effect) ||
            memcmp(&x->unemployment, &y->unemployment, sizeof x->unemployment) ||
            memcmp(x->followup, y->followup, sizeof x->followup) ||
            memcmp(&x->capacity, &y->capacity, sizeof x->capacity) || x->active != y->active ||
            memcmp(&x->intensity, &y->intensity, sizeof x->intensity))
            return "offices";
    }
    if (a->keeps_history != b->keeps_history)
        return "keeps_history";
    POP_KEPT_FIELDS(COMPARE_FIELD, a->keeps_history)
    return NULL;
}
