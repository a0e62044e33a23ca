/*
 * Trial estimators: a balanced data set computed by hand, an unbalanced one
 * against independent dense-matrix formulas (tests/fixtures/
 * estimators_reference.py, cross-checked there against statsmodels), the
 * fast wild bootstrap against refits on the bootstrap samples, the
 * randomisation test against exact enumeration, determinism of the keyed
 * draws, and data that cannot be analysed.
 */
#include "testing.h"

#include <stdlib.h>
#include <string.h>

#include "arv/estimators.h"
#include "arv/rng.h"

/* ---- fixtures ----------------------------------------------------------- */

/* Balanced: 4 clusters of 3, clusters 0 and 1 treated. Cluster means 6, 10
 * (treated) and 2, 4; within-cluster deviations -1, 0, 1 everywhere. */
static const double by[12] = {5, 6, 7, 9, 10, 11, 1, 2, 3, 3, 4, 5};
static const int bc[12] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3};
static const int bt[12] = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};

/* Unbalanced: 7 clusters of 2-5, clusters 0, 2 and 4 treated, one covariate
 * (the data of estimators_reference.py). */
#define UN 24
static const double uy[UN] = {11.35, 9.82, 11.87, 10.31, 8.8,  10.34, 11.28, 11.35,
                              10.56, 12.31, 10.97, 11.42, 9.76, 9.18,  9.08,  10.87,
                              11.5,  11.34, 9.87,  11.0,  9.9,  8.99,  7.79,  10.04};
static const double ux[UN] = {-0.26, 1.39,  1.88,  -1.71, -0.62, 0.4,   -0.34, -0.21,
                              -0.93, 0.67,  1.2,   -1.15, 1.62,  -0.86, -0.5,  -0.57,
                              -0.94, -0.01, -0.16, 0.1,   0.03,  -0.56, -2.13, -0.22};
static const int uc[UN] = {0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5, 5, 5, 5, 5, 6, 6, 6};
static const int ut[UN] = {1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0};

static struct arv_est_workspace *workspace(size_t n, size_t p, size_t G, int reps)
{
    struct arv_est_limits lim = {.n = n, .p = p, .G = G, .reps = reps};
    return arv_est_workspace_alloc(&lim);
}

static struct arv_est_data data_of(size_t n, size_t p, size_t G, const double *y, const int *t,
                                   const int *c, const double *x)
{
    struct arv_est_data d = {.n = n, .p = p, .G = G, .y = y, .t = t, .c = c, .x = x};
    return d;
}

static void assert_result(const struct arv_est_result *r, double est, double se, double df,
                          double lo, double hi, double p, double tol)
{
    if (!r->ok)
        fail_msg("not estimable: %s", r->reason);
    assert_near(r->estimate, est, tol);
    assert_near(r->se, se, tol);
    assert_near(r->df, df, tol);
    assert_near(r->lo, lo, tol);
    assert_near(r->hi, hi, tol);
    assert_near(r->p, p, tol);
}

static void assert_not_estimable(const struct arv_est_result *r)
{
    assert_int_equal(r->ok, 0);
    assert_non_null(r->reason);
    assert_true(isnan(r->estimate) && isnan(r->se) && isnan(r->p) && isnan(r->lo));
}

/* ---- names --------------------------------------------------------------- */

static void test_names(void **state)
{
    assert_string_equal(arv_est_name(ARV_EST_CLUSTER_T), "cluster_t");
    assert_string_equal(arv_est_name(ARV_EST_CR2), "cr2");
    assert_string_equal(arv_est_name(ARV_EST_WILD), "wild_bootstrap");
    assert_string_equal(arv_est_name(ARV_EST_RANDOMISATION), "randomisation");
    assert_string_equal(arv_est_name(ARV_EST_MIXED), "mixed");
    assert_string_equal(arv_est_name(ARV_EST_NAIVE_OLS), "naive_ols");
    assert_null(arv_est_name(ARV_EST_N));
}

/* ---- balanced data, by hand ---------------------------------------------- */

