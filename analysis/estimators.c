/*
 * Treatment-effect estimators for one cluster-randomised trial (GSL).
 *
 * Internally every individual-level array is kept in cluster order (a
 * counting sort of the individuals by cluster), so the rows of one cluster
 * are a contiguous block and a cluster's part of the design is a submatrix
 * view. Clusters with no individual are dropped: "cluster j" below means the
 * j-th non-empty cluster.
 *
 * No function here allocates: everything lives in the workspace, and GSL is
 * used through views of it. GSL's default error handler aborts, so no GSL
 * call is made on input that could make it fail: the rank of the design is
 * checked before solving, and the small k x k Cholesky factorisations are
 * done here, where a non-positive pivot is an answer rather than an abort.
 */
#include "arv/estimators.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_vector.h>

#include "arv/error.h"
#include "arv/rng.h"

#define LEVEL 0.95
/* Column j of the design is taken as a linear combination of the columns
 * before it when its part orthogonal to them, |R_jj|, is below this share
 * of its norm. */
#define RANK_TOL 1e-10
/* A variance below this share of the outcome's squared scale is zero: it is
 * rounding error of a constant outcome, not variation. */
#define ZERO_VAR 1e-24

struct arv_est_workspace {
    struct arv_est_limits lim;
    size_t kmax; /* p + 2 columns: intercept, treatment, covariates */

    /* clusters (non-empty only, in index order) */
    size_t ng;          /* non-empty clusters of the current data */
    size_t g1, g0;      /* of which treated, control */
    size_t *cl_of;      /* G_max: cluster index -> j, or SIZE_MAX if empty */
    size_t *cl_size;    /* G_max: individuals of j */
    size_t *cl_start;   /* G_max + 1: first row of j in cluster order */
    int *cl_arm;        /* G_max */
    int *cl_stratum;    /* G_max */
    double *cl_mean;    /* G_max: mean outcome */
    size_t *order;      /* n_max: cluster-order row -> individual */
    size_t *fill;       /* G_max: scratch of the counting sort */

    /* individual level, cluster order */
    gsl_matrix *X;      /* n_max x kmax */
    gsl_matrix *QR;     /* n_max x kmax: QR of X or of X without treatment */
    gsl_vector *tau;    /* kmax */
    gsl_vector *y;      /* n_max */
    gsl_vector *beta;   /* kmax */
    gsl_vector *resid;  /* n_max */
    gsl_vector *rres;   /* n_max: restricted residuals */
    gsl_vector *u;      /* n_max: CR2 u_j = A_j X_j M e_t, stacked */
    gsl_vector *gam;    /* kmax */

    /* k x k */
    gsl_matrix *M;      /* (X'X)^-1 */
    gsl_matrix *Rinv;   /* R^-1, so M = Rinv Rinv' */
    gsl_matrix *S;      /* scratch */
    gsl_matrix *T;      /* scratch */
    gsl_matrix *evec;
    gsl_vector *eval;
    gsl_vector *kv1, *kv2;

    /* cluster x k and cluster x cluster */
    gsl_matrix *Wc;     /* G_max x kmax: w_j = X_j' u_j */
    gsl_matrix *Vc;     /* G_max x kmax: scratch (v_j, cluster means of X) */
    gsl_matrix *MW;     /* G_max x kmax: W M */
    gsl_matrix *GG;     /* G_max x G_max */
    double *cs;         /* G_max */
    double *cw;         /* G_max */
    double *kt;         /* G_max x G_max: the wild bootstrap's K, transposed */
    double *ks;         /* G_max: K w, one entry per cluster */
    int *lab;           /* G_max: arms being re-randomised */
    size_t *perm;       /* G_max: clusters in stratum order */
    size_t *send;       /* G_max: end of each stratum in perm */

    /* replications */
    double *rep1, *rep2; /* reps each */

    gsl_root_fsolver *root; /* Brent, for the REML score */
    /* eigen-solvers for k x k, one per k = 2..kmax: GSL documents a
     * workspace as being for n x n matrices, so none is used for another n */
    gsl_eigen_symmv_workspace **eig;
};

static const char *const names[ARV_EST_N] = {
    "cluster_t", "cr2", "wild_bootstrap", "randomisation", "mixed", "naive_ols",
};

const char *arv_est_name(enum arv_est_method m)
{
    return (unsigned)m < ARV_EST_N ? names[m] : NULL;
}

void arv_est_options_default(struct arv_est_options *o)
{
    memset(o, 0, sizeof *o);
    o->boot_reps = 999;
    o->perm_reps = 999;
    o->stream = ARV_STREAM_TRIAL;
}

struct arv_est_workspace *arv_est_workspace_alloc(const struct arv_est_limits *lim)
{
    assert(lim->n > 0 && lim->G > 0 && lim->reps >= 0);
    assert(lim->p <= 63 || !"more than 63 covariates");
    struct arv_est_workspace *ws = arv_xcalloc(1, sizeof *ws);
    size_t n = lim->n, G = lim->G, k = lim->p + 2, reps = (size_t)lim->reps + 1;
    ws->lim = *lim;
    ws->kmax = k;
    ws->cl_of = arv_xcalloc(G, sizeof *ws->cl_of);
    ws->cl_size = arv_xcalloc(G, sizeof *ws->cl_size);
    ws->cl_start = arv_xcalloc(G + 1, sizeof *ws->cl_start);
    ws->cl_arm = arv_xcalloc(G, sizeof *ws->cl_arm);
    ws->cl_stratum = arv_xcalloc(G, sizeof *ws->cl_stratum);
    ws->cl_mean = arv_xcalloc(G, sizeof *ws->cl_mean);
    ws->order = arv_xcalloc(n, sizeof *ws->order);
    ws->fill = arv_xcalloc(G + 1, sizeof *ws->fill);
    /* gsl_*_alloc returns NULL (after calling the error handler) only on out
     * of memory, which arv treats as fatal everywhere. */
    ws->X = gsl_matrix_alloc(n, k);
    ws->QR = gsl_matrix_alloc(n, k);
    ws->tau = gsl_vector_alloc(k);
    ws->y = gsl_vector_alloc(n);
    ws->beta = gsl_vector_alloc(k);
    ws->resid = gsl_vector_alloc(n);
    ws->rres = gsl_vector_alloc(n);
    ws->u = gsl_vector_alloc(n);
    ws->gam = gsl_vector_alloc(k);
    ws->M = gsl_matrix_alloc(k, k);
    ws->Rinv = gsl_matrix_alloc(k, k);
    ws->S = gsl_matrix_alloc(k, k);
    ws->T = gsl_matrix_alloc(k, k);
    ws->evec = gsl_matrix_alloc(k, k);
    ws->eval = gsl_vector_alloc(k);
    ws->kv1 = gsl_vector_alloc(k);
    ws->kv2 = gsl_vector_alloc(k);
    ws->Wc = gsl_matrix_alloc(G, k);
    ws->Vc = gsl_matrix_alloc(G, k);
    ws->MW = gsl_matrix_alloc(G, k);
    ws->GG = gsl_matrix_alloc(G, G);
    ws->cs = arv_xcalloc(G, sizeof *ws->cs);
    ws->cw = arv_xcalloc(G, sizeof *ws->cw);
    ws->kt = arv_xcalloc(G * G, sizeof *ws->kt);
    ws->ks = arv_xcalloc(G, sizeof *ws->ks);
    ws->lab = arv_xcalloc(G, sizeof *ws->lab);
    ws->perm = arv_xcalloc(G, sizeof *ws->perm);
    ws->send = arv_xcalloc(G, sizeof *ws->send);
    ws->rep1 = arv_xcalloc(reps, sizeof *ws->rep1);
    ws->rep2 = arv_xcalloc(reps, sizeof *ws->rep2);
    ws->root = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    ws->eig = arv_xcalloc(k + 1, sizeof *ws->eig);
    for (size_t j = 2; j <= k; j++)
        if (!(ws->eig[j] = gsl_eigen_symmv_alloc(j)))
            arv_xmalloc((size_t)-1);
    if (!ws->root || !ws->X || !ws->QR || !ws->tau || !ws->y || !ws->beta || !ws->resid || !ws->rres ||
        !ws->u || !ws->gam || !ws->M || !ws->Rinv || !ws->S || !ws->T || !ws->evec ||
        !ws->eval || !ws->kv1 || !ws->kv2 || !ws->Wc || !ws->Vc || !ws->MW || !ws->GG)
        arv_xmalloc((size_t)-1); /* reports out of memory and exits */
    return ws;
}

