/* Stratified allocation of offices: see allocation.h. */
#include "allocation.h"

#include <stdlib.h>

/* Rank of office o by unemployment, ties by id. */
static int unemployment_rank(const struct arv_office *offices, int n, int o)
{
    int rank = 0;
    for (int q = 0; q < n; q++)
        rank += offices[q].unemployment < offices[o].unemployment ||
                (offices[q].unemployment == offices[o].unemployment && q < o);
    return rank;
}

void arv__allocation_strata(const struct arv_office *offices, int n, int *stratum)
{
    for (int o = 0; o < n; o++)
        stratum[o] = unemployment_rank(offices, n, o) / 2;
}

int arv__allocation_strata_present(const struct arv_office *offices, int n, const int *cluster_of,
                                   int *scratch, int *stratum)
{
    int *pair = scratch, *number = scratch + n; /* (pairs are numbered below n) */
    arv__allocation_strata(offices, n, pair);
    for (int s = 0; s < n; s++)
        number[s] = -1;
    for (int o = 0; o < n; o++)
        if (cluster_of[o] >= 0)
            number[pair[o]] = 0;
    int S = 0;
    for (int s = 0; s < n; s++)
        if (number[s] == 0)
            number[s] = S++;
    for (int o = 0; o < n; o++)
        if (cluster_of[o] >= 0)
            stratum[cluster_of[o]] = number[pair[o]];
    return S;
}

void arv__allocate_stratified(struct arv_office *offices, int n, const double *u, int n_holf,
                              int n_coord)
{
    int *order = malloc((size_t)n * sizeof *order);
    for (int o = 0; o < n; o++)
        order[unemployment_rank(offices, n, o)] = o;
    /* within each pair, the office with the lower keyed uniform comes first */
    for (int k = 0; k + 1 < n; k += 2) {
        int a = order[k], b = order[k + 1];
        if (u[b] < u[a] || (u[b] == u[a] && b < a)) {
            order[k] = b;
            order[k + 1] = a;
        }
    }
    /* deal arms along the sequence: each position goes to the arm furthest
     * behind its quota (ties: HOLF, coordinator, usual) */
    int quota[3] = {n_holf, n_coord, n - n_holf - n_coord}, given[3] = {0, 0, 0};
    static const int arm_of[3] = {ARM_HOLF, ARM_COORDINATOR, ARM_USUAL};
    for (int i = 0; i < n; i++) {
        int best = -1;
        double best_gap = 0;
        for (int a = 0; a < 3; a++) {
            if (given[a] >= quota[a])
                continue;
            double gap = (double)quota[a] * (i + 1) / n - given[a];
            if (best < 0 || gap > best_gap + 1e-12) {
                best = a;
                best_gap = gap;
            }
        }
        given[best]++;
        offices[order[i]].arm = (uint8_t)arm_of[best];
    }
    free(order);
}