/* Arm means of cluster means 8 and 3: effect 5. Deviations of the cluster
 * means from their arm mean -2, 2, -1, 1: s^2 = 10 / 2 = 5, SE = sqrt(5 (1/2
 * + 1/2)) = sqrt(5), t = sqrt(5) on 2 df. For 2 df, P(|T| > t) = 1 -
 * t / sqrt(2 + t^2) and the 97.5% quantile is 0.95 sqrt(2 / 0.0975). */
static void test_balanced_by_hand(void **state)
{
    struct arv_est_workspace *ws = workspace(12, 0, 4, 0);
    struct arv_est_data d = data_of(12, 0, 4, by, bt, bc, NULL);
    struct arv_est_result r;
    double se = sqrt(5.0), q = 0.95 * sqrt(2.0 / 0.0975), p = 1.0 - sqrt(5.0 / 7.0);

    assert_true(arv_est_cluster_t(ws, &d, &r));
    assert_result(&r, 5.0, se, 2.0, 5.0 - q * se, 5.0 + q * se, p, 1e-12);

    /* Balanced REML is the ANOVA solution when MSB > MSW: s2e = MSW = 8 / 8
     * = 1, s2u = (MSB - MSW) / 3 with MSB = 3 * 10 / 2 = 15, so s2u = 14/3 and
     * ICC = 14/17; Var(b) = (s2e + 3 s2u) / 3 (1/2 + 1/2) = 5, the cluster_t
     * variance, and df = G - 2 = 2. */
    assert_true(arv_est_mixed(ws, &d, &r));
    assert_result(&r, 5.0, se, 2.0, 5.0 - q * se, 5.0 + q * se, p, 1e-10);
    assert_near(r.icc, 14.0 / 17.0, 1e-10);

    /* OLS: RSS = within 8 + between-within-arm 3 * 10 = 38 on 10 df, Var(b)
     * = 3.8 (1/6 + 1/6). */
    assert_true(arv_est_naive_ols(ws, &d, &r));
    double se_ols = sqrt(3.8 / 3.0);
    assert_near(r.estimate, 5.0, 1e-12);
    assert_near(r.se, se_ols, 1e-12);
    assert_near(r.df, 10.0, 0);

    /* CR2 with equal arms and equal cluster sizes: sqrt(5) on 2 df
     * (reference script: se 2.2360679774997889, df 2). */
    assert_true(arv_est_cr2(ws, &d, &r));
    assert_result(&r, 5.0, se, 2.0, 5.0 - q * se, 5.0 + q * se, p, 1e-10);

    /* ANOVA ICC, clusters in arms: MSB = 15, MSW = 1, n0 = (12 - 18/6 - 18/6)
     * / 2 = 3, s2u = 14/3. */
    struct arv_icc icc;
    assert_true(arv_est_icc(ws, &d, -1, &icc));
    assert_near(icc.msb, 15.0, 1e-12);
    assert_near(icc.msw, 1.0, 1e-12);
    assert_near(icc.n0, 3.0, 1e-12);
    assert_near(icc.icc, 14.0 / 17.0, 1e-12);
    assert_int_equal(icc.clusters, 4);
    assert_int_equal(icc.n, 12);
    /* treated arm alone: cluster means 6 and 10, MSB = 3 * 8 / 1 = 24 */
    assert_true(arv_est_icc(ws, &d, 1, &icc));
    assert_near(icc.msb, 24.0, 1e-12);
    assert_near(icc.icc, (23.0 / 3.0) / (23.0 / 3.0 + 1.0), 1e-12);
    arv_est_workspace_free(ws);
}

/* Cluster means equal within each arm (6, 6 and 2, 2): MSB = 0 < MSW, so
 * the REML ICC is at its boundary 0, where GLS is OLS: estimate 4 and SE
 * sqrt(s2 (1/6 + 1/6)) with s2 = SSW / 10 = (2 + 8 + 2 + 8) / 10, but on
 * G - 2 = 2 df. cluster_t has no between-cluster variation to work with. */