void arv_est_workspace_free(struct arv_est_workspace *ws)
{
    if (!ws)
        return;
    free(ws->cl_of);
    free(ws->cl_size);
    free(ws->cl_start);
    free(ws->cl_arm);
    free(ws->cl_stratum);
    free(ws->cl_mean);
    free(ws->order);
    free(ws->fill);
    gsl_matrix_free(ws->X);
    gsl_matrix_free(ws->QR);
    gsl_vector_free(ws->tau);
    gsl_vector_free(ws->y);
    gsl_vector_free(ws->beta);
    gsl_vector_free(ws->resid);
    gsl_vector_free(ws->rres);
    gsl_vector_free(ws->u);
    gsl_vector_free(ws->gam);
    gsl_matrix_free(ws->M);
    gsl_matrix_free(ws->Rinv);
    gsl_matrix_free(ws->S);
    gsl_matrix_free(ws->T);
    gsl_matrix_free(ws->evec);
    gsl_vector_free(ws->eval);
    gsl_vector_free(ws->kv1);
    gsl_vector_free(ws->kv2);
    gsl_matrix_free(ws->Wc);
    gsl_matrix_free(ws->Vc);
    gsl_matrix_free(ws->MW);
    gsl_matrix_free(ws->GG);
    free(ws->cs);
    free(ws->cw);
    free(ws->kt);
    free(ws->ks);
    free(ws->lab);
    free(ws->perm);
    free(ws->send);
    free(ws->rep1);
    free(ws->rep2);
    gsl_root_fsolver_free(ws->root);
    for (size_t j = 2; j <= ws->kmax; j++)
        gsl_eigen_symmv_free(ws->eig[j]);
    free(ws->eig);
    free(ws);
}

/* ---- results ---------------------------------------------------------- */

static int not_estimable(struct arv_est_result *res, const char *reason)
{
    res->ok = 0;
    res->estimate = res->se = res->df = res->lo = res->hi = res->p = res->icc = NAN;
    res->reason = reason;
    return 0;
}

/* Estimate, SE and df given: t-distribution p-value and 95% interval. */
static int t_result(struct arv_est_result *res, double est, double se, double df)
{
    double q = gsl_cdf_tdist_Qinv((1.0 - LEVEL) / 2.0, df);
    res->ok = 1;
    res->estimate = est;
    res->se = se;
    res->df = df;
    res->lo = est - q * se;
    res->hi = est + q * se;
    res->p = 2.0 * gsl_cdf_tdist_Q(fabs(est / se), df);
    if (res->p > 1.0)
        res->p = 1.0;
    res->icc = NAN;
    res->reason = NULL;
    return 1;
}

/* ---- data in cluster order ------------------------------------------------ */

/* Sorts the individuals by cluster, counts the non-empty clusters of each
 * arm and computes the cluster means. Returns a reason when the data cannot
 * be analysed at all, NULL otherwise. */
static const char *prepare(struct arv_est_workspace *ws, const struct arv_est_data *d)
{
    assert(d->n <= ws->lim.n && d->G <= ws->lim.G && d->p <= ws->lim.p);
    assert(d->p == 0 || d->x != NULL);
    size_t G = d->G, n = d->n;
    if (n == 0)
        return "no individuals";
    for (size_t g = 0; g < G; g++) {
        ws->fill[g] = 0;
        ws->cl_arm[g] = -1;
    }
    for (size_t i = 0; i < n; i++) {
        assert(d->c[i] >= 0 && (size_t)d->c[i] < G);
        assert(d->t[i] == 0 || d->t[i] == 1);
        if (!isfinite(d->y[i]))
            return "an outcome is not finite";
        for (size_t j = 0; j < d->p; j++)
            if (!isfinite(d->x[i * d->p + j]))
                return "a covariate is not finite";
        size_t g = (size_t)d->c[i];
        if (ws->cl_arm[g] < 0)
            ws->cl_arm[g] = d->t[i];
        else if (ws->cl_arm[g] != d->t[i])
            return "the arm varies within a cluster";
        ws->fill[g]++;
    }
    /* compact the non-empty clusters: j indexes them in cluster order */
    size_t j = 0, start = 0;
    ws->g1 = ws->g0 = 0;
    for (size_t g = 0; g < G; g++) {
        if (ws->fill[g] == 0) {
            ws->cl_of[g] = (size_t)-1;
            continue;
        }
        ws->cl_of[g] = j;
        ws->cl_size[j] = ws->fill[g];
        ws->cl_start[j] = start;
        ws->cl_arm[j] = ws->cl_arm[g]; /* j <= g: g is not read again */
        ws->cl_stratum[j] = d->stratum ? d->stratum[g] : 0;
        assert(ws->cl_stratum[j] >= 0 && (size_t)ws->cl_stratum[j] < G);
        if (ws->cl_arm[j])
            ws->g1++;
        else
            ws->g0++;
        start += ws->fill[g];
        j++;
    }
    ws->ng = j;
    ws->cl_start[j] = start;
    for (j = 0; j < ws->ng; j++)
        ws->fill[j] = ws->cl_start[j];
    for (size_t i = 0; i < n; i++) {
        size_t row = ws->fill[ws->cl_of[d->c[i]]]++;
        ws->order[row] = i;
        gsl_vector_set(ws->y, row, d->y[i]);
    }
    /* cluster means: summed in cluster order, so a relabelling of clusters
     * that keeps their contents gives the same means */
    for (j = 0; j < ws->ng; j++) {
        double s = 0;
        for (size_t r = ws->cl_start[j]; r < ws->cl_start[j + 1]; r++)
            s += gsl_vector_get(ws->y, r);
        ws->cl_mean[j] = s / (double)ws->cl_size[j];
    }
    return NULL;
}

/* Squared scale of the outcome: variances below ZERO_VAR times it are zero. */
static double y_scale2(const struct arv_est_workspace *ws, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(gsl_vector_get(ws->y, i)));
    return m > 0 ? m * m : 1.0;
}

