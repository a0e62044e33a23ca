/* Keyed Philox streams: known answers, key independence, gsl_rng use. */
#include "testing.h"

#include <gsl/gsl_randist.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_kat),        cmocka_unit_test(test_keyed_first_values),
        cmocka_unit_test(test_keyed_pinned),      cmocka_unit_test(test_key_fields),
        cmocka_unit_test(test_gsl_distributions), cmocka_unit_test(test_uniform_pos_range),
        cmocka_unit_test(test_fast_path_matches_gsl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