static void test_reml_boundary(void **state)
{
    const double y[12] = {5, 6, 7, 4, 6, 8, 1, 2, 3, 0, 2, 4};
    struct arv_est_workspace *ws = workspace(12, 0, 4, 0);
    struct arv_est_data d = data_of(12, 0, 4, y, bt, bc, NULL);
    struct arv_est_result r;
    double se = sqrt(2.0 / 3.0), q = 0.95 * sqrt(2.0 / 0.0975);
    double p = 1.0 - (4.0 / se) / sqrt(2.0 + 16.0 / (se * se));
    assert_true(arv_est_mixed(ws, &d, &r));
    assert_result(&r, 4.0, se, 2.0, 4.0 - q * se, 4.0 + q * se, p, 1e-12);
    assert_near(r.icc, 0.0, 0);
    assert_false(arv_est_cluster_t(ws, &d, &r));
    assert_string_equal(r.reason, "no variation between cluster means");
    struct arv_icc icc;
    assert_true(arv_est_icc(ws, &d, -1, &icc));
    assert_near(icc.msb, 0.0, 1e-12);
    assert_near(icc.msw, 20.0 / 8.0, 1e-12); /* SSW / (N - G) */
    assert_near(icc.icc, 0.0, 0);
    arv_est_workspace_free(ws);
}

/* ---- unbalanced data, against the reference script ------------------------ */

static void test_unbalanced_reference(void **state)
{
    struct arv_est_workspace *ws = workspace(UN, 2, 7, 0);
    struct arv_est_data d = data_of(UN, 1, 7, uy, ut, uc, ux);
    struct arv_est_data d0 = data_of(UN, 0, 7, uy, ut, uc, NULL);
    struct arv_est_result r;

    assert_true(arv_est_cluster_t(ws, &d, &r));
    assert_result(&r, 0.52693055555555723, 0.59081513994738599, 5, -0.99180811141212044,
                  2.0456692225232347, 0.41331987179139051, 1e-10);

    /* statsmodels ols: b 0.45052469352712343, se 0.48033810198544952 */
    assert_true(arv_est_naive_ols(ws, &d, &r));
    assert_result(&r, 0.45052469352712132, 0.48033810198544952, 21, -0.54839307351203603,
                  1.4494424605662788, 0.35894209326771653, 1e-10);

    assert_true(arv_est_cr2(ws, &d, &r));
    assert_result(&r, 0.45052469352712132, 0.52772344242479141, 3.4145040347898572,
                  -1.1192785309889306, 2.0203279180431735, 0.44899134904681515, 1e-10);
    assert_true(arv_est_cr2(ws, &d0, &r));
    assert_result(&r, 0.50638655462184889, 0.55570554711195363, 3.4411966777786929,
                  -1.1405143884907274, 2.153287497734425, 0.42142773091874786, 1e-10);

    /* a second covariate, the indicator of cluster 5: that cluster's
     * I - H_gg is singular and CR2 takes its Moore-Penrose root */
    double x2[2 * UN];
    for (int i = 0; i < UN; i++) {
        x2[2 * i] = ux[i];
        x2[2 * i + 1] = uc[i] == 5;
    }
    struct arv_est_data d2 = data_of(UN, 2, 7, uy, ut, uc, x2);
    assert_true(arv_est_cr2(ws, &d2, &r));
    assert_result(&r, 0.64337496566741026, 0.56633215611456889, 3.5238400027323813,
                  -1.0164603224525361, 2.3032102537873569, 0.32724989481078481, 1e-10);

    /* Dense REML in the script is located by a bounded minimiser (ICC to
     * about 1e-9); statsmodels mixedlm agrees with it to 2e-6 in b and 4e-6
     * in the ICC (b 0.45886112406460083, ICC 0.086810312224427408). */
    assert_true(arv_est_mixed(ws, &d, &r));
    assert_result(&r, 0.458860869777791, 0.5253227224134227, 5, -0.89152417830517128,
                  1.8092459178607532, 0.42236037357891437, 1e-7);
    assert_near(r.icc, 0.086806595350392576, 1e-7);
    assert_near(r.estimate, 0.45886112406460083, 1e-5);
    assert_near(r.icc, 0.086810312224427408, 1e-5);

    struct arv_icc icc;
    assert_true(arv_est_icc(ws, &d, -1, &icc));
    assert_near(icc.icc, 0.17718589698917117, 1e-12);
    assert_near(icc.msb, 1.8402818851540617, 1e-12);
    assert_near(icc.msw, 1.0582189215686271, 1e-12);
    assert_near(icc.n0, 3.4319327731092435, 1e-12);
    assert_true(arv_est_icc(ws, &d, 0, &icc));
    assert_near(icc.icc, 0.20879557378666519, 1e-12);
    assert_near(icc.msb, 2.217744411764706, 1e-12);
    assert_near(icc.msw, 1.0523965384615381, 1e-12);
    assert_near(icc.n0, 4.1960784313725492, 1e-12);
    arv_est_workspace_free(ws);
}

