/*
 * Simulated method of moments: Nelder-Mead on the sum of squared
 * standardised residuals with common random numbers (every evaluation uses
 * the simulation seed settings.seed), then the Jacobian of the residuals at
 * the optimum by central differences and its singular value decomposition.
 * Parameters are handled in units of their prior sd, u = (theta - prior
 * mean) / prior sd, so that singular values compare across parameters.
 */
#include "arv/calibrate.h"
#include "calibrate_internal.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct smm_ctx {
    const struct arv_calib_problem *pb;
    const struct arv_calib_settings *s;
    double *mean, *sd; /* prior mean and sd per parameter */
    double *theta, *stat, *var, *p;
    long sims;
    struct arv_error *err;
};

static void to_theta(const struct smm_ctx *c, const double *u, double *theta)
{
    for (size_t j = 0; j < c->pb->n_params; j++)
        theta[j] = c->mean[j] + c->sd[j] * u[j];
}

/* Standardised residuals at u into z (n_targets); false outside the prior
 * support or when the model fails (err set). */
static bool residuals(struct smm_ctx *c, const double *u, double *z)
{
    const struct arv_calib_problem *pb = c->pb;
    to_theta(c, u, c->theta);
    for (size_t j = 0; j < pb->n_params; j++)
        if (!isfinite(arv_prior_logpdf(&pb->priors[j], c->theta[j])))
            return false;
    c->sims++;
    if (arv_calib__simulate(pb, c->theta, c->s->seed, c->stat, c->var, c->p, c->err) != ARV_OK)
        return false;
    for (size_t i = 0; i < pb->targets->n; i++)
        z[i] = arv_calib__z(&pb->targets->t[i], c->s->discrepancy, c->stat[i], c->var[i],
                            c->p[i]);
    return true;
}

static double objective(const gsl_vector *x, void *params)
{
    struct smm_ctx *c = params;
    size_t T = c->pb->targets->n;
    double *z = arv_xmalloc(T * sizeof *z);
    double s = 0;
    if (c->err->status != ARV_OK || !residuals(c, x->data, z)) {
        s = 1e300;
    } else {
        for (size_t i = 0; i < T; i++)
            s += z[i] * z[i];
    }
    free(z);
    return s;
}

int arv_smm_run(const struct arv_calib_problem *pb, const struct arv_calib_settings *s,
                struct arv_smm_result *out, struct arv_error *err)
{
    memset(out, 0, sizeof *out);
    if (arv_calib_check(pb, s, err) != ARV_OK)
        return err->status;
    size_t P = pb->n_params, T = pb->targets->n;
    struct smm_ctx c = {pb, s, NULL, NULL, NULL, NULL, NULL, NULL, 0, err};
    c.mean = arv_xmalloc(P * sizeof(double));
    c.sd = arv_xmalloc(P * sizeof(double));
    c.theta = arv_xmalloc(P * sizeof(double));
    c.stat = arv_xmalloc(T * sizeof(double));
    c.var = arv_xmalloc(T * sizeof(double));
    c.p = arv_xmalloc(T * sizeof(double));
    for (size_t j = 0; j < P; j++) {
        c.mean[j] = arv_prior_mean(&pb->priors[j]);
        c.sd[j] = arv_prior_sd(&pb->priors[j]);
        if (!isfinite(c.mean[j]) || !(c.sd[j] > 0) || !isfinite(c.sd[j]))
            c.sd[j] = 1;
    }
    out->n_params = P;
    out->n_targets = T;
    out->theta = arv_xcalloc(P, sizeof(double));
    out->jacobian = arv_xcalloc(T * P, sizeof(double));
    out->singular = arv_xcalloc(P, sizeof(double));
    out->directions = arv_xcalloc(P * P, sizeof(double));
    out->identified = arv_xcalloc(P, sizeof(bool));
    out->se = arv_xcalloc(P, sizeof(double));

