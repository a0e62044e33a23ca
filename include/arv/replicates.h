/*
 * Statistics across replicates: what summary.csv, young_adults.csv and
 * totals.csv report for each cell (mean, sd, and a 95% interval given by the
 * 2.5% and 97.5% quantiles of the replicate values).
 */
#ifndef ARV_REPLICATES_H
#define ARV_REPLICATES_H

#include <stddef.h>

struct arv_rep_stats {
    double mean, sd, lo, hi; /* sd NAN with fewer than 2 replicates */
    int reps;                /* replicates with a defined value */
};

/* Mean, sd and the 2.5% / 97.5% quantiles (GSL's interpolated quantile) of
 * the finite values among x[0], x[stride], ..., x[(n - 1) * stride];
 * scratch holds n doubles. */
void arv_rep_stats(const double *x, size_t n, size_t stride, double *scratch,
                   struct arv_rep_stats *out);

#endif