/* Results do not depend on the order of individuals, on cluster labels, or
 * on empty cluster indices; one workspace serves data of any smaller size. */
static void test_order_and_labels(void **state)
{
    double y[UN], x[UN];
    int t[UN], c[UN];
    /* reverse the rows; cluster g becomes 2 * (6 - g) + 1 of 15 (even
     * indices stay empty) */
    for (int i = 0; i < UN; i++) {
        y[i] = uy[UN - 1 - i];
        x[i] = ux[UN - 1 - i];
        t[i] = ut[UN - 1 - i];
        c[i] = 2 * (6 - uc[UN - 1 - i]) + 1;
    }
    struct arv_est_workspace *ws = workspace(100, 3, 20, 0);
    struct arv_est_data a = data_of(UN, 1, 7, uy, ut, uc, ux);
    struct arv_est_data b = data_of(UN, 1, 15, y, t, c, x);
    for (int m = 0; m < ARV_EST_N; m++) {
        if (m == ARV_EST_WILD || m == ARV_EST_RANDOMISATION)
            continue;
        struct arv_est_result ra, rb;
        arv_estimate(ws, (enum arv_est_method)m, &a, NULL, &ra);
        arv_estimate(ws, (enum arv_est_method)m, &b, NULL, &rb);
        assert_true(ra.ok && rb.ok);
        assert_near(rb.estimate, ra.estimate, 1e-10);
        assert_near(rb.se, ra.se, 1e-10);
        assert_near(rb.df, ra.df, 1e-10);
        assert_near(rb.p, ra.p, 1e-10);
    }
    arv_est_workspace_free(ws);
}

/* ---- wild bootstrap ------------------------------------------------------- */

/* The fast algorithm against the definition: the test draws the same Webb
 * weights (the documented key), builds each bootstrap sample y* = restricted
 * fit + w * restricted residual, refits it with arv_est_cr2, and counts
 * |t*| >= |t|. p-values must agree exactly, the interval to rounding. */
