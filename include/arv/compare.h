/*
 * Scenario comparison with common random numbers (arv compare).
 *
 * Every scenario of a comparison runs with the same seed and replicates, so
 * replicate r of each draws the same keyed random numbers wherever the
 * scenarios agree; the difference of replicate r's results is a paired
 * difference and its spread over replicates reflects the policy, not the
 * noise of independent draws. Differences are reported for the group "all".
 */
#ifndef ARV_COMPARE_H
#define ARV_COMPARE_H

#include <stdbool.h>
#include <stdio.h>

#include "arv/world.h"

/* Whether w can be compared with base (same seed, replicates, horizon,
 * reporting interval and metrics); if not, why (one line). */
bool arv_compare_ok(const struct arv_world *base, const struct arv_world *w, char *why,
                    size_t size);

/* Rows of diff.csv (`scenario,baseline,month,metric,diff,lo,hi,reps`) for
 * table t: summary rows by month, totals rows with an empty month; or of
 * diff_young_adults.csv (`...,age,...`) for the young-adult table. diff is
 * the mean over replicates of the paired difference w - base, lo and hi
 * its 2.5% and 97.5% quantiles over replicates. */
void arv_write_diff_header(FILE *f, enum arv_table t);
void arv_write_diff(FILE *f, enum arv_table t, const struct arv_world *base,
                    const char *base_name, const struct arv_world *w, const char *name);

/* Cost-effectiveness of w against base (per household, discounted), from
 * the totals of the cost ledger: incremental cost, employment years
 * gained, child low-income years avoided, net monetary benefit at the
 * willingness to pay in w's costs.value.*, and cost per outcome gained (a
 * ratio of mean differences). Appended to totals.csv as rows of w, group
 * "all". */
void arv_write_economics(FILE *f, const struct arv_world *base, const struct arv_world *w,
                         const char *name);

/* The planner's table on stdout: headline outcomes at the last month, the
 * ledger and the young adults, one line each with the paired difference
 * and its interval. */
void arv_print_comparison(FILE *f, const struct arv_world *base, const char *base_name,
                          const struct arv_world *w, const char *name);

#endif