/* Fills X (cluster order): intercept, treatment, covariates. */
static void build_design(struct arv_est_workspace *ws, const struct arv_est_data *d)
{
    for (size_t r = 0; r < d->n; r++) {
        size_t i = ws->order[r];
        double *row = gsl_matrix_ptr(ws->X, r, 0);
        row[0] = 1.0;
        row[1] = d->t[i];
        for (size_t j = 0; j < d->p; j++)
            row[2 + j] = d->x[i * d->p + j];
    }
}

/* Least squares of y on the columns of X listed in cols (ncol of them):
 * coefficients in gam, residuals in res. With the full design (cols NULL),
 * also M = (X'X)^-1 and Rinv. Returns 0 when a column is (numerically) a
 * combination of the ones before it. */
static int least_squares(struct arv_est_workspace *ws, size_t n, size_t k, const size_t *cols,
                         size_t ncol, gsl_vector *gam, gsl_vector *res)
{
    gsl_matrix_view qr = gsl_matrix_submatrix(ws->QR, 0, 0, n, ncol);
    for (size_t j = 0; j < ncol; j++) {
        gsl_vector_view src = gsl_matrix_subcolumn(ws->X, cols ? cols[j] : j, 0, n);
        gsl_vector_view dst = gsl_matrix_subcolumn(&qr.matrix, j, 0, n);
        gsl_vector_memcpy(&dst.vector, &src.vector);
    }
    double norm[64 + 1];
    for (size_t j = 0; j < ncol; j++) {
        gsl_vector_view col = gsl_matrix_subcolumn(&qr.matrix, j, 0, n);
        norm[j] = gsl_blas_dnrm2(&col.vector);
    }
    if (n < ncol)
        return 0;
    gsl_vector_view tau = gsl_vector_subvector(ws->tau, 0, ncol);
    gsl_linalg_QR_decomp(&qr.matrix, &tau.vector);
    for (size_t j = 0; j < ncol; j++)
        if (!(fabs(gsl_matrix_get(&qr.matrix, j, j)) > RANK_TOL * norm[j]))
            return 0;
    gsl_vector_view yv = gsl_vector_subvector(ws->y, 0, n);
    gsl_vector_view g = gsl_vector_subvector(gam, 0, ncol);
    gsl_vector_view e = gsl_vector_subvector(res, 0, n);
    gsl_linalg_QR_lssolve(&qr.matrix, &tau.vector, &yv.vector, &g.vector, &e.vector);
    if (cols == NULL) {
        assert(ncol == k);
        gsl_matrix_view Ri = gsl_matrix_submatrix(ws->Rinv, 0, 0, k, k);
        gsl_matrix_set_zero(&Ri.matrix);
        for (size_t a = 0; a < k; a++)
            for (size_t b = a; b < k; b++)
                gsl_matrix_set(&Ri.matrix, a, b, gsl_matrix_get(&qr.matrix, a, b));
        gsl_linalg_tri_upper_invert(&Ri.matrix);
        gsl_matrix_view M = gsl_matrix_submatrix(ws->M, 0, 0, k, k);
        gsl_blas_dgemm(CblasNoTrans, CblasTrans, 1.0, &Ri.matrix, &Ri.matrix, 0.0, &M.matrix);
    }
    return 1;
}

/* Checks shared by the regression estimators; fits the full OLS model. */
static const char *ols_setup(struct arv_est_workspace *ws, const struct arv_est_data *d,
                             size_t min_per_arm)
{
    const char *why = prepare(ws, d);
    if (why)
        return why;
    if (ws->g1 < min_per_arm || ws->g0 < min_per_arm)
        return min_per_arm > 1 ? "fewer than two clusters in an arm" : "an arm has no clusters";
    build_design(ws, d);
    if (!least_squares(ws, d->n, d->p + 2, NULL, d->p + 2, ws->beta, ws->resid))
        return "singular design";
    return NULL;
}

/* ---- cluster_t ------------------------------------------------------------ */

/* Difference of arm means of cluster means and its pooled-variance SE;
 * reason on failure. */
static const char *cluster_diff(const struct arv_est_workspace *ws, double *diff, double *se)
{
    if (ws->g1 == 0 || ws->g0 == 0)
        return "an arm has no clusters";
    if (ws->g1 + ws->g0 < 3)
        return "one cluster per arm: no degrees of freedom";
    double m[2] = {0, 0}, ss = 0, scale = 0;
    size_t cnt[2] = {ws->g0, ws->g1};
    for (size_t j = 0; j < ws->ng; j++) {
        m[ws->cl_arm[j]] += ws->cl_mean[j];
        scale = fmax(scale, fabs(ws->cl_mean[j]));
    }
    m[0] /= (double)cnt[0];
    m[1] /= (double)cnt[1];
    for (size_t j = 0; j < ws->ng; j++) {
        double dv = ws->cl_mean[j] - m[ws->cl_arm[j]];
        ss += dv * dv;
    }
    double s2 = ss / (double)(ws->ng - 2);
    if (!(s2 > ZERO_VAR * (scale > 0 ? scale * scale : 1.0)))
        return "no variation between cluster means";
    *diff = m[1] - m[0];
    *se = sqrt(s2 * (1.0 / (double)cnt[1] + 1.0 / (double)cnt[0]));
    return NULL;
}

int arv_est_cluster_t(struct arv_est_workspace *ws, const struct arv_est_data *d,
                      struct arv_est_result *res)
{
    const char *why = prepare(ws, d);
    double diff, se;
    if (!why)
        why = cluster_diff(ws, &diff, &se);
    if (why)
        return not_estimable(res, why);
    return t_result(res, diff, se, (double)(ws->ng - 2));
}

/* ---- naive OLS -------------------------------------------------------------- */

int arv_est_naive_ols(struct arv_est_workspace *ws, const struct arv_est_data *d,
                      struct arv_est_result *res)
{
    const char *why = ols_setup(ws, d, 1);
    if (why)
        return not_estimable(res, why);
    size_t n = d->n, k = d->p + 2;
    if (n <= k)
        return not_estimable(res, "no residual degrees of freedom");
    gsl_vector_view e = gsl_vector_subvector(ws->resid, 0, n);
    double rss;
    gsl_blas_ddot(&e.vector, &e.vector, &rss);
    if (!(rss > ZERO_VAR * y_scale2(ws, n) * (double)n))
        return not_estimable(res, "no residual variation");
    double s2 = rss / (double)(n - k);
    return t_result(res, gsl_vector_get(ws->beta, 1), sqrt(s2 * gsl_matrix_get(ws->M, 1, 1)),
                    (double)(n - k));
}

/* ---- CR2 ---------------------------------------------------------------------- */

/* The CR2 pieces of the treatment coefficient after the full OLS fit.
 *
 * With M = (X'X)^-1 and m = M e_t, cluster j's adjusted weight vector is
 *   u_j = A_j X_j m,  A_j = (I - H_jj)^(-1/2),  H_jj = X_j M X_j'
 * (Moore-Penrose for a singular I - H_jj, as in clubSandwich), and
 *   V_CR2 = sum_j (u_j' e_j)^2.
 * A_j is not formed: H_jj has rank <= k, and with Rinv Rinv' = M and the
 * eigen-decomposition Rinv' X_j' X_j Rinv = Q diag(l) Q',
 *   A_j z = z + X_j [sum_i f(l_i) / l_i  v_i v_i'] X_j' z,  v_i = Rinv q_i,
 *   f(l) = (1 - l)^(-1/2) - 1  (or -1 where 1 - l is zero),
 * which costs O(n_j k^2) per cluster instead of O(n_j^3).
 * Fills u (stacked) and Wc (rows w_j = X_j' u_j), returns V_CR2 and the
 * Bell-McCaffrey / Satterthwaite df. */
