/*
 * A copy of the whole population (every array of household.h and the
 * offices) taken at one moment and put back later: `arv trial` simulates
 * the burn-in once and runs both arms of a virtual trial from the same
 * month-0 state. The field list in snapshot.c must name every array of
 * struct arv_pop; the trial model test checks that a restored run equals a
 * fresh one.
 *
 * Compaction: `arv trial` follows only its families after month 0. The
 * population is compacted in place to those households (in their order),
 * each keeping its identity (struct arv_pop's id), so that it draws from
 * its own keyed sub-streams and evolves bit for bit as in the whole
 * population: households interact only through their office's count of
 * families in follow-up (followup.c), which only followed families enter.
 * Tallies over the compacted population (observe, finish) cover only its
 * households.
 */
#ifndef ARV_SNAPSHOT_H
#define ARV_SNAPSHOT_H

#include "household.h"

struct arv__snapshot;

/* The population must be whole (not compacted) for each of these. */
struct arv__snapshot *arv__snapshot_alloc(const struct arv_pop *p);
void arv__snapshot_free(struct arv__snapshot *s);
void arv__snapshot_save(struct arv__snapshot *s, const struct arv_pop *p);
void arv__snapshot_restore(const struct arv__snapshot *s, struct arv_pop *p);

/* Compacts the whole population of w to the m households ids[0..m-1]
 * (strictly increasing), which become households 0..m-1 with ids as their
 * identities; ids must stay valid until arv__pop_expand. The world then
 * steps m households (arv_world_resize). Allocates nothing. */
void arv__pop_compact(struct arv_world *w, const uint32_t *ids, size_t m);

/* Makes the population whole again in size: the arrays' contents are
 * undefined until a snapshot is restored or a replicate started. */
void arv__pop_expand(struct arv_world *w);

/* The name of the first array (or "n", "offices") in which a and b differ,
 * or NULL if they are identical: for tests. */
const char *arv__pop_differs(const struct arv_pop *a, const struct arv_pop *b);

#endif
