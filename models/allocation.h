/*
 * Stratified allocation of offices to arms (offices.allocation =
 * "unemployment"): offices are ranked by local unemployment and paired in
 * that order; within each pair a keyed uniform decides the order, and arms
 * are dealt along the resulting sequence so that every arm keeps its
 * quota and, with two arms of (nearly) equal size, each pair gets one
 * office of each.
 */
#ifndef ARV_ALLOCATION_H
#define ARV_ALLOCATION_H

#include "household.h"

/* Sets offices[o].arm for n offices from the keyed uniforms u[o]. */
void arv__allocate_stratified(struct arv_office *offices, int n, const double *u, int n_holf,
                              int n_coord);

/* The stratum (pair) of each office under that rule: stratum[o] = rank of
 * office o by unemployment (ties by id) / 2. */
void arv__allocation_strata(const struct arv_office *offices, int n, int *stratum);

/* The strata of the clusters present, for a re-randomisation test:
 * stratum[cluster_of[o]] for every office o with cluster_of[o] >= 0, the
 * pairs of arv__allocation_strata numbered 0, 1, ... in their order, so
 * that with every office present they are those pairs exactly. An office
 * whose partner is absent (no followed family) is a stratum alone: its arm
 * stays as drawn, and the other pairs keep theirs. scratch holds 2 n ints.
 * Returns the number of strata. */
int arv__allocation_strata_present(const struct arv_office *offices, int n, const int *cluster_of,
                                   int *scratch, int *stratum);

/* Swaps the HOLF and coordinator arms of the offices, giving each new HOLF
 * office the fidelity drawn for it this replicate (population.c), as
 * trial.swap_arms would have at set-up. Followed families keep their
 * office; followup.c's enrol must be run again to apply the arms. */
void arv__population_swap_arms(struct arv_world *w);

/* The office of household id of the pool (the file's, or equal contiguous
 * blocks), known before the household is started. */
int arv__population_office(const struct arv_world *w, size_t id);

#endif