static void cr2_core(struct arv_est_workspace *ws, size_t k, double *var, double *df)
{
    gsl_matrix_view M = gsl_matrix_submatrix(ws->M, 0, 0, k, k);
    gsl_matrix_view Ri = gsl_matrix_submatrix(ws->Rinv, 0, 0, k, k);
    gsl_matrix_view S = gsl_matrix_submatrix(ws->S, 0, 0, k, k);
    gsl_matrix_view T = gsl_matrix_submatrix(ws->T, 0, 0, k, k);
    gsl_matrix_view Q = gsl_matrix_submatrix(ws->evec, 0, 0, k, k);
    gsl_vector_view l = gsl_vector_subvector(ws->eval, 0, k);
    gsl_vector_view m = gsl_matrix_subcolumn(&M.matrix, 1, 0, k);
    gsl_vector_view h1 = gsl_vector_subvector(ws->kv1, 0, k);
    gsl_vector_view h2 = gsl_vector_subvector(ws->kv2, 0, k);
    double v = 0;
    for (size_t j = 0; j < ws->ng; j++) {
        size_t r0 = ws->cl_start[j], nj = ws->cl_size[j];
        gsl_matrix_view Xj = gsl_matrix_submatrix(ws->X, r0, 0, nj, k);
        gsl_vector_view uj = gsl_vector_subvector(ws->u, r0, nj);
        gsl_vector_view ej = gsl_vector_subvector(ws->resid, r0, nj);
        /* S = Rinv' (X_j' X_j) Rinv, via T = X_j' X_j */
        gsl_blas_dsyrk(CblasUpper, CblasTrans, 1.0, &Xj.matrix, 0.0, &T.matrix);
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < a; b++)
                gsl_matrix_set(&T.matrix, a, b, gsl_matrix_get(&T.matrix, b, a));
        gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &T.matrix, &Ri.matrix, 0.0, &Q.matrix);
        gsl_blas_dgemm(CblasTrans, CblasNoTrans, 1.0, &Ri.matrix, &Q.matrix, 0.0, &S.matrix);
        gsl_eigen_symmv(&S.matrix, &l.vector, &Q.matrix, ws->eig[k]);
        /* T = sum_i f(l_i)/l_i v_i v_i' over the non-zero eigenvalues */
        gsl_matrix_set_zero(&T.matrix);
        double lmax = 0;
        for (size_t i = 0; i < k; i++)
            lmax = fmax(lmax, gsl_vector_get(&l.vector, i));
        for (size_t i = 0; i < k; i++) {
            double li = gsl_vector_get(&l.vector, i);
            if (!(li > 1e-12 * lmax))
                continue; /* a direction X_j does not span: no part of H_jj */
            double f = 1.0 - li > 1e-10 ? 1.0 / sqrt(1.0 - li) - 1.0 : -1.0;
            gsl_vector_view qi = gsl_matrix_column(&Q.matrix, i);
            gsl_blas_dgemv(CblasNoTrans, 1.0, &Ri.matrix, &qi.vector, 0.0, &h1.vector);
            gsl_blas_dger(f / li, &h1.vector, &h1.vector, &T.matrix);
        }
        /* u_j = z + X_j T X_j' z, z = X_j m */
        gsl_blas_dgemv(CblasNoTrans, 1.0, &Xj.matrix, &m.vector, 0.0, &uj.vector);
        gsl_blas_dgemv(CblasTrans, 1.0, &Xj.matrix, &uj.vector, 0.0, &h1.vector);
        gsl_blas_dgemv(CblasNoTrans, 1.0, &T.matrix, &h1.vector, 0.0, &h2.vector);
        gsl_blas_dgemv(CblasNoTrans, 1.0, &Xj.matrix, &h2.vector, 1.0, &uj.vector);
        double ue;
        gsl_blas_ddot(&uj.vector, &ej.vector, &ue);
        v += ue * ue;
        gsl_vector_view wj = gsl_matrix_subrow(ws->Wc, j, 0, k);
        gsl_blas_dgemv(CblasTrans, 1.0, &Xj.matrix, &uj.vector, 0.0, &wj.vector);
    }
    *var = v;
    /* Satterthwaite df under the working model Phi = I (Bell & McCaffrey
     * 2002; Pustejovsky & Tipton 2018): with p_j = (I - H)_j' u_j,
     *   df = (sum_j p_j'p_j)^2 / sum_{j,h} (p_j'p_h)^2,
     * and p_j'p_h = [j = h] u_j'u_j - w_j' M w_h, a G x G Gram matrix. */
    size_t ng = ws->ng;
    gsl_matrix_view W = gsl_matrix_submatrix(ws->Wc, 0, 0, ng, k);
    gsl_matrix_view MW = gsl_matrix_submatrix(ws->MW, 0, 0, ng, k);
    gsl_matrix_view O = gsl_matrix_submatrix(ws->GG, 0, 0, ng, ng);
    gsl_blas_dgemm(CblasNoTrans, CblasNoTrans, 1.0, &W.matrix, &M.matrix, 0.0, &MW.matrix);
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, -1.0, &MW.matrix, &W.matrix, 0.0, &O.matrix);
    double tr = 0, fro = 0;
    for (size_t j = 0; j < ng; j++) {
        gsl_vector_view uj = gsl_vector_subvector(ws->u, ws->cl_start[j], ws->cl_size[j]);
        double uu;
        gsl_blas_ddot(&uj.vector, &uj.vector, &uu);
        *gsl_matrix_ptr(&O.matrix, j, j) += uu;
    }
    for (size_t j = 0; j < ng; j++) {
        tr += gsl_matrix_get(&O.matrix, j, j);
        for (size_t h = 0; h < ng; h++) {
            double o = gsl_matrix_get(&O.matrix, j, h);
            fro += o * o;
        }
    }
    *df = fro > 0 ? tr * tr / fro : NAN;
}

int arv_est_cr2(struct arv_est_workspace *ws, const struct arv_est_data *d,
                struct arv_est_result *res)
{
    const char *why = ols_setup(ws, d, 2);
    if (why)
        return not_estimable(res, why);
    size_t n = d->n, k = d->p + 2;
    if (n <= k)
        return not_estimable(res, "no residual degrees of freedom");
    double var, df;
    cr2_core(ws, k, &var, &df);
    double m11 = gsl_matrix_get(ws->M, 1, 1);
    if (!(var > ZERO_VAR * y_scale2(ws, n) * m11))
        return not_estimable(res, "no residual variation");
    if (!(df > 0))
        return not_estimable(res, "no Satterthwaite degrees of freedom");
    return t_result(res, gsl_vector_get(ws->beta, 1), sqrt(var), df);
}

/* ---- wild cluster bootstrap ------------------------------------------------- */