static void test_wild_against_refits(void **state)
{
    enum { B = 199 };
    struct arv_est_workspace *ws = workspace(UN, 1, 7, B);
    struct arv_est_workspace *ws2 = workspace(UN, 1, 7, 0);
    struct arv_est_data d = data_of(UN, 1, 7, uy, ut, uc, ux);
    struct arv_est_options opt;
    arv_est_options_default(&opt);
    opt.boot_reps = B;
    opt.seed = 7;
    opt.rep = 3;
    opt.trial = 11;
    opt.stream = ARV_STREAM_TEST;
    struct arv_est_result r, cr;
    assert_true(arv_est_wild_bootstrap(ws, &d, &opt, &r));
    assert_true(arv_est_cr2(ws2, &d, &cr));
    assert_near(r.estimate, cr.estimate, 1e-13);
    assert_near(r.se, cr.se, 1e-13);
    assert_true(isnan(r.df));

    /* restricted fit: y on (1, x) by the normal equations */
    double s1 = UN, sx = 0, sxx = 0, sy = 0, sxy = 0;
    for (int i = 0; i < UN; i++) {
        sx += ux[i];
        sxx += ux[i] * ux[i];
        sy += uy[i];
        sxy += ux[i] * uy[i];
    }
    double det = s1 * sxx - sx * sx, g0 = (sxx * sy - sx * sxy) / det,
           g1 = (s1 * sxy - sx * sy) / det;
    const double webb[6] = {-sqrt(1.5), -1.0, -sqrt(0.5), sqrt(0.5), 1.0, sqrt(1.5)};
    struct arv_rng rng;
    arv_rng_init(&rng, opt.seed, opt.rep);
    arv_rng_seek(&rng, opt.stream, opt.trial, ARV_EST_DRAWS_WILD);
    double tobs = fabs(cr.estimate / cr.se), ts[B], ystar[UN];
    int exceed = 0;
    for (int b = 0; b < B; b++) {
        double w[7];
        for (int g = 0; g < 7; g++)
            w[g] = webb[((uint64_t)arv_rng_u32(&rng) * 6u) >> 32];
        for (int i = 0; i < UN; i++) {
            double fit = g0 + g1 * ux[i];
            ystar[i] = fit + w[uc[i]] * (uy[i] - fit);
        }
        struct arv_est_data ds = data_of(UN, 1, 7, ystar, ut, uc, ux);
        struct arv_est_result rs;
        assert_true(arv_est_cr2(ws2, &ds, &rs));
        ts[b] = fabs(rs.estimate / rs.se);
        exceed += ts[b] >= tobs;
    }
    assert_near(r.p, (double)exceed / B, 1e-15);
    /* interval: estimate -+ the |t*| beyond which p <= 0.05: p = count / 199
     * <= 0.05 for count <= 9, so the 10th largest, sorted index 189 */
    for (int i = 1; i < B; i++) /* insertion sort: B is small */
        for (int j = i; j > 0 && ts[j - 1] > ts[j]; j--) {
            double tmp = ts[j];
            ts[j] = ts[j - 1];
            ts[j - 1] = tmp;
        }
    double q = ts[189];
    assert_near(r.lo, r.estimate - q * r.se, 1e-9);
    assert_near(r.hi, r.estimate + q * r.se, 1e-9);
    arv_est_workspace_free(ws);
    arv_est_workspace_free(ws2);
}

/* Same key, same answer; another trial index, other draws. */
static void test_draws_are_keyed(void **state)
{
    struct arv_est_workspace *ws = workspace(UN, 1, 7, 999);
    struct arv_est_data d = data_of(UN, 1, 7, uy, ut, uc, ux);
    struct arv_est_options opt;
    arv_est_options_default(&opt);
    assert_int_equal(opt.boot_reps, 999);
    assert_int_equal(opt.perm_reps, 999);
    assert_int_equal(opt.stream, ARV_STREAM_TRIAL);
    opt.trial = 5;
    for (int m = ARV_EST_WILD; m <= ARV_EST_RANDOMISATION; m++) {
        struct arv_est_result a, b, c;
        arv_estimate(ws, (enum arv_est_method)m, &d, &opt, &a);
        arv_estimate(ws, (enum arv_est_method)m, &d, &opt, &b);
        opt.trial = 6;
        arv_estimate(ws, (enum arv_est_method)m, &d, &opt, &c);
        opt.trial = 5;
        assert_true(a.ok && b.ok && c.ok);
        assert_true(a.estimate == b.estimate && a.se == b.se && a.p == b.p &&
                    a.lo == b.lo && a.hi == b.hi);
        assert_true(a.p != c.p || a.lo != c.lo);
    }
    arv_est_workspace_free(ws);
}

/* One workspace per thread: trials analysed in parallel give bit-for-bit
 * the results of a serial loop (the draws depend on the key only). */
