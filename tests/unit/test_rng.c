/* Keyed Philox streams: known answers, key independence, gsl_rng use. */
#include "testing.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <stdlib.h>
#include <string.h>

#include "arv/rng.h"

/* Philox4x32-10 known-answer vectors published with Random123
 * (examples/kat_vectors): counter, key -> output. */
static void test_philox_kat(void **state)
{
    static const struct {
        uint32_t ctr[4], key[2], out[4];
    } kat[] = {
        {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
        {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
         {0xffffffff, 0xffffffff},
         {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
        {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
         {0xa4093822, 0x299f31d0},
         {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
    };
    for (size_t k = 0; k < sizeof kat / sizeof kat[0]; k++) {
        uint32_t out[4];
        arv_rng_philox4x32(kat[k].ctr, kat[k].key, out);
        for (int i = 0; i < 4; i++)
            assert_int_equal(out[i], kat[k].out[i]);
    }
}

/* The keyed generator's first values for key (seed 1, rep 2), counter
 * (entity 3, stream 4, month 5): the words of Philox block 0, last word
 * first (GSL_MICRORNG's order), then block 1. Pinned so that any change of
 * key layout is caught. */
static void test_keyed_first_values(void **state)
{
    struct arv_rng r;
    arv_rng_init(&r, 1, 2);
    arv_rng_seek(&r, 4, 3, 5);
    uint32_t block0[4], block1[4];
    const uint32_t key[2] = {1, 2};
    arv_rng_philox4x32((const uint32_t[4]){3, 4, 5, 0}, key, block0);
    arv_rng_philox4x32((const uint32_t[4]){3, 4, 5, 1}, key, block1);
    gsl_rng *g = arv_rng_gsl(&r);
    for (int i = 3; i >= 0; i--)
        assert_int_equal(gsl_rng_get(g), block0[i]);
    for (int i = 3; i >= 0; i--)
        assert_int_equal(gsl_rng_get(g), block1[i]);
}

/* Pinned values: a change here changes every simulation's results. */
static void test_keyed_pinned(void **state)
{
    struct arv_rng r;
    arv_rng_init(&r, 20160101, 0);
    arv_rng_seek(&r, ARV_STREAM_WORK, 42, 7);
    uint32_t got[4];
    for (int i = 0; i < 4; i++)
        got[i] = (uint32_t)gsl_rng_get(arv_rng_gsl(&r));
    static const uint32_t want[4] = {0xc0813304, 0xec9e0c46, 0xf03d76ea, 0x552e1f04};
    for (int i = 0; i < 4; i++)
        assert_int_equal(got[i], want[i]);
}

/* Seeking the same key twice gives the same sequence; any field of the key
 * or counter changes it. */
static void test_key_fields(void **state)
{
    struct arv_rng r;
    uint32_t base[8];
    arv_rng_init(&r, 7, 1);
    arv_rng_seek(&r, 2, 3, 4);
    for (int i = 0; i < 8; i++)
        base[i] = arv_rng_u32(&r);
    arv_rng_seek(&r, 2, 3, 4);
    for (int i = 0; i < 8; i++)
        assert_int_equal(gsl_rng_get(&r.gen), base[i]);
    const uint32_t alt[5][5] = {
        {8, 1, 2, 3, 4}, {7, 2, 2, 3, 4}, {7, 1, 3, 3, 4}, {7, 1, 2, 4, 4}, {7, 1, 2, 3, 5}};
    for (int k = 0; k < 5; k++) {
        arv_rng_init(&r, alt[k][0], alt[k][1]);
        arv_rng_seek(&r, alt[k][2], alt[k][3], alt[k][4]);
        int same = 0;
        for (int i = 0; i < 8; i++)
            same += gsl_rng_get(&r.gen) == base[i];
        assert_true(same < 2);
    }
}

/* gsl_ran_* distributions work on the keyed generator: the mean of 200,000
 * standard normals (one stream per entity) is 0 within 5 sd/sqrt(n). */
static void test_gsl_distributions(void **state)
{
    struct arv_rng r;
    arv_rng_init(&r, 99, 0);
    const int n = 200000;
    double sum = 0, sum2 = 0, usum = 0;
    for (int i = 0; i < n; i++) {
        arv_rng_seek(&r, ARV_STREAM_TEST, (uint32_t)i, 0);
        double z = gsl_ran_gaussian(arv_rng_gsl(&r), 1.0);
        sum += z;
        sum2 += z * z;
        usum += arv_rng_uniform(&r);
    }
    assert_near(sum / n, 0.0, 5.0 / sqrt(n));
    assert_near(sum2 / n, 1.0, 5.0 * sqrt(2.0) / sqrt(n));
    assert_near(usum / n, 0.5, 5.0 * sqrt(1.0 / 12) / sqrt(n));
}

/* The inline fast path and the gsl_rng view advance one sequence, and can
 * be interleaved. */
static void test_fast_path_matches_gsl(void **state)
{
    struct arv_rng a, b;
    arv_rng_init(&a, 11, 5);
    arv_rng_init(&b, 11, 5);
    arv_rng_seek(&a, 3, 77, 12);
    arv_rng_seek(&b, 3, 77, 12);
    for (int i = 0; i < 37; i++) {
        uint32_t x = i % 3 ? arv_rng_u32(&a) : (uint32_t)gsl_rng_get(arv_rng_gsl(&a));
        assert_int_equal(x, gsl_rng_get(arv_rng_gsl(&b)));
    }
}

/* uniform_pos never returns 0, even when the raw word is 0. */
static void test_uniform_pos_range(void **state)
{
    struct arv_rng r;
    arv_rng_init(&r, 3, 3);
    for (uint32_t e = 0; e < 10000; e++) {
        arv_rng_seek(&r, 1, e, 0);
        double u = arv_rng_uniform_pos(&r);
        assert_true(u > 0.0 && u < 1.0);
    }
}

/* Blocks computed together for many sub-streams, handed to a generator by
 * arv_rng_seek_block and arv_rng_supply, give exactly the words of
 * arv_rng_seek; a supply that comes too late (the block was already
 * computed) or too early changes nothing. */
static void test_blocks_match_seek(void **state)
{
    struct arv_rng r, ref;
    arv_rng_init(&r, 12345, 3);
    arv_rng_init(&ref, 12345, 3);
    uint32_t entity[37], b0[37][4], b1[37][4];
    for (int k = 0; k < 37; k++)
        entity[k] = (uint32_t)(1000003u * k + 17u);
    arv_rng_blocks(&r, 9, 61, 0, entity, 37, b0);
    arv_rng_blocks(&r, 9, 61, 1, entity, 37, b1);
    for (int k = 0; k < 37; k++) {
        arv_rng_seek(&ref, 9, entity[k], 61);
        arv_rng_seek_block(&r, 9, entity[k], 61, b0[k]);
        int skip = k % 5; /* words drawn before the supply of block 1 */
        for (int i = 0; i < 12; i++) {
            if (i == skip)
                arv_rng_supply(&r, 1, b1[k]);
            assert_int_equal(arv_rng_u32(&r), arv_rng_u32(&ref));
        }
    }
}

/* Batches of every size up to 100 (vector groups and remainders), for
 * listed and consecutive entities, match Philox4x32-10 itself: through
 * arv_rng_blocks (the widest path the processor has) and through each
 * narrower path forced. */
static void test_blocks_sizes(void **state)
{
    struct arv_rng r;
    arv_rng_init(&r, 4242, 17);
    const uint32_t key[2] = {4242, 17};
    uint32_t entity[100], out[100][4], ref[4];
    for (int isa = ARV_ISA_SCALAR; isa <= ARV_ISA_AVX512 + 1; isa++)
        for (size_t n = 0; n <= 100; n++) {
            for (size_t k = 0; k < n; k++)
                entity[k] = (uint32_t)(2654435761u * (k + n));
            if (isa > ARV_ISA_AVX512)
                arv_rng_blocks(&r, 5, 33, 2, entity, n, out);
            else
                arv__rng_blocks_isa(&r, 5, 33, 2, entity, 0, n, out, isa);
            for (size_t k = 0; k < n; k++) {
                arv_rng_philox4x32((const uint32_t[4]){entity[k], 5, 33, 2}, key, ref);
                assert_memory_equal(out[k], ref, sizeof ref);
            }
            if (isa > ARV_ISA_AVX512)
                arv_rng_blocks_range(&r, 6, 34, 0, (uint32_t)(1000 * n), n, out);
            else
                arv__rng_blocks_isa(&r, 6, 34, 0, NULL, (uint32_t)(1000 * n), n, out, isa);
            for (size_t k = 0; k < n; k++) {
                arv_rng_philox4x32((const uint32_t[4]){(uint32_t)(1000 * n + k), 6, 34, 0}, key,
                                   ref);
                assert_memory_equal(out[k], ref, sizeof ref);
            }
        }
}

/* n standard normals from arv_rng_normal, 1000 per entity's sub-stream. */
static double *normals(uint32_t seed, int n)
{
    double *z = malloc((size_t)n * sizeof *z);
    assert_non_null(z);
    struct arv_rng r;
    arv_rng_init(&r, seed, 0);
    for (int i = 0; i < n; i++) {
        if (i % 1000 == 0)
            arv_rng_seek(&r, ARV_STREAM_TEST, (uint32_t)(i / 1000), 1);
        z[i] = arv_rng_normal(&r);
    }
    return z;
}

/* The ziggurat normal's first four moments: mean 0, variance 1, skewness 0,
 * kurtosis 3, each within 5 sd of its sampling distribution. */
static void test_normal_moments(void **state)
{
    const int n = 2000000;
    double *z = normals(2024, n);
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
    for (int i = 0; i < n; i++) {
        double x = z[i], x2 = x * x;
        m1 += x;
        m2 += x2;
        m3 += x2 * x;
        m4 += x2 * x2;
    }
    free(z);
    assert_near(m1 / n, 0.0, 5.0 / sqrt(n));
    assert_near(m2 / n, 1.0, 5.0 * sqrt(2.0 / n));
    assert_near(m3 / n, 0.0, 5.0 * sqrt(15.0 / n));
    assert_near(m4 / n, 3.0, 5.0 * sqrt(96.0 / n));
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov against the normal CDF (GSL), for several seeds: the
 * statistic stays below the 0.1% critical value 1.95 / sqrt(n). */
static void test_normal_ks(void **state)
{
    const int n = 500000;
    for (uint32_t seed = 1; seed <= 3; seed++) {
        double *z = normals(seed, n);
        qsort(z, (size_t)n, sizeof *z, cmp_double);
        double d = 0;
        for (int i = 0; i < n; i++) {
            double f = gsl_cdf_ugaussian_P(z[i]);
            d = fmax(d, fmax((i + 1.0) / n - f, f - (double)i / n));
        }
        free(z);
        assert_true(d < 1.95 / sqrt(n));
    }
}

/* Fine structure the KS statistic is blind to: a chi-square test over 256
 * equiprobable bins (which resolve the ziggurat's layers and wedges), and
 * the frequency of the tail beyond the base layer's edge r = 3.4426 and
 * beyond 4.5, and the mean of |z| beyond r (the tail algorithm's domain),
 * each within 5 sd. */
static void test_normal_bins_and_tail(void **state)
{
    const int n = 4000000, bins = 256;
    double *z = normals(77, n);
    long count[256] = {0}, beyond_r = 0, beyond_45 = 0;
    double tail_sum = 0;
    double edge[255];
    for (int b = 0; b < bins - 1; b++)
        edge[b] = gsl_cdf_ugaussian_Pinv((b + 1.0) / bins);
    for (int i = 0; i < n; i++) {
        int lo = 0, hi = bins - 1; /* first edge above z: bin index */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (z[i] < edge[mid])
                hi = mid;
            else
                lo = mid + 1;
        }
        count[lo]++;
        beyond_r += fabs(z[i]) > 3.4426198558966521;
        tail_sum += fabs(z[i]) > 3.4426198558966521 ? fabs(z[i]) : 0;
        beyond_45 += fabs(z[i]) > 4.5;
    }
    free(z);
    double expected = (double)n / bins, chi2 = 0;
    for (int b = 0; b < bins; b++)
        chi2 += (count[b] - expected) * (count[b] - expected) / expected;
    /* chi-square with 255 df: mean 255, sd sqrt(510); 5 sd above */
    assert_true(chi2 < 255 + 5 * sqrt(510.0));
    double p_r = 2 * gsl_cdf_ugaussian_Q(3.4426198558966521),
           p_45 = 2 * gsl_cdf_ugaussian_Q(4.5);
    assert_near(beyond_r, n * p_r, 5 * sqrt(n * p_r));
    assert_near(beyond_45, n * p_45, 5 * sqrt(n * p_45) + 1);
    /* |z| given |z| > r: mean m = phi(r) / Q(r), variance 1 + r m - m^2 */
    double r = 3.4426198558966521, m = gsl_ran_ugaussian_pdf(r) / gsl_cdf_ugaussian_Q(r);
    assert_near(tail_sum / beyond_r, m, 5 * sqrt((1 + r * m - m * m) / beyond_r));
}

/* Pinned: a change of the tables or of the word layout changes every
 * simulation's results. */
static void test_normal_pinned(void **state)
{
    struct arv_rng r;
    arv_rng_init(&r, 20160101, 0);
    arv_rng_seek(&r, ARV_STREAM_TEST, 5, 9);
    static const double want[6] = {0x1.c6fb43465046fp-2,  -0x1.c2b9cc5a75fafp-2, -0x1.b03e62b52a3d6p+0,
                                     0x1.6135df0a28dadp+0,  -0x1.429190cce146dp-2, -0x1.1742a149cf07cp-1};
    for (int i = 0; i < 6; i++)
        assert_true(arv_rng_normal(&r) == want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_kat),        cmocka_unit_test(test_keyed_first_values),
        cmocka_unit_test(test_keyed_pinned),      cmocka_unit_test(test_key_fields),
        cmocka_unit_test(test_gsl_distributions), cmocka_unit_test(test_uniform_pos_range),
        cmocka_unit_test(test_fast_path_matches_gsl), cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_normal_ks),         cmocka_unit_test(test_normal_bins_and_tail),
        cmocka_unit_test(test_normal_pinned),     cmocka_unit_test(test_blocks_match_seek),
        cmocka_unit_test(test_blocks_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