/* Webb's six-point weights: +-sqrt(1/2), +-1, +-sqrt(3/2), each 1/6. */
static double webb_weight(struct arv_rng *r)
{
    static const double w[6] = {-1.2247448713915890491, -1.0, -0.70710678118654752440,
                                0.70710678118654752440, 1.0, 1.2247448713915890491};
    /* multiply-shift: an index in 0..5 from 32 bits, bias below 2^-29 */
    return w[((uint64_t)arv_rng_u32(r) * 6u) >> 32];
}

static void rng_for(struct arv_rng *r, const struct arv_est_options *opt, uint32_t draws)
{
    arv_rng_init(r, opt->seed, opt->rep);
    arv_rng_seek(r, opt->stream, opt->trial, draws);
}

/* The critical value of |t| that makes the interval agree with the
 * p-value: with c the largest count for which c / B <= alpha, the test
 * rejects (p <= alpha) exactly when |t| exceeds the (B - c)-th smallest |t*|,
 * so that order statistic is the half-width multiplier. (An interpolated
 * 95% quantile would reject more often than the p-value does.) x is sorted
 * in place. */
static double crit_abs_t(double *x, size_t B, double alpha)
{
    gsl_sort(x, 1, B);
    size_t c = (size_t)floor(alpha * (double)B);
    while (c + 1 < B && (double)(c + 1) / (double)B <= alpha)
        c++;
    while (c > 0 && (double)c / (double)B > alpha)
        c--;
    return x[B - 1 - c];
}

/*
 * Wild cluster bootstrap-t with the null (no effect) imposed, WCR:
 *   y*_i = X_r,i g~ + w_j(i) e~_i
 * with g~, e~ from OLS of y without the treatment column and w_j Webb
 * weights. Each bootstrap t* = b* / SE*_CR2 is compared with t = b / SE_CR2.
 * Nothing is refitted per replication: b* and the CR2 sums are linear in
 * the weights (Roodman et al. 2019's fast algorithm):
 *   b*            = sum_j w_j s_j,            s_j = (X_j m)' e~_j
 *   u_h' e*_h     = sum_j K_hj w_j,          K_hj = [h = j] u_h'e~_h - w_h' M X_j'e~_j
 * so one replication costs O(G^2).
 */
int arv_est_wild_bootstrap(struct arv_est_workspace *ws, const struct arv_est_data *d,
                           const struct arv_est_options *opt, struct arv_est_result *res)
{
    assert(opt && opt->boot_reps > 0 && opt->boot_reps <= ws->lim.reps);
    const char *why = ols_setup(ws, d, 2);
    if (why)
        return not_estimable(res, why);
    size_t n = d->n, k = d->p + 2, ng = ws->ng, B = (size_t)opt->boot_reps;
    if (n <= k)
        return not_estimable(res, "no residual degrees of freedom");
    double var, df;
    cr2_core(ws, k, &var, &df);
    double m11 = gsl_matrix_get(ws->M, 1, 1), sc2 = y_scale2(ws, n);
    if (!(var > ZERO_VAR * sc2 * m11))
        return not_estimable(res, "no residual variation");
    double b = gsl_vector_get(ws->beta, 1), se = sqrt(var), tobs = b / se;

    /* restricted fit: every column but the treatment */
    size_t cols[64 + 1];
    assert(k <= 64 + 1);
    for (size_t j = 0, c = 0; j < k; j++)
        if (j != 1)
            cols[c++] = j;
    if (!least_squares(ws, n, k, cols, k - 1, ws->gam, ws->rres))
        return not_estimable(res, "singular design under the null");
    gsl_vector_view er = gsl_vector_subvector(ws->rres, 0, n);
    double rss;
    gsl_blas_ddot(&er.vector, &er.vector, &rss);
    if (!(rss > ZERO_VAR * sc2 * (double)n))
        return not_estimable(res, "no residual variation under the null");

    gsl_matrix_view M = gsl_matrix_submatrix(ws->M, 0, 0, k, k);
    gsl_vector_view m = gsl_matrix_subcolumn(&M.matrix, 1, 0, k);
    gsl_matrix_view V = gsl_matrix_submatrix(ws->Vc, 0, 0, ng, k);
    gsl_matrix_view MW = gsl_matrix_submatrix(ws->MW, 0, 0, ng, k);
    gsl_matrix_view K = gsl_matrix_submatrix(ws->GG, 0, 0, ng, ng);
    for (size_t j = 0; j < ng; j++) {
        size_t r0 = ws->cl_start[j], nj = ws->cl_size[j];
        gsl_matrix_view Xj = gsl_matrix_submatrix(ws->X, r0, 0, nj, k);
        gsl_vector_view ej = gsl_vector_subvector(ws->rres, r0, nj);
        gsl_vector_view vj = gsl_matrix_row(&V.matrix, j);
        gsl_blas_dgemv(CblasTrans, 1.0, &Xj.matrix, &ej.vector, 0.0, &vj.vector);
        gsl_blas_ddot(&m.vector, &vj.vector, &ws->cs[j]); /* (X_j m)'e~_j */
    }
    /* MW still holds W M from cr2_core: K = -(W M) V' + diag(u_h'e~_h) */
    gsl_blas_dgemm(CblasNoTrans, CblasTrans, -1.0, &MW.matrix, &V.matrix, 0.0, &K.matrix);
    for (size_t j = 0; j < ng; j++) {
        gsl_vector_view uj = gsl_vector_subvector(ws->u, ws->cl_start[j], ws->cl_size[j]);
        gsl_vector_view ej = gsl_vector_subvector(ws->rres, ws->cl_start[j], ws->cl_size[j]);
        double ue;
        gsl_blas_ddot(&uj.vector, &ej.vector, &ue);
        *gsl_matrix_ptr(&K.matrix, j, j) += ue;
    }

    /* K' for the replicates' K w: every entry (K w)_h is summed over j in
     * increasing order, as a row of K times w, but the entries advance
     * together, j by j, which vectorises across h without reordering any
     * sum */
    double *kt = ws->kt, *ks = ws->ks;
    for (size_t h = 0; h < ng; h++)
        for (size_t j = 0; j < ng; j++)
            kt[j * ng + h] = gsl_matrix_get(&K.matrix, h, j);
    struct arv_rng r;
    rng_for(&r, opt, ARV_EST_DRAWS_WILD);
    size_t exceed = 0;
    /* ties: |t*| equal to |t| up to rounding count as exceeding */
    double thr = fabs(tobs) * (1.0 - 1e-12);
    for (size_t rep = 0; rep < B; rep++) {
        double num = 0;
        for (size_t j = 0; j < ng; j++) {
            ws->cw[j] = webb_weight(&r);
            num += ws->cw[j] * ws->cs[j];
        }
        for (size_t h = 0; h < ng; h++)
            ks[h] = 0;
        for (size_t j = 0; j < ng; j++) {
            double wj = ws->cw[j];
            const double *col = kt + j * ng;
            for (size_t h = 0; h < ng; h++)
                ks[h] += col[h] * wj;
        }
        double den = 0;
        for (size_t h = 0; h < ng; h++)
            den += ks[h] * ks[h];
        /* den = 0 is a degenerate sample (every CR2 cluster score zero):
         * its t* is infinite unless b* is zero too */
        double ts = den > 0 ? fabs(num) / sqrt(den) : (num != 0 ? INFINITY : 0.0);
        ws->rep1[rep] = ts;
        if (ts >= thr)
            exceed++;
    }
    double q = crit_abs_t(ws->rep1, B, 1.0 - LEVEL);
    res->ok = 1;
    res->estimate = b;
    res->se = se;
    res->df = NAN;
    res->lo = b - q * se;
    res->hi = b + q * se;
    res->p = (double)exceed / (double)B;
    res->icc = NAN;
    res->reason = NULL;
    return 1;
}

