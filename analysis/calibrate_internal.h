/* Shared by calibrate.c and smm.c. */
#ifndef ARV_CALIBRATE_INTERNAL_H
#define ARV_CALIBRATE_INTERNAL_H

#include "arv/calibrate.h"

/* sqrt(se^2 + (discrepancy |value|)^2 + var) */
double arv_calib__scale(const struct arv_target *t, double discrepancy, double var);
/* The signed standardised residual of one target (see arv_calib_distance). */
double arv_calib__z(const struct arv_target *t, double discrepancy, double stat, double var,
                    double p);
/* Calls the model and checks what it returned. */
int arv_calib__simulate(const struct arv_calib_problem *pb, const double *theta,
                        uint32_t sim_seed, double *stat, double *var, double *p,
                        struct arv_error *err);
/* Weighted quantile of x[0], x[stride], ... */
double arv_calib__wquantile(const double *x, size_t stride, const double *w, size_t n, double q);

#endif