static void test_threads(void **state)
{
    enum { TRIALS = 16 };
    static double res[2][TRIALS][ARV_EST_N][3];
    for (int par = 0; par < 2; par++) {
#pragma omp parallel num_threads(par ? 4 : 1)
        {
            struct arv_est_workspace *ws = workspace(UN, 1, 7, 199);
            double y[UN];
#pragma omp for schedule(dynamic)
            for (int tr = 0; tr < TRIALS; tr++) {
                for (int i = 0; i < UN; i++)
                    y[i] = uy[i] + 0.1 * tr * ut[i] + 0.05 * sin(tr * i);
                struct arv_est_data d = data_of(UN, 1, 7, y, ut, uc, ux);
                struct arv_est_options opt;
                arv_est_options_default(&opt);
                opt.boot_reps = opt.perm_reps = 199;
                opt.trial = (uint32_t)tr;
                for (int m = 0; m < ARV_EST_N; m++) {
                    struct arv_est_result r;
                    arv_estimate(ws, (enum arv_est_method)m, &d, &opt, &r);
                    res[par][tr][m][0] = r.p;
                    res[par][tr][m][1] = r.lo;
                    res[par][tr][m][2] = r.hi;
                }
            }
            arv_est_workspace_free(ws);
        }
    }
    assert_memory_equal(res[0], res[1], sizeof res[0]);
}

/* ---- randomisation test --------------------------------------------------- */

/* Exact randomisation p-value over all allocations of n1 treated among the
 * clusters (means m, observed arms a), by enumeration of bit masks; with
 * strata of two clusters (2s, 2s + 1), one treated in each, when paired. */
static double exact_p(const double *m, const int *a, int G, int paired)
{
    int g1 = 0;
    double tot = 0;
    for (int g = 0; g < G; g++) {
        g1 += a[g];
        tot += m[g];
    }
    double obs = 0;
    for (int g = 0; g < G; g++)
        obs += a[g] ? m[g] / g1 : -m[g] / (G - g1);
    int count = 0, all = 0;
    for (unsigned mask = 0; mask < (1u << G); mask++) {
        if (__builtin_popcount(mask) != g1)
            continue;
        int ok = 1;
        for (int s = 0; paired && s < G / 2; s++)
            ok &= ((mask >> (2 * s)) & 3u) == 1u || ((mask >> (2 * s)) & 3u) == 2u;
        if (!ok)
            continue;
        double st = 0;
        for (int g = 0; g < G; g++)
            if (mask >> g & 1u)
                st += m[g];
        double dv = st / g1 - (tot - st) / (G - g1);
        all++;
        count += fabs(dv) >= fabs(obs) - 1e-12;
    }
    return (double)count / all;
}

static void cluster_means(const double *y, const int *c, int n, int G, double *m)
{
    double cnt[32] = {0};
    for (int g = 0; g < G; g++)
        m[g] = 0;
    for (int i = 0; i < n; i++) {
        m[c[i]] += y[i];
        cnt[c[i]]++;
    }
    for (int g = 0; g < G; g++)
        m[g] /= cnt[g];
}

/* With many re-randomisations the p-value approaches the exact one (35
 * allocations of 3 treated among 7), the estimate and SE are cluster_t's,
 * and the interval is where the test of a shifted outcome turns. */
static void test_randomisation_exact(void **state)
{
    enum { R = 20000 };
    struct arv_est_workspace *ws = workspace(UN, 1, 7, R);
    struct arv_est_data d = data_of(UN, 1, 7, uy, ut, uc, ux);
    struct arv_est_options opt;
    arv_est_options_default(&opt);
    opt.perm_reps = R;
    opt.stream = ARV_STREAM_TEST;
    opt.seed = 99;
    struct arv_est_result r, ct;
    assert_true(arv_est_randomisation(ws, &d, &opt, &r));
    assert_true(arv_est_cluster_t(ws, &d, &ct));
    assert_near(r.estimate, ct.estimate, 1e-13);
    assert_near(r.se, ct.se, 1e-13);
    assert_true(isnan(r.df));
    double m[7];
    int a[7] = {1, 0, 1, 0, 1, 0, 0};
    cluster_means(uy, uc, UN, 7, m);
    double pe = exact_p(m, a, 7, 0);
    assert_near(r.p, pe, 4.0 * sqrt(pe * (1 - pe) / R) + 1.0 / R);

    /* test inversion: y - tau t with tau just inside the interval is
     * accepted (p > 0.05), just outside rejected; same key, same draws */
    assert_true(r.lo < r.estimate && r.estimate < r.hi);
    double ys[UN];
    const double bounds[2] = {r.lo, r.hi};
    for (int side = 0; side < 2; side++) {
        double inward = side == 0 ? 1 : -1, eps = 1e-6 * (r.hi - r.lo);
        for (int k = 0; k < 2; k++) {
            double tau = bounds[side] + (k == 0 ? inward : -inward) * eps;
            for (int i = 0; i < UN; i++)
                ys[i] = uy[i] - tau * ut[i];
            struct arv_est_data ds = data_of(UN, 1, 7, ys, ut, uc, ux);
            struct arv_est_result rs;
            assert_true(arv_est_randomisation(ws, &ds, &opt, &rs));
            if (k == 0)
                assert_true(rs.p > 0.05);
            else
                assert_true(rs.p <= 0.05);
        }
    }
    arv_est_workspace_free(ws);
}