/* ---- re-randomisation test ---------------------------------------------------- */

/* Fisher-Yates shuffle of a[0..len-1]: position i takes the element at
 * floor(u (i + 1) / 2^32) for a fresh 32-bit u (multiply-shift; its bias,
 * below (i + 1) / 2^32, is immaterial for R of a few thousand). Inline on
 * the raw generator: gsl_ran_shuffle's per-draw rejection and calls through
 * gsl_rng cost more than the rest of the test. */
static void shuffle(struct arv_rng *r, int *a, size_t len)
{
    for (size_t i = len; i-- > 1;) {
        size_t j = (size_t)(((uint64_t)arv_rng_u32(r) * (uint64_t)(i + 1)) >> 32);
        int tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
    }
}

/* Randomisation p-value of tau0 (a constant additive effect) from the
 * stored statistics: the allocation r's difference on y - tau0 t is
 * D_r - tau0 k_r, where k_r is its difference on t itself. */
static double perm_p(const struct arv_est_workspace *ws, size_t R, double dobs, double tau0,
                     double scale)
{
    double o = fabs(dobs - tau0), tol = 1e-10 * (scale + fabs(tau0));
    size_t c = 0;
    for (size_t r = 0; r < R; r++)
        if (fabs(ws->rep1[r] - tau0 * ws->rep2[r]) >= o - tol)
            c++;
    return (double)(c + 1) / (double)(R + 1);
}

/* Inverts the randomisation test on one side (dir = -1 lower, +1 upper):
 * the boundary between accepted tau0 (p > 0.05) and rejected ones, by
 * bisection after doubling outward from the estimate. The p-value is a step
 * function of tau0, so this finds a crossing, the outermost one when p is
 * monotone on that side (its usual shape). */
static double perm_bound(const struct arv_est_workspace *ws, size_t R, double dobs, double se,
                         double scale, int dir)
{
    double alpha = 1.0 - LEVEL, in = dobs, out = dobs, h = se;
    int found = 0;
    for (int i = 0; i < 60; i++, h *= 2) {
        out = dobs + dir * h;
        if (perm_p(ws, R, dobs, out, scale) <= alpha) {
            found = 1;
            break;
        }
        in = out;
    }
    if (!found)
        return dir * INFINITY;
    for (int i = 0; i < 100 && fabs(out - in) > 1e-12 * (fabs(in) + se); i++) {
        double mid = 0.5 * (in + out);
        if (perm_p(ws, R, dobs, mid, scale) > alpha)
            in = mid;
        else
            out = mid;
    }
    return in;
}

/*
 * Re-randomisation test: the cluster_t difference of arm means of cluster
 * means is recomputed for R allocations drawn as the trial drew them (the
 * same number of treated clusters, within strata when given);
 * p = (1 + #{|D_r| >= |D|}) / (R + 1). The interval inverts the test under a
 * constant additive effect. se is the cluster_t SE, reported for reference.
 */
int arv_est_randomisation(struct arv_est_workspace *ws, const struct arv_est_data *d,
                          const struct arv_est_options *opt, struct arv_est_result *res)
{
    assert(opt && opt->perm_reps > 0 && opt->perm_reps <= ws->lim.reps);
    const char *why = prepare(ws, d);
    if (why)
        return not_estimable(res, why);
    if (ws->g1 < 2 || ws->g0 < 2)
        return not_estimable(res, "fewer than two clusters in an arm");
    double dobs, se;
    why = cluster_diff(ws, &dobs, &se);
    if (why)
        return not_estimable(res, why);
    size_t ng = ws->ng, R = (size_t)opt->perm_reps;
    double g1 = (double)ws->g1, g0 = (double)ws->g0, tot = 0, scale = 0;
    /* clusters ordered by stratum (stable counting sort over the at most G
     * stratum values) */
    size_t ns = d->G;
    for (size_t s = 0; s <= ns; s++)
        ws->fill[s] = 0;
    for (size_t j = 0; j < ng; j++) {
        ws->fill[ws->cl_stratum[j] + 1]++;
        tot += ws->cl_mean[j];
        scale = fmax(scale, fabs(ws->cl_mean[j]));
    }
    /* fill[s] = first position of stratum s, send[s] its end */
    for (size_t s = 1; s <= ns; s++)
        ws->fill[s] += ws->fill[s - 1];
    for (size_t s = 0; s < ns; s++)
        ws->send[s] = ws->fill[s + 1];
    for (size_t j = 0; j < ng; j++)
        ws->perm[ws->fill[ws->cl_stratum[j]]++] = j;
    for (size_t pos = 0; pos < ng; pos++)
        ws->lab[pos] = ws->cl_arm[ws->perm[pos]];

    struct arv_rng r;
    rng_for(&r, opt, ARV_EST_DRAWS_PERM);
    for (size_t rep = 0; rep < R; rep++) {
        size_t start = 0;
        for (size_t s = 0; s < ns && start < ng; s++) {
            size_t end = ws->send[s];
            if (end > start + 1)
                shuffle(&r, ws->lab + start, end - start);
            start = end;
        }
        double st = 0, both = 0;
        for (size_t pos = 0; pos < ng; pos++)
            if (ws->lab[pos]) {
                size_t j = ws->perm[pos];
                st += ws->cl_mean[j];
                both += ws->cl_arm[j];
            }
        ws->rep1[rep] = st / g1 - (tot - st) / g0;
        ws->rep2[rep] = both / g1 - (g1 - both) / g0;
    }
    res->ok = 1;
    res->estimate = dobs;
    res->se = se;
    res->df = NAN;
    res->p = perm_p(ws, R, dobs, 0.0, scale);
    res->lo = perm_bound(ws, R, dobs, se, scale, -1);
    res->hi = perm_bound(ws, R, dobs, se, scale, +1);
    res->icc = NAN;
    res->reason = NULL;
    return 1;
}

/* ---- mixed model (REML) ------------------------------------------------------- */

/* Cholesky of the k x k symmetric positive definite A in place (lower
 * triangle); 0 when a pivot is not positive. */
static int chol(gsl_matrix *A, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        double s = gsl_matrix_get(A, j, j);
        for (size_t l = 0; l < j; l++)
            s -= gsl_matrix_get(A, j, l) * gsl_matrix_get(A, j, l);
        if (!(s > 0))
            return 0;
        double djj = sqrt(s);
        gsl_matrix_set(A, j, j, djj);
        for (size_t i = j + 1; i < k; i++) {
            double v = gsl_matrix_get(A, i, j);
            for (size_t l = 0; l < j; l++)
                v -= gsl_matrix_get(A, i, l) * gsl_matrix_get(A, j, l);
            gsl_matrix_set(A, i, j, v / djj);
        }
    }
    return 1;
}

