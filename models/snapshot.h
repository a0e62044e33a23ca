/*
 * A copy of the whole population (every array of household.h and the
 * offices) taken at one moment and put back later: `arv trial` simulates
 * the burn-in once and runs both arms of a virtual trial from the same
 * month-0 state. The field list in snapshot.c must name every array of
 * struct arv_pop; the trial model test checks that a restored run equals a
 * fresh one.
 */
#ifndef ARV_SNAPSHOT_H
#define ARV_SNAPSHOT_H

#include "household.h"

struct arv__snapshot;

struct arv__snapshot *arv__snapshot_alloc(const struct arv_pop *p);
void arv__snapshot_free(struct arv__snapshot *s);
void arv__snapshot_save(struct arv__snapshot *s, const struct arv_pop *p);
void arv__snapshot_restore(const struct arv__snapshot *s, struct arv_pop *p);

#endif