/* Within strata: 4 pairs of clusters, one treated in each; the exact
 * p-value is over the 16 allocations that keep the pairs, not the 70 of 4
 * among 8. */
static void test_randomisation_strata(void **state)
{
    enum { R = 20000, G = 8, N = 24 };
    double y[N];
    int t[N], c[N];
    const int arm[G] = {1, 0, 0, 1, 1, 0, 0, 1};
    const int stratum[G] = {0, 0, 1, 1, 2, 2, 3, 3};
    for (int i = 0; i < N; i++) {
        c[i] = i / 3;
        t[i] = arm[c[i]];
        /* strong pair effects, which the stratified test removes */
        y[i] = 3.0 * stratum[c[i]] + 0.7 * t[i] + 0.5 * sin(1.7 * i + 0.3);
    }
    struct arv_est_workspace *ws = workspace(N, 0, G, R);
    struct arv_est_data d = data_of(N, 0, G, y, t, c, NULL);
    d.stratum = stratum;
    struct arv_est_options opt;
    arv_est_options_default(&opt);
    opt.perm_reps = R;
    opt.stream = ARV_STREAM_TEST;
    struct arv_est_result r;
    assert_true(arv_est_randomisation(ws, &d, &opt, &r));
    double m[G];
    cluster_means(y, c, N, G, m);
    double pe = exact_p(m, arm, G, 1), pu = exact_p(m, arm, G, 0);
    assert_true(fabs(pe - pu) > 0.1); /* the strata matter here */
    assert_near(r.p, pe, 4.0 * sqrt(pe * (1 - pe) / R) + 1.0 / R);
    arv_est_workspace_free(ws);
}

/* ---- data that cannot be analysed ---------------------------------------- */

static void all_methods(struct arv_est_workspace *ws, const struct arv_est_data *d,
                        struct arv_est_result *r)
{
    struct arv_est_options opt;
    arv_est_options_default(&opt);
    opt.boot_reps = opt.perm_reps = 99;
    opt.stream = ARV_STREAM_TEST;
    for (int m = 0; m < ARV_EST_N; m++)
        arv_estimate(ws, (enum arv_est_method)m, d, &opt, &r[m]);
}