    /* Nelder-Mead in u = (theta - prior mean) / prior sd */
    size_t dim = P;
    gsl_vector *x = gsl_vector_calloc(dim), *step = gsl_vector_alloc(dim);
    gsl_vector_set_all(step, 1.0);
    gsl_multimin_function fn = {objective, dim, &c};
    gsl_multimin_fminimizer *m = gsl_multimin_fminimizer_alloc(
        gsl_multimin_fminimizer_nmsimplex2, dim);
    gsl_multimin_fminimizer_set(m, &fn, x, step);
    int max_iter = s->smm_max_iter > 0 ? s->smm_max_iter : 2000;
    int it = 0, status = GSL_CONTINUE;
    while (status == GSL_CONTINUE && it < max_iter && err->status == ARV_OK) {
        it++;
        if (gsl_multimin_fminimizer_iterate(m) != GSL_SUCCESS)
            break;
        status = gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), 1e-7);
    }
    out->iterations = it;
    out->converged = status == GSL_SUCCESS;
    out->objective = gsl_multimin_fminimizer_minimum(m);
    double *u = arv_xmalloc(P * sizeof *u);
    memcpy(u, gsl_multimin_fminimizer_x(m)->data, P * sizeof *u);
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(x);
    gsl_vector_free(step);
    to_theta(&c, u, out->theta);
    if (err->status != ARV_OK)
        goto done;

    /* central differences, step h prior sd (one-sided at the support) */
    const double h = 1e-3;
    double *zp = arv_xmalloc(T * sizeof *zp), *zm = arv_xmalloc(T * sizeof *zm);
    double *z0 = arv_xmalloc(T * sizeof *z0);
    if (!residuals(&c, u, z0) && err->status == ARV_OK)
        arv_error_set(err, ARV_EINVAL, "smm: the optimum is outside the prior support");
    for (size_t j = 0; j < P && err->status == ARV_OK; j++) {
        double uj = u[j];
        u[j] = uj + h;
        bool okp = residuals(&c, u, zp);
        u[j] = uj - h;
        bool okm = err->status == ARV_OK && residuals(&c, u, zm);
        u[j] = uj;
        if (err->status != ARV_OK)
            break;
        for (size_t i = 0; i < T; i++) {
            double d;
            if (okp && okm)
                d = (zp[i] - zm[i]) / (2 * h);
            else if (okp)
                d = (zp[i] - z0[i]) / h;
            else if (okm)
                d = (z0[i] - zm[i]) / h;
            else
                d = 0;
            out->jacobian[i * P + j] = d;
        }
    }
    free(zp);
    free(zm);
    free(z0);
    if (err->status != ARV_OK)
        goto done;

    /* SVD of J (padded with zero rows to at least P rows) */
    size_t rows = T > P ? T : P;
    gsl_matrix *A = gsl_matrix_calloc(rows, P), *V = gsl_matrix_alloc(P, P);
    gsl_vector *S = gsl_vector_alloc(P), *work = gsl_vector_alloc(P);
    for (size_t i = 0; i < T; i++)
        for (size_t j = 0; j < P; j++)
            gsl_matrix_set(A, i, j, out->jacobian[i * P + j]);
    gsl_linalg_SV_decomp(A, V, S, work);
    double tol = s->smm_rel_tol > 0 ? s->smm_rel_tol : 1e-3;
    double s0 = gsl_vector_get(S, 0);
    out->rank = 0;
    for (size_t k = 0; k < P; k++) {
        out->singular[k] = gsl_vector_get(S, k);
        out->identified[k] = s0 > 0 && out->singular[k] > tol * s0;
        out->rank += out->identified[k];
        /* sign: largest loading positive, so reports are stable */
        size_t big = 0;
        for (size_t j = 1; j < P; j++)
            if (fabs(gsl_matrix_get(V, j, k)) > fabs(gsl_matrix_get(V, big, k)))
                big = j;
        double sign = gsl_matrix_get(V, big, k) < 0 ? -1 : 1;
        for (size_t j = 0; j < P; j++)
            out->directions[j * P + k] = sign * gsl_matrix_get(V, j, k);
    }
    for (size_t j = 0; j < P; j++) {
        double v = 0;
        bool weak = false;
        for (size_t k = 0; k < P; k++) {
            double l = out->directions[j * P + k];
            if (out->identified[k])
                v += l * l / (out->singular[k] * out->singular[k]);
            else if (l * l > 0.01)
                weak = true;
        }
        out->se[j] = weak ? NAN : c.sd[j] * sqrt(v);
    }
    gsl_matrix_free(A);
    gsl_matrix_free(V);
    gsl_vector_free(S);
    gsl_vector_free(work);
done:
    out->simulations = c.sims;
    free(u);
    free(c.mean);
    free(c.sd);
    free(c.theta);
    free(c.stat);
    free(c.var);
    free(c.p);
    if (err->status != ARV_OK)
        arv_smm_result_free(out);
    return err->status;
}

void arv_smm_result_free(struct arv_smm_result *r)
{
    free(r->theta);
    free(r->jacobian);
    free(r->singular);
    free(r->directions);
    free(r->identified);
    free(r->se);
    memset(r, 0, sizeof *r);
}

int arv_smm_write_report(FILE *f, const struct arv_calib_problem *pb,
                         const struct arv_smm_result *r)
{
    size_t P = r->n_params;
    fprintf(f, "smm: objective %.6g after %d Nelder-Mead iterations (%s), %ld simulations\n",
            r->objective, r->iterations, r->converged ? "converged" : "NOT converged",
            r->simulations);
    fprintf(f, "estimates:\n");
    for (size_t j = 0; j < P; j++) {
        fprintf(f, "  %s = %.6g", pb->priors[j].path, r->theta[j]);
        if (isnan(r->se[j]))
            fprintf(f, "  (not identified by the targets)\n");
        else
            fprintf(f, "  (se %.3g)\n", r->se[j]);
    }
    fprintf(f, "singular values of d(standardised statistics)/d(parameters in prior sd):\n");
    for (size_t k = 0; k < P; k++) {
        fprintf(f, "  %zu: %.4g  %s  direction:", k + 1, r->singular[k],
                r->identified[k] ? "identified    " : "NOT IDENTIFIED");
        for (size_t j = 0; j < P; j++) {
            double l = r->directions[j * P + k];
            if (fabs(l) >= 0.05)
                fprintf(f, " %+.3f %s", l, pb->priors[j].path);
        }
        fputc('\n', f);
    }
    fprintf(f, "the targets pin down %d of %zu parameter directions\n", r->rank, P);
    return ferror(f) ? ARV_EIO : ARV_OK;
}