/* Solves L L' x = b in place (L from chol). */
static void chol_solve(const gsl_matrix *L, size_t k, double *x)
{
    for (size_t i = 0; i < k; i++) {
        double v = x[i];
        for (size_t l = 0; l < i; l++)
            v -= gsl_matrix_get(L, i, l) * x[l];
        x[i] = v / gsl_matrix_get(L, i, i);
    }
    for (size_t i = k; i-- > 0;) {
        double v = x[i];
        for (size_t l = i + 1; l < k; l++)
            v -= gsl_matrix_get(L, l, i) * x[l];
        x[i] = v / gsl_matrix_get(L, i, i);
    }
}

struct reml {
    struct arv_est_workspace *ws;
    size_t n, k;
    int failed;
    /* at the last evaluation */
    double obj, score, q;
};

/*
 * The REML criterion of the random-intercept model at ICC rho, sigma^2
 * profiled out. With gamma = rho / (1 - rho) = s2u / s2e, H = I + gamma Z Z'
 * and w_j = 1 / (1 + n_j gamma) (H_j^-1 = I - J/n_j + w_j J/n_j):
 *   C    = X'H^-1 X = W_xx + sum_j w_j n_j xbar_j xbar_j'
 *   beta = C^-1 (W_xy + sum_j w_j n_j xbar_j ybar_j)
 *   Q    = r'H^-1 r = sum_i (within residual)^2 + sum_j w_j n_j rbar_j^2
 *   -2 l = (n - k) log Q + sum_j log(1 + n_j gamma) + log |C|  (+ const)
 * W_xx, W_xy are within-cluster scatter, so nothing cancels when gamma is
 * large. The score (derivative in gamma, same sign as in rho) is
 *   -(n-k) sum_j (w_j n_j rbar_j)^2 / Q + sum_j n_j w_j
 *     - sum_j n_j^2 w_j^2 xbar_j' C^-1 xbar_j.
 * Vc holds xbar_j, cl_mean ybar_j, S = W_xx, kv2 = W_xy; T gets chol(C).
 */
static void reml_eval(struct reml *m, double rho)
{
    struct arv_est_workspace *ws = m->ws;
    size_t k = m->k, ng = ws->ng;
    double gam = rho / (1.0 - rho);
    gsl_matrix *C = ws->T;
    double *b = ws->gam->data;
    for (size_t a = 0; a < k; a++) {
        for (size_t c = 0; c < k; c++)
            gsl_matrix_set(C, a, c, gsl_matrix_get(ws->S, a, c));
        b[a] = gsl_vector_get(ws->kv2, a);
    }
    double logh = 0;
    for (size_t j = 0; j < ng; j++) {
        double nj = (double)ws->cl_size[j], wn = nj / (1.0 + nj * gam);
        const double *xb = gsl_matrix_const_ptr(ws->Vc, j, 0);
        for (size_t a = 0; a < k; a++) {
            for (size_t c = 0; c < k; c++)
                *gsl_matrix_ptr(C, a, c) += wn * xb[a] * xb[c];
            b[a] += wn * xb[a] * ws->cl_mean[j];
        }
        logh += log1p(nj * gam);
    }
    if (!chol(C, k)) {
        m->failed = 1;
        return;
    }
    chol_solve(C, k, b);
    double logdet = 0;
    for (size_t a = 0; a < k; a++)
        logdet += 2.0 * log(gsl_matrix_get(C, a, a));
    /* residuals: within part directly from the data, cluster part from means */
    double qw = 0, qb = 0, sr = 0, sx = 0, sn = 0;
    double xc[64 + 1];
    for (size_t j = 0; j < ng; j++) {
        double nj = (double)ws->cl_size[j], w = 1.0 / (1.0 + nj * gam);
        const double *xb = gsl_matrix_const_ptr(ws->Vc, j, 0);
        double rb = ws->cl_mean[j];
        for (size_t a = 0; a < k; a++)
            rb -= xb[a] * b[a];
        /* intercept and treatment are constant within a cluster: only the
         * covariates (columns 2..k-1) have a within part */
        for (size_t r = ws->cl_start[j]; r < ws->cl_start[j + 1]; r++) {
            const double *x = ws->X->data + r * ws->X->tda;
            double e = ws->y->data[r * ws->y->stride] - ws->cl_mean[j];
            for (size_t a = 2; a < k; a++)
                e -= (x[a] - xb[a]) * b[a];
            qw += e * e;
        }
        qb += w * nj * rb * rb;
        sr += (w * nj * rb) * (w * nj * rb);
        /* xbar' C^-1 xbar = |L^-1 xbar|^2 */
        double quad = 0;
        for (size_t a = 0; a < k; a++) {
            double v = xb[a];
            for (size_t l = 0; l < a; l++)
                v -= gsl_matrix_get(C, a, l) * xc[l];
            xc[a] = v / gsl_matrix_get(C, a, a);
            quad += xc[a] * xc[a];
        }
        sx += nj * nj * w * w * quad;
        sn += nj * w;
    }
    double q = qw + qb;
    if (!(q > 0)) {
        m->failed = 1;
        return;
    }
    m->q = q;
    m->obj = (double)(m->n - m->k) * log(q) + logh + logdet;
    m->score = -(double)(m->n - m->k) * sr / q + sn - sx;
}

static double reml_score_fn(double rho, void *p)
{
    struct reml *m = p;
    reml_eval(m, rho);
    return m->score;
}

#define RHO_MAX 0.999
#define RHO_GRID 40

/*
 * Random-intercept model y = X b + u_cluster + e fitted by REML. The
 * profiled criterion is scanned on a grid of the ICC (denser near 0, where
 * trials live) for its global minimum; the minimum is then located as the
 * root of the score in the bracketing grid cell with GSL's Brent solver,
 * which reaches full precision where a minimiser stops at sqrt(epsilon). A
 * minimum at ICC 0 (score >= 0 there) is the boundary estimate. Should the
 * score not change sign across the cell (a criterion with two minima within
 * one grid step, not met in the tests), the grid point is kept.
 * SE from sigma^2 C^-1 at the estimate; df = G - 2 (the between-cluster
 * residual df of a cluster-level treatment).
 */
int arv_est_mixed(struct arv_est_workspace *ws, const struct arv_est_data *d,
                  struct arv_est_result *res)
{
    const char *why = ols_setup(ws, d, 1);
    if (why)
        return not_estimable(res, why);
    size_t n = d->n, k = d->p + 2, ng = ws->ng;
    if (ng < 3)
        return not_estimable(res, "one cluster per arm: no degrees of freedom");
    if (n <= ng || n <= k)
        return not_estimable(res, "no within-cluster replication");
    gsl_vector_view e = gsl_vector_subvector(ws->resid, 0, n);
    double rss;
    gsl_blas_ddot(&e.vector, &e.vector, &rss);
    if (!(rss > ZERO_VAR * y_scale2(ws, n) * (double)n))
        return not_estimable(res, "no residual variation");
    /* cluster means of X (Vc), within scatter S = W_xx, kv2 = W_xy */
    gsl_matrix_set_zero(ws->S);
    gsl_vector_set_zero(ws->kv2);
    for (size_t j = 0; j < ng; j++) {
        double *xb = gsl_matrix_ptr(ws->Vc, j, 0);
        for (size_t a = 0; a < k; a++)
            xb[a] = 0;
        size_t r0 = ws->cl_start[j], r1 = ws->cl_start[j + 1];
        for (size_t r = r0; r < r1; r++)
            for (size_t a = 0; a < k; a++)
                xb[a] += gsl_matrix_get(ws->X, r, a);
        for (size_t a = 0; a < k; a++)
            xb[a] /= (double)(r1 - r0);
        for (size_t r = r0; r < r1; r++) {
            const double *x = gsl_matrix_const_ptr(ws->X, r, 0);
            double ey = gsl_vector_get(ws->y, r) - ws->cl_mean[j];
            for (size_t a = 0; a < k; a++) {
                double ea = x[a] - xb[a];
                *gsl_vector_ptr(ws->kv2, a) += ea * ey;
                for (size_t c = 0; c < k; c++)
                    *gsl_matrix_ptr(ws->S, a, c) += ea * (x[c] - xb[c]);
            }
        }
    }

