/*
 * A copy of the population (every array of household.h and the offices)
 * taken at one moment and put back later: `arv trial` simulates the
 * burn-in once and runs both arms of a virtual trial from the same month-0
 * state. The field list in snapshot.c must name every array of struct
 * arv_pop; the trial model test checks that a restored run equals a fresh
 * one.
 *
 * Part of the pool. The world may hold only some of its pool's households,
 * each keeping its identity (struct arv_pop's id), so that it draws from
 * its own keyed sub-streams and evolves bit for bit as in the whole pool:
 * households interact only through their office's count of families in
 * follow-up (followup.c), which only followed families enter. So
 * - a replicate may start with some of the households (arv__pop_select,
 *   then arv_world_begin), and households started separately may be merged
 *   (arv__pop_merge) before the enrolment: `arv trial` starts only as many
 *   of each office's households as its draw of families needs;
 * - after month 0 the population may be compacted in place to the followed
 *   families (arv__pop_compact).
 * Tallies over part of the pool (observe, finish) cover only its
 * households. A population that does not keep its income history
 * (household.h: keeps_history) is copied without it. The burn-in record
 * (household.h: burn_log) is moved by compaction while it has rows to
 * replay, and is never copied: a snapshot is saved, restored or merged
 * only outside the burn-in.
 */
#ifndef ARV_SNAPSHOT_H
#define ARV_SNAPSHOT_H

#include "household.h"

struct arv__snapshot;

/* A snapshot with room for the whole population of p (p must be whole).
 * Save copies the households p holds now, whole or in part, and restore
 * puts them back into w, with their identities, in size (arv_world_resize)
 * as well as in content. */
struct arv__snapshot *arv__snapshot_alloc(const struct arv_pop *p);
void arv__snapshot_free(struct arv__snapshot *s);
void arv__snapshot_save(struct arv__snapshot *s, const struct arv_pop *p);
void arv__snapshot_restore(const struct arv__snapshot *s, struct arv_world *w);

/* The next replicate of w starts (arv_world_begin) with the m households
 * ids[0..m-1] of the pool (strictly increasing) as households 0..m-1;
 * ids must stay valid while the world holds them. Allocates nothing. */
void arv__pop_select(struct arv_world *w, const uint32_t *ids, size_t m);

/* Adds the households of snapshot s to those w holds: both in part, with
 * disjoint identities, started for the same replicate and month. The
 * result is in increasing identity; ids (room for both; it may be the
 * world's current identity array) receives the identities and becomes the
 * population's. Allocates nothing (the snapshot holds the merge's plan). */
void arv__pop_merge(struct arv_world *w, struct arv__snapshot *s, uint32_t *ids);

/* Keeps only the m households at positions keep[0..m-1] (strictly
 * increasing), which become households 0..m-1. On return keep holds their
 * identities and is the population's identity array (it must stay valid
 * until arv__pop_expand or a restore, and must not be the current one).
 * The world then steps m households (arv_world_resize). Allocates nothing. */
void arv__pop_compact(struct arv_world *w, uint32_t *keep, size_t m);

/* Makes the population whole again in size: the arrays' contents are
 * undefined until a snapshot is restored or a replicate started. */
void arv__pop_expand(struct arv_world *w);

/* The name of the first array (or "n", "offices") in which a and b differ,
 * or NULL if they are identical: for tests. */
const char *arv__pop_differs(const struct arv_pop *a, const struct arv_pop *b);

#endif