static void test_not_estimable(void **state)
{
    struct arv_est_workspace *ws = workspace(UN, 2, 8, 99);
    struct arv_est_result r[ARV_EST_N];
    struct arv_icc icc;

    /* one cluster per arm: only naive OLS, which ignores clustering, is
     * estimable */
    const int c2[6] = {0, 0, 0, 1, 1, 1}, t2[6] = {1, 1, 1, 0, 0, 0};
    const double y2[6] = {1, 2, 4, 0, 1, 1.5};
    struct arv_est_data d = data_of(6, 0, 2, y2, t2, c2, NULL);
    all_methods(ws, &d, r);
    for (int m = 0; m < ARV_EST_N; m++)
        if (m != ARV_EST_NAIVE_OLS)
            assert_not_estimable(&r[m]);
    assert_true(r[ARV_EST_NAIVE_OLS].ok);
    assert_int_equal(arv_est_icc(ws, &d, -1, &icc), 0);
    assert_true(isnan(icc.icc));

    /* all outcomes equal: nothing is estimable */
    double yc[UN];
    for (int i = 0; i < UN; i++)
        yc[i] = 10.3;
    d = data_of(UN, 1, 7, yc, ut, uc, ux);
    all_methods(ws, &d, r);
    for (int m = 0; m < ARV_EST_N; m++)
        assert_not_estimable(&r[m]);
    assert_int_equal(arv_est_icc(ws, &d, -1, &icc), 0);

    /* singular design: a covariate equal to the treatment, and a constant
     * covariate; cluster_t and randomisation do not use covariates */
    double xs[UN * 2];
    for (int i = 0; i < UN; i++) {
        xs[2 * i] = ux[i];
        xs[2 * i + 1] = 2.0 * ut[i];
    }
    d = data_of(UN, 2, 7, uy, ut, uc, xs);
    all_methods(ws, &d, r);
    assert_true(r[ARV_EST_CLUSTER_T].ok && r[ARV_EST_RANDOMISATION].ok);
    for (int m = 0; m < ARV_EST_N; m++)
        if (m != ARV_EST_CLUSTER_T && m != ARV_EST_RANDOMISATION) {
            assert_not_estimable(&r[m]);
            assert_string_equal(r[m].reason, "singular design");
        }
    for (int i = 0; i < UN; i++)
        xs[2 * i + 1] = 1.5;
    all_methods(ws, &d, r);
    assert_not_estimable(&r[ARV_EST_CR2]);

    /* every cluster in one arm */
    int tall[UN];
    for (int i = 0; i < UN; i++)
        tall[i] = 1;
    d = data_of(UN, 1, 7, uy, tall, uc, ux);
    all_methods(ws, &d, r);
    for (int m = 0; m < ARV_EST_N; m++)
        assert_not_estimable(&r[m]);

    /* the arm varies within a cluster; a non-finite outcome */
    int tbad[UN];
    memcpy(tbad, ut, sizeof tbad);
    tbad[1] = 0;
    d = data_of(UN, 1, 7, uy, tbad, uc, ux);
    all_methods(ws, &d, r);
    for (int m = 0; m < ARV_EST_N; m++)
        assert_string_equal(r[m].reason, "the arm varies within a cluster");
    double ynan[UN];
    memcpy(ynan, uy, sizeof ynan);
    ynan[5] = NAN;
    d = data_of(UN, 1, 7, ynan, ut, uc, ux);
    all_methods(ws, &d, r);
    for (int m = 0; m < ARV_EST_N; m++)
        assert_not_estimable(&r[m]);

    /* no individuals */
    d = data_of(0, 0, 7, uy, ut, uc, NULL);
    all_methods(ws, &d, r);
    for (int m = 0; m < ARV_EST_N; m++)
        assert_not_estimable(&r[m]);
    arv_est_workspace_free(ws);
}

/* Two clusters per arm with no within-cluster variation: the mixed model
 * has no within-cluster variance to estimate; the cluster-level methods
 * still work. */
static void test_no_within_variation(void **state)
{
    const double y[8] = {1, 1, 3, 3, 2, 2, 2.5, 2.5};
    const int c[8] = {0, 0, 1, 1, 2, 2, 3, 3}, t[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    struct arv_est_workspace *ws = workspace(8, 0, 4, 99);
    struct arv_est_data d = data_of(8, 0, 4, y, t, c, NULL);
    struct arv_est_result r[ARV_EST_N];
    all_methods(ws, &d, r);
    assert_true(r[ARV_EST_CLUSTER_T].ok);
    assert_not_estimable(&r[ARV_EST_MIXED]);
    for (int m = 0; m < ARV_EST_N; m++)
        assert_true(r[m].ok ? isfinite(r[m].p) && isfinite(r[m].se) : r[m].reason != NULL);
    arv_est_workspace_free(ws);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_balanced_by_hand),
        cmocka_unit_test(test_reml_boundary),
        cmocka_unit_test(test_unbalanced_reference),
        cmocka_unit_test(test_order_and_labels),
        cmocka_unit_test(test_wild_against_refits),
        cmocka_unit_test(test_draws_are_keyed),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_randomisation_exact),
        cmocka_unit_test(test_randomisation_strata),
        cmocka_unit_test(test_not_estimable),
        cmocka_unit_test(test_no_within_variation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
