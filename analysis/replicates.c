/* Statistics of one output cell across replicates (GSL). */
#include "arv/replicates.h"

#include <math.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

void arv_rep_stats(const double *x, size_t n, size_t stride, double *scratch,
                   struct arv_rep_stats *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i * stride]))
            scratch[k++] = x[i * stride];
    out->reps = (int)k;
    if (k == 0) {
        out->mean = out->sd = out->lo = out->hi = NAN;
        return;
    }
    out->mean = gsl_stats_mean(scratch, 1, k);
    out->sd = k > 1 ? gsl_stats_sd_m(scratch, 1, k, out->mean) : NAN;
    gsl_sort(scratch, 1, k);
    out->lo = gsl_stats_quantile_from_sorted_data(scratch, 1, k, 0.025);
    out->hi = gsl_stats_quantile_from_sorted_data(scratch, 1, k, 0.975);
}
