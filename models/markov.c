/* Small Markov-chain helpers shared by the ladder models (household.h). */
#include "household.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void arv__mnl_matrix(const double *exp_alpha, const signed char *dir, int n, double exp_up,
                     double exp_down, double exp_side, double *P)
{
    double e[8];
    for (int i = 0; i < n; i++) {
        double total = arv__mnl_weights(exp_alpha + i * n, dir + i * n, n, i, exp_up, exp_down,
                                        exp_side, e);
        for (int j = 0; j < n; j++)
            P[i * n + j] = (j == i ? 1.0 : e[j]) / total;
    }
}

void arv__mnl_sums(const double *exp_alpha, const signed char *dir, int n,
                   struct arv_mnl_sums *sums)
{
    for (int i = 0; i < n; i++) {
        sums[i] = (struct arv_mnl_sums){0, 0, 0};
        for (int j = 0; j < n; j++) {
            if (j == i)
                continue;
            double a = exp_alpha[i * n + j];
            int d = dir[i * n + j];
            *(d > 0 ? &sums[i].up : d < 0 ? &sums[i].down : &sums[i].side) += a;
        }
    }
}

void arv__stationary(const double *P, int n, double *pi)
{
    /* pi (P - I) = 0 with sum(pi) = 1: the transposed system with its last
     * equation replaced by the normalisation, solved by Gaussian
     * elimination with partial pivoting. Every ladder transition has a
     * positive probability, so the chain is irreducible and the system
     * regular. */
    double a[8][9];
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++)
            a[i][j] = i == n - 1 ? 1.0 : P[j * n + i] - (i == j);
        a[i][n] = i == n - 1;
    }
    for (int c = 0; c < n; c++) {
        int best = c;
        for (int i = c + 1; i < n; i++)
            if (fabs(a[i][c]) > fabs(a[best][c]))
                best = i;
        if (best != c)
            for (int j = c; j <= n; j++) {
                double t = a[c][j];
                a[c][j] = a[best][j];
                a[best][j] = t;
            }
        for (int i = c + 1; i < n; i++) {
            double f = a[i][c] / a[c][c];
            for (int j = c; j <= n; j++)
                a[i][j] -= f * a[c][j];
        }
    }
    double total = 0;
    for (int i = n - 1; i >= 0; i--) {
        double s = a[i][n];
        for (int j = i + 1; j < n; j++)
            s -= a[i][j] * pi[j];
        pi[i] = s / a[i][i];
        total += pi[i] = pi[i] > 0 ? pi[i] : 0; /* rounding below zero */
    }
    for (int j = 0; j < n; j++)
        pi[j] /= total;
}

int arv__categorical(const double *p, int n, double u)
{
    double acc = 0;
    for (int k = 0; k < n - 1; k++) {
        acc += p[k];
        if (u < acc)
            return k;
    }
    return n - 1;
}

void arv__ladder_read(const struct arv_params *p, const char *domain, const char *const *names,
                      const int *rank, int n, double *exp_alpha, signed char *dir)
{
    char path[128];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            exp_alpha[i * n + j] = 0;
            dir[i * n + j] = (signed char)((rank[j] > rank[i]) - (rank[j] < rank[i]));
            if (i == j)
                continue;
            snprintf(path, sizeof path, "%s.alpha.%s_to_%s", domain, names[i], names[j]);
            exp_alpha[i * n + j] = exp(arv_params_double(p, path));
        }
}
