/*
 * Discounting for the cost ledger (MODEL.md section 6): flows t years after
 * month 0 are worth (1 + r)^-t; after costs.discount_switch_years the
 * (optionally lower) costs.discount_rate_late applies to the years beyond.
 */
#ifndef ARV_LEDGER_H
#define ARV_LEDGER_H

#include "arv/params.h"
#include "arv/world.h"

/* The models of the intergenerational and cost ledger (young_adults.c,
 * costs.c). */
extern const struct arv_model_ops arv_model_young_adults, arv_model_costs;

struct arv_discount {
    double rate, late_rate, switch_years;
};

void arv__discount_read(const struct arv_params *p, struct arv_discount *d);

/* The factor for a flow t >= 0 years after month 0. */
double arv__discount_factor(const struct arv_discount *d, double t);

/* The young-adult model's horizon hook (registry): run.months, or longer
 * with young_adults.horizon = "adulthood". */
int arv__young_adults_months(const struct arv_params *p);

#endif