    struct reml m = {.ws = ws, .n = n, .k = k};
    double best = INFINITY;
    int jbest = -1;
    double grid[RHO_GRID + 1];
    for (int j = 0; j <= RHO_GRID; j++) {
        double f = (double)j / RHO_GRID;
        grid[j] = RHO_MAX * f * f;
        m.failed = 0;
        reml_eval(&m, grid[j]);
        if (!m.failed && m.obj < best) {
            best = m.obj;
            jbest = j;
        }
    }
    if (jbest < 0)
        return not_estimable(res, "REML criterion not defined");
    if (jbest == RHO_GRID)
        return not_estimable(res, "REML estimate at ICC 1: no within-cluster variation");
    double rho = grid[jbest];
    m.failed = 0;
    double s_mid = reml_score_fn(rho, &m);
    double lo = jbest > 0 ? grid[jbest - 1] : 0.0, hi = grid[jbest + 1];
    double a = NAN, b = NAN;
    if (jbest == 0 && s_mid >= 0) {
        rho = 0.0; /* boundary: the criterion rises from ICC 0 */
    } else if (s_mid > 0) {
        a = lo;
        b = rho;
    } else if (s_mid < 0) {
        a = rho;
        b = hi;
    }
    if (!isnan(a) && reml_score_fn(a, &m) < 0 && reml_score_fn(b, &m) > 0 && !m.failed) {
        gsl_function F = {.function = reml_score_fn, .params = &m};
        gsl_root_fsolver *s = ws->root;
        gsl_root_fsolver_set(s, &F, a, b);
        for (int it = 0; it < 200; it++) {
            gsl_root_fsolver_iterate(s);
            double x0 = gsl_root_fsolver_x_lower(s), x1 = gsl_root_fsolver_x_upper(s);
            if (gsl_root_test_interval(x0, x1, 1e-15, 1e-13) == GSL_SUCCESS)
                break;
        }
        rho = gsl_root_fsolver_root(s);
    }
    m.failed = 0;
    reml_eval(&m, rho);
    if (m.failed)
        return not_estimable(res, "REML criterion not defined");
    double s2 = m.q / (double)(n - k);
    /* [C^-1]_{11} from the Cholesky factor left in T */
    double e1[64 + 1] = {0};
    e1[1] = 1.0;
    chol_solve(ws->T, k, e1);
    double se = sqrt(s2 * e1[1]);
    t_result(res, ws->gam->data[1], se, (double)(ng - 2));
    res->icc = rho;
    return 1;
}

/* ---- dispatch ----------------------------------------------------------------- */

int arv_estimate(struct arv_est_workspace *ws, enum arv_est_method m,
                 const struct arv_est_data *d, const struct arv_est_options *opt,
                 struct arv_est_result *res)
{
    switch (m) {
    case ARV_EST_CLUSTER_T:
        return arv_est_cluster_t(ws, d, res);
    case ARV_EST_CR2:
        return arv_est_cr2(ws, d, res);
    case ARV_EST_WILD:
        return arv_est_wild_bootstrap(ws, d, opt, res);
    case ARV_EST_RANDOMISATION:
        return arv_est_randomisation(ws, d, opt, res);
    case ARV_EST_MIXED:
        return arv_est_mixed(ws, d, res);
    case ARV_EST_NAIVE_OLS:
        return arv_est_naive_ols(ws, d, res);
    case ARV_EST_N:
        break;
    }
    assert(!"unknown estimator");
    return 0;
}

/* ---- ICC -------------------------------------------------------------------- */

/*
 * One-way ANOVA estimator with clusters nested in arms:
 *   MSW = sum (y - ybar_j)^2 / (N - G),  MSB = sum n_j (ybar_j - ybar_arm)^2 / (G - A),
 *   n0  = (N - sum_arms sum_j n_j^2 / N_arm) / (G - A),
 *   s2u = (MSB - MSW) / n0,  ICC = max(0, s2u / (s2u + MSW)),
 * A the number of arms used (Donner & Koval 1980; Searle, Casella &
 * McCulloch 1992, ch. 3).
 */
int arv_est_icc(struct arv_est_workspace *ws, const struct arv_est_data *d, int arm,
                struct arv_icc *out)
{
    assert(arm >= -1 && arm <= 1);
    memset(out, 0, sizeof *out);
    out->icc = out->msb = out->msw = out->n0 = NAN;
    const char *why = prepare(ws, d);
    if (why) {
        out->reason = why;
        return 0;
    }
    double narm[2] = {0, 0}, sarm[2] = {0, 0}, sq[2] = {0, 0}, ssw = 0, ssb = 0, scale = 0;
    size_t G = 0, N = 0, arms = 0;
    for (size_t j = 0; j < ws->ng; j++) {
        int a = ws->cl_arm[j];
        if (arm >= 0 && a != arm)
            continue;
        double nj = (double)ws->cl_size[j];
        narm[a] += nj;
        sarm[a] += nj * ws->cl_mean[j];
        sq[a] += nj * nj;
        G++;
        N += ws->cl_size[j];
        for (size_t r = ws->cl_start[j]; r < ws->cl_start[j + 1]; r++) {
            double dv = gsl_vector_get(ws->y, r) - ws->cl_mean[j];
            ssw += dv * dv;
            scale = fmax(scale, fabs(gsl_vector_get(ws->y, r)));
        }
    }
    for (int a = 0; a < 2; a++)
        arms += narm[a] > 0;
    for (size_t j = 0; j < ws->ng; j++) {
        int a = ws->cl_arm[j];
        if (arm >= 0 && a != arm)
            continue;
        double dv = ws->cl_mean[j] - sarm[a] / narm[a];
        ssb += (double)ws->cl_size[j] * dv * dv;
    }
    out->clusters = G;
    out->n = N;
    if (G <= arms) {
        out->reason = "fewer than two clusters in an arm";
        return 0;
    }
    if (N <= G) {
        out->reason = "no within-cluster replication";
        return 0;
    }
    double dfb = (double)(G - arms), n0 = (double)N;
    for (int a = 0; a < 2; a++)
        if (narm[a] > 0)
            n0 -= sq[a] / narm[a];
    n0 /= dfb;
    out->msw = ssw / (double)(N - G);
    out->msb = ssb / dfb;
    out->n0 = n0;
    double z = ZERO_VAR * (scale > 0 ? scale * scale : 1.0);
    if (!(out->msw > z) && !(out->msb > z)) {
        out->reason = "no variation in the outcome";
        out->icc = NAN;
        return 0;
    }
    double s2u = (out->msb - out->msw) / n0;
    out->icc = s2u > 0 ? s2u / (s2u + out->msw) : 0.0;
    out->ok = 1;
    return 1;
}
