/*
 * The keyed Philox generator as a gsl_rng type. See include/arv/rng.h for the
 * key layout. GSL_MICRORNG reserves the last counter word for its own draw
 * index, which is why the month sits in word 2 and word 3 starts at zero.
 */
#include "arv/rng.h"

#include <math.h>
#include <stddef.h>
#include <Random123/gsl_microrng.h>

GSL_MICRORNG(arv_philox, philox4x32);

/* struct arv_rng_state mirrors the micro-RNG's state so that the inline
 * draws in rng.h and gsl_rng_get() share one sequence. */
#define SAME_FIELD(f, g)                                                                         \
    _Static_assert(offsetof(arv_philox_state, f) == offsetof(struct arv_rng_state, g) &&         \
                       sizeof(((arv_philox_state *)0)->f) == sizeof(((struct arv_rng_state *)0)->g), \
                   "arv_rng_state does not mirror the GSL_MICRORNG state: " #f)
SAME_FIELD(ctr, ctr);
SAME_FIELD(r, block);
SAME_FIELD(key, key);
SAME_FIELD(n, n);
SAME_FIELD(elem, elem);
_Static_assert(sizeof(arv_philox_state) == sizeof(struct arv_rng_state), "state size");

void arv_rng_init(struct arv_rng *r, uint32_t seed, uint32_t rep)
{
    r->gen.type = gsl_rng_arv_philox;
    r->gen.state = &r->state;
    philox4x32_ctr_t c = {{0, 0, 0, 0}};
    philox4x32_key_t k = {{seed, rep}};
    arv_philox_reset(&r->gen, c, k);
}

/* Philox4x32-10 (Random123's philox4x32) of counter (x0, stream, month,
 * block): the reference lane, for processors without AVX2 and for the
 * remainder of a batch. */
static inline void philox_lane(uint32_t x0, uint32_t x1, uint32_t x2, uint32_t x3, uint32_t a,
                               uint32_t b, uint32_t out[4])
{
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)PHILOX_M4x32_0 * x0, p1 = (uint64_t)PHILOX_M4x32_1 * x2;
        x0 = (uint32_t)(p1 >> 32) ^ x1 ^ a;
        x1 = (uint32_t)p1;
        x2 = (uint32_t)(p0 >> 32) ^ x3 ^ b;
        x3 = (uint32_t)p0;
        a += PHILOX_W32_0;
        b += PHILOX_W32_1;
    }
    out[0] = x0;
    out[1] = x1;
    out[2] = x2;
    out[3] = x3;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ARV_PHILOX_AVX2 1
#include <immintrin.h>

/* The same rounds on eight counters at once (AVX2), GROUPS sets of eight
 * interleaved to hide the multiplier's latency. A round multiplies the
 * even and the odd 32-bit lanes separately (vpmuludq gives 64-bit
 * products) and blends their high and low halves back into lanes. */
enum { GROUPS = 3 };

__attribute__((target("avx2"))) static inline void philox_round8(__m256i *x0, __m256i *x1,
                                                                  __m256i *x2, __m256i *x3,
                                                                  __m256i ka, __m256i kb)
{
    const __m256i m0 = _mm256_set1_epi64x(PHILOX_M4x32_0), m1 = _mm256_set1_epi64x(PHILOX_M4x32_1);
    __m256i p0e = _mm256_mul_epu32(*x0, m0), p0o = _mm256_mul_epu32(_mm256_srli_epi64(*x0, 32), m0);
    __m256i p1e = _mm256_mul_epu32(*x2, m1), p1o = _mm256_mul_epu32(_mm256_srli_epi64(*x2, 32), m1);
    __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(p0e, 32), p0o, 0xAA);
    __m256i lo0 = _mm256_blend_epi32(p0e, _mm256_slli_epi64(p0o, 32), 0xAA);
    __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(p1e, 32), p1o, 0xAA);
    __m256i lo1 = _mm256_blend_epi32(p1e, _mm256_slli_epi64(p1o, 32), 0xAA);
    *x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, *x1), ka);
    *x1 = lo1;
    *x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, *x3), kb);
    *x3 = lo0;
}

/* Transposes the four words of eight lanes into out[0..7][0..3]. */
__attribute__((target("avx2"))) static inline void philox_store8(__m256i x0, __m256i x1,
                                                                  __m256i x2, __m256i x3,
                                                                  uint32_t (*out)[4])
{
    __m256i t0 = _mm256_unpacklo_epi32(x0, x1), t1 = _mm256_unpackhi_epi32(x0, x1);
    __m256i t2 = _mm256_unpacklo_epi32(x2, x3), t3 = _mm256_unpackhi_epi32(x2, x3);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
    _mm256_storeu_si256((__m256i *)out[0], _mm256_permute2x128_si256(u0, u1, 0x20));
    _mm256_storeu_si256((__m256i *)out[2], _mm256_permute2x128_si256(u2, u3, 0x20));
    _mm256_storeu_si256((__m256i *)out[4], _mm256_permute2x128_si256(u0, u1, 0x31));
    _mm256_storeu_si256((__m256i *)out[6], _mm256_permute2x128_si256(u2, u3, 0x31));
}

/* Blocks of the first multiple of 8 of the n counters; returns how many. */
__attribute__((target("avx2"))) static size_t philox_avx2(const uint32_t *entity, uint32_t first,
                                                          uint32_t stream, uint32_t month,
                                                          uint32_t block, uint32_t k0,
                                                          uint32_t k1, size_t n,
                                                          uint32_t (*out)[4])
{
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    size_t i = 0;
    while (i + 8 <= n) {
        int groups = i + 8 * GROUPS <= n ? GROUPS : 1;
        __m256i x0[GROUPS], x1[GROUPS], x2[GROUPS], x3[GROUPS];
        for (int g = 0; g < groups; g++) {
            size_t at = i + 8 * (size_t)g;
            x0[g] = entity ? _mm256_loadu_si256((const __m256i *)(entity + at))
                           : _mm256_add_epi32(_mm256_set1_epi32((int)(first + (uint32_t)at)), iota);
            x1[g] = _mm256_set1_epi32((int)stream);
            x2[g] = _mm256_set1_epi32((int)month);
            x3[g] = _mm256_set1_epi32((int)block);
        }
        uint32_t a = k0, b = k1;
        for (int round = 0; round < 10; round++) {
            __m256i ka = _mm256_set1_epi32((int)a), kb = _mm256_set1_epi32((int)b);
            if (groups == GROUPS) {
                for (int g = 0; g < GROUPS; g++)
                    philox_round8(&x0[g], &x1[g], &x2[g], &x3[g], ka, kb);
            } else {
                philox_round8(&x0[0], &x1[0], &x2[0], &x3[0], ka, kb);
            }
            a += PHILOX_W32_0;
            b += PHILOX_W32_1;
        }
        for (int g = 0; g < groups; g++)
            philox_store8(x0[g], x1[g], x2[g], x3[g], out + i + 8 * (size_t)g);
        i += 8 * (size_t)groups;
    }
    return i;
}
/* The same on sixteen counters at once (AVX-512F): the rounds of
 * philox_round8 on 512-bit vectors. */
enum { GROUPS16 = 2 };

__attribute__((target("avx512f"))) static inline void philox_round16(__m512i *x0, __m512i *x1,
                                                                      __m512i *x2, __m512i *x3,
                                                                      __m512i ka, __m512i kb)
{
    const __m512i m0 = _mm512_set1_epi64(PHILOX_M4x32_0), m1 = _mm512_set1_epi64(PHILOX_M4x32_1);
    __m512i p0e = _mm512_mul_epu32(*x0, m0), p0o = _mm512_mul_epu32(_mm512_srli_epi64(*x0, 32), m0);
    __m512i p1e = _mm512_mul_epu32(*x2, m1), p1o = _mm512_mul_epu32(_mm512_srli_epi64(*x2, 32), m1);
    const __mmask16 odd = 0xAAAA;
    __m512i hi0 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(p0e, 32), p0o);
    __m512i lo0 = _mm512_mask_blend_epi32(odd, p0e, _mm512_slli_epi64(p0o, 32));
    __m512i hi1 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(p1e, 32), p1o);
    __m512i lo1 = _mm512_mask_blend_epi32(odd, p1e, _mm512_slli_epi64(p1o, 32));
    *x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, *x1), ka);
    *x1 = lo1;
    *x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, *x3), kb);
    *x3 = lo0;
}

/* Transposes the four words of sixteen lanes into out[0..15][0..3]: after
 * the unpacks, 128-bit lane L of u_j holds block 4 L + j; the shuffles put
 * blocks 4 q .. 4 q + 3 into the q-th stored vector. */
__attribute__((target("avx512f"))) static inline void philox_store16(__m512i x0, __m512i x1,
                                                                      __m512i x2, __m512i x3,
                                                                      uint32_t (*out)[4])
{
    __m512i t0 = _mm512_unpacklo_epi32(x0, x1), t1 = _mm512_unpackhi_epi32(x0, x1);
    __m512i t2 = _mm512_unpacklo_epi32(x2, x3), t3 = _mm512_unpackhi_epi32(x2, x3);
    __m512i u0 = _mm512_unpacklo_epi64(t0, t2), u1 = _mm512_unpackhi_epi64(t0, t2);
    __m512i u2 = _mm512_unpacklo_epi64(t1, t3), u3 = _mm512_unpackhi_epi64(t1, t3);
    __m512i a = _mm512_shuffle_i32x4(u0, u1, _MM_SHUFFLE(1, 0, 1, 0)); /* 0 4 1 5 */
    __m512i b = _mm512_shuffle_i32x4(u2, u3, _MM_SHUFFLE(1, 0, 1, 0)); /* 2 6 3 7 */
    __m512i c = _mm512_shuffle_i32x4(u0, u1, _MM_SHUFFLE(3, 2, 3, 2)); /* 8 12 9 13 */
    __m512i d = _mm512_shuffle_i32x4(u2, u3, _MM_SHUFFLE(3, 2, 3, 2)); /* 10 14 11 15 */
    _mm512_storeu_si512(out[0], _mm512_shuffle_i32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0)));
    _mm512_storeu_si512(out[4], _mm512_shuffle_i32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
    _mm512_storeu_si512(out[8], _mm512_shuffle_i32x4(c, d, _MM_SHUFFLE(2, 0, 2, 0)));
    _mm512_storeu_si512(out[12], _mm512_shuffle_i32x4(c, d, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* Blocks of the first multiple of 16 of the n counters; returns how many. */
__attribute__((target("avx512f"))) static size_t philox_avx512(const uint32_t *entity,
                                                              uint32_t first, uint32_t stream,
                                                              uint32_t month, uint32_t block,
                                                              uint32_t k0, uint32_t k1, size_t n,
                                                              uint32_t (*out)[4])
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t i = 0;
    while (i + 16 <= n) {
        int groups = i + 16 * GROUPS16 <= n ? GROUPS16 : 1;
        __m512i x0[GROUPS16], x1[GROUPS16], x2[GROUPS16], x3[GROUPS16];
        for (int g = 0; g < groups; g++) {
            size_t at = i + 16 * (size_t)g;
            x0[g] = entity ? _mm512_loadu_si512(entity + at)
                           : _mm512_add_epi32(_mm512_set1_epi32((int)(first + (uint32_t)at)), iota);
            x1[g] = _mm512_set1_epi32((int)stream);
            x2[g] = _mm512_set1_epi32((int)month);
            x3[g] = _mm512_set1_epi32((int)block);
        }
        uint32_t a = k0, b = k1;
        for (int round = 0; round < 10; round++) {
            __m512i ka = _mm512_set1_epi32((int)a), kb = _mm512_set1_epi32((int)b);
            if (groups == GROUPS16) {
                for (int g = 0; g < GROUPS16; g++)
                    philox_round16(&x0[g], &x1[g], &x2[g], &x3[g], ka, kb);
            } else {
                philox_round16(&x0[0], &x1[0], &x2[0], &x3[0], ka, kb);
            }
            a += PHILOX_W32_0;
            b += PHILOX_W32_1;
        }
        for (int g = 0; g < groups; g++)
            philox_store16(x0[g], x1[g], x2[g], x3[g], out + i + 16 * (size_t)g);
        i += 16 * (size_t)groups;
    }
    return i;
}
#endif

/* Blocks of counters (entity[i] or first + i, stream, month, block), with
 * instruction sets up to `widest` (ARV_ISA_*) that the processor has: the
 * widest first, then narrower for the rest. Every path gives the same
 * blocks; the unit tests compare each with the reference. */
static void philox_blocks(const struct arv_rng *r, uint32_t stream, uint32_t month, uint32_t block,
                          const uint32_t *entity, uint32_t first, size_t n, uint32_t (*out)[4],
                          int widest)
{
    const uint32_t k0 = r->state.key.v[0], k1 = r->state.key.v[1];
    size_t i = 0;
#ifdef ARV_PHILOX_AVX2
    if (widest >= ARV_ISA_AVX512 && __builtin_cpu_supports("avx512f"))
        i = philox_avx512(entity, first, stream, month, block, k0, k1, n, out);
    if (widest >= ARV_ISA_AVX2 && __builtin_cpu_supports("avx2"))
        i += philox_avx2(entity ? entity + i : NULL, first + (uint32_t)i, stream, month, block,
                         k0, k1, n - i, out + i);
#endif
    if (entity)
        for (; i < n; i++)
            philox_lane(entity[i], stream, month, block, k0, k1, out[i]);
    else
        for (; i < n; i++)
            philox_lane(first + (uint32_t)i, stream, month, block, k0, k1, out[i]);
}

void arv__rng_blocks_isa(const struct arv_rng *r, uint32_t stream, uint32_t month, uint32_t block,
                         const uint32_t *entity, uint32_t first, size_t n, uint32_t (*out)[4],
                         int widest)
{
    philox_blocks(r, stream, month, block, entity, first, n, out, widest);
}

void arv_rng_blocks(const struct arv_rng *r, uint32_t stream, uint32_t month, uint32_t block,
                    const uint32_t *entity, size_t n, uint32_t (*out)[4])
{
    philox_blocks(r, stream, month, block, entity, 0, n, out, ARV_ISA_AVX512);
}

void arv_rng_blocks_range(const struct arv_rng *r, uint32_t stream, uint32_t month,
                          uint32_t block, uint32_t first, size_t n, uint32_t (*out)[4])
{
    philox_blocks(r, stream, month, block, NULL, first, n, out, ARV_ISA_AVX512);
}

void arv_rng_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    philox4x32_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x32_key_t k = {{key[0], key[1]}};
    philox4x32_ctr_t o = philox4x32(c, k);
    for (int i = 0; i < 4; i++)
        out[i] = o.v[i];
}

/*
 * Ziggurat tables (see rng.h) for 128 layers of equal area v under the
 * standard normal density f(x) = exp(-x^2 / 2): x_127 = r, x_{i-1} =
 * f^-1(v / x_i + f(x_i)), with r solved so that the top layer closes
 * (x_1 (1 - f(x_1)) = v). Layer i >= 1 is [0, x_i] x [f(x_i), f(x_{i-1})]
 * (x_0 = 0); layer 0 is the base [0, q] x [0, f(r)], q = v / f(r), whose
 * part beyond r stands for the tail. With M = 2^24:
 *   k[i] = floor(M x_{i-1} / x_i), w[i] = x_i / M (i >= 1),
 *   k[0] = floor(M r / q),         w[0] = q / M,
 *   f[i] = f(x_i), f[0] = 1.
 * Computed in 50-digit arithmetic (mpmath) and rounded once to double.
 */
#define ZIG_R 3.4426198558966521214
const uint32_t arv__zig_k[128] = {
    15555140u, 0u, 12590646u, 14272655u, 14988941u, 15384586u,
    15635011u, 15807563u, 15933579u, 16029596u, 16105157u, 16166149u,
    16216401u, 16258510u, 16294297u, 16325080u, 16351833u, 16375293u,
    16396028u, 16414481u, 16431004u, 16445882u, 16459345u, 16471580u,
    16482746u, 16492973u, 16502371u, 16511033u, 16519041u, 16526461u,
    16533355u, 16539771u, 16545757u, 16551350u, 16556586u, 16561495u,
    16566103u, 16570436u, 16574514u, 16578356u, 16581979u, 16585400u,
    16588632u, 16591687u, 16594578u, 16597313u, 16599904u, 16602357u,
    16604681u, 16606884u, 16608971u, 16610948u, 16612821u, 16614596u,
    16616275u, 16617864u, 16619366u, 16620785u, 16622124u, 16623386u,
    16624574u, 16625689u, 16626734u, 16627712u, 16628623u, 16629469u,
    16630252u, 16630973u, 16631633u, 16632232u, 16632772u, 16633253u,
    16633676u, 16634040u, 16634345u, 16634592u, 16634780u, 16634909u,
    16634978u, 16634986u, 16634933u, 16634816u, 16634636u, 16634389u,
    16634074u, 16633688u, 16633230u, 16632697u, 16632084u, 16631389u,
    16630608u, 16629736u, 16628767u, 16627697u, 16626519u, 16625225u,
    16623807u, 16622256u, 16620562u, 16618713u, 16616695u, 16614493u,
    16612090u, 16609464u, 16606592u, 16603448u, 16599998u, 16596205u,
    16592024u, 16587401u, 16582272u, 16576558u, 16570162u, 16562964u,
    16554811u, 16545510u, 16534808u, 16522367u, 16507732u, 16490264u,
    16469044u, 16442689u, 16409025u, 16364393u, 16302110u, 16208407u,
    16049218u, 15707337u,
};
const double arv__zig_w[128] = {
    0x1.db4668fe7d167p-23, 0x1.16db47dfb32bdp-26, 0x1.73949183add9dp-26,
    0x1.b4c8fecd63b02p-26, 0x1.e8e576e3830fap-26, 0x1.0a936da5942d2p-25,
    0x1.1e0ce6b54ec53p-25, 0x1.2f98d6bb0e73ap-25, 0x1.3fabee18d682fp-25,
    0x1.4e94c08bd4d78p-25, 0x1.5c8afdbecef6ep-25, 0x1.69b7b213c3f64p-25,
    0x1.763a1600c1764p-25, 0x1.822a858ac5ecap-25, 0x1.8d9c6a9d0cf67p-25,
    0x1.989f85c72c985p-25, 0x1.a340d1bad0391p-25, 0x1.ad8b25067d385p-25,
    0x1.b787a7c4f44a4p-25, 0x1.c13e2b012d149p-25, 0x1.cab56ac6833a5p-25,
    0x1.d3f340dd86c6bp-25, 0x1.dcfccc51a7480p-25, 0x1.e5d6909f34423p-25,
    0x1.ee848e954b85cp-25, 0x1.f70a5866ad189p-25, 0x1.ff6b21ffe30ecp-25,
    0x1.03d4e7390f210p-24, 0x1.07e47d879726ep-24, 0x1.0be58456f2afcp-24,
    0x1.0fd911b972d18p-24, 0x1.13c024b2bbdffp-24, 0x1.179ba80458345p-24,
    0x1.1b6c7492bde7ap-24, 0x1.1f33537495bfap-24, 0x1.22f0ffba96ce9p-24,
    0x1.26a627fb9231dp-24, 0x1.2a536fae26375p-24, 0x1.2df97057dd75fp-24,
    0x1.3198ba9823477p-24, 0x1.3531d71460289p-24, 0x1.38c54749af146p-24,
    0x1.3c538647e5b53p-24, 0x1.3fdd0959138fbp-24, 0x1.4362409821672p-24,
    0x1.46e39778d4ba1p-24, 0x1.4a6175432745fp-24, 0x1.4ddc3d839cb58p-24,
    0x1.5154507206658p-24, 0x1.54ca0b4ff476ap-24, 0x1.583dc8bfea848p-24,
    0x1.5bafe1164c044p-24, 0x1.5f20aaa4d7638p-24, 0x1.62907a016eac0p-24,
    0x1.65ffa248d7f43p-24, 0x1.696e755e0eb23p-24, 0x1.6cdd4426b0a02p-24,
    0x1.704c5ec504e8fp-24, 0x1.73bc14d01277fp-24, 0x1.772cb58a3242ap-24,
    0x1.7a9e9016840d7p-24, 0x1.7e11f3ada7506p-24, 0x1.81872fd216669p-24,
    0x1.84fe948480027p-24, 0x1.8878727879e86p-24, 0x1.8bf51b49e8281p-24,
    0x1.8f74e1b375764p-24, 0x1.92f819c67bdfdp-24, 0x1.967f1924c0e62p-24,
    0x1.9a0a373c6d3ccp-24, 0x1.9d99cd86aeea8p-24, 0x1.a12e37c97caa0p-24,
    0x1.a4c7d45cfb2a5p-24, 0x1.a8670475107fbp-24, 0x1.ac0c2c6fbfe60p-24,
    0x1.afb7b428f83acp-24, 0x1.b36a075492a98p-24, 0x1.b72395df55593p-24,
    0x1.bae4d457e8092p-24, 0x1.beae3c60c7179p-24, 0x1.c2804d2c6531dp-24,
    0x1.c65b8c04d5d84p-24, 0x1.ca4084e08c207p-24, 0x1.ce2fcb05f3115p-24,
    0x1.d229f9bfe95c7p-24, 0x1.d62fb5257b279p-24, 0x1.da41aaf794b3cp-24,
    0x1.de609397db2b3p-24, 0x1.e28d331c61c36p-24, 0x1.e6c85a8495b0dp-24,
    0x1.eb12e914817afp-24, 0x1.ef6dcddc7807dp-24, 0x1.f3da09745b605p-24,
    0x1.f858aff317ac8p-24, 0x1.fceaeb2ca0ee2p-24, 0x1.00c8fea16f933p-23,
    0x1.0327a1cc4a836p-23, 0x1.05921d1c4b0b9p-23, 0x1.08093fe3e1aa9p-23,
    0x1.0a8ded0ec1159p-23, 0x1.0d211dd288ac4p-23, 0x1.0fc3e4d95cda5p-23,
    0x1.1277720181096p-23, 0x1.153d16d455057p-23, 0x1.18164be0bf8c9p-23,
    0x1.1b04b731f48d4p-23, 0x1.1e0a342cee675p-23, 0x1.2128dd36bbd01p-23,
    0x1.246317a6b3231p-23, 0x1.27bba2b5d9b7dp-23, 0x1.2b35aa5ebcda5p-23,
    0x1.2ed4df8097554p-23, 0x1.329d9725e1358p-23, 0x1.3694f3a3721bap-23,
    0x1.3ac11b8e1e839p-23, 0x1.3f29848d395fep-23, 0x1.43d75b60bac8dp-23,
    0x1.48d61806d430cp-23, 0x1.4e3456b0e1da8p-23, 0x1.540520129e8c8p-23,
    0x1.5a61edf7e73f4p-23, 0x1.616dff7c8dab3p-23, 0x1.695c2be68d3e4p-23,
    0x1.7279dd4ac2679p-23, 0x1.7d45eb36e9ff4p-23, 0x1.8aa73e440e862p-23,
    0x1.9c8e0c7c7f35ep-23, 0x1.b8a7c476d1741p-23,
};
const double arv__zig_f[128] = {
    0x1.0000000000000p+0, 0x1.ed5cf061144dep-1, 0x1.df6071937f4c9p-1,
    0x1.d37a74ffe486ap-1, 0x1.c8d923fa0897bp-1, 0x1.bf19b6813348bp-1,
    0x1.b6042cf926211p-1, 0x1.ad750b7275dd0p-1, 0x1.a55418112ba08p-1,
    0x1.9d8fdfaee4af6p-1, 0x1.961b4c1b19f30p-1, 0x1.8eec3c5bda1f6p-1,
    0x1.87faa61a8cfa0p-1, 0x1.81400521b52b5p-1, 0x1.7ab6f9c66e43bp-1,
    0x1.745b04d03ea40p-1, 0x1.6e2856a01cb2ap-1, 0x1.681bab4ed2ff3p-1,
    0x1.62322fc5a83b3p-1, 0x1.5c696d34a27fdp-1, 0x1.56bf3924ad864p-1,
    0x1.5131a8eff8ed9p-1, 0x1.4bbf07c6d4684p-1, 0x1.4665cea512cc7p-1,
    0x1.41249dc6579c8p-1, 0x1.3bfa3745495cdp-1, 0x1.36e57aa6a89b9p-1,
    0x1.31e5612075dadp-1, 0x1.2cf8fa7868c02p-1, 0x1.281f6a5d33891p-1,
    0x1.2357e62437dc2p-1, 0x1.1ea1b2d9fe534p-1, 0x1.19fc2397562a2p-1,
    0x1.1566980fc6949p-1, 0x1.10e07b50236c1p-1, 0x1.0c6942a5c900fp-1,
    0x1.08006ca85ac6ap-1, 0x1.03a58060f304ap-1, 0x1.feb019151c56ep-2,
    0x1.f62f4dd05d60fp-2, 0x1.edc7d75b8e9bep-2, 0x1.e578f9f2e03a3p-2,
    0x1.dd4204b59916bp-2, 0x1.d52250cdb191ep-2, 0x1.cd1940ad30932p-2,
    0x1.c5263f5ead9fcp-2, 0x1.bd48bfe6b8a90p-2, 0x1.b5803cb437071p-2,
    0x1.adcc371e07b84p-2, 0x1.a62c36ec797eap-2, 0x1.9e9fc9ed4d931p-2,
    0x1.972683912ac18p-2, 0x1.8fbffc918800bp-2, 0x1.886bd29e33e65p-2,
    0x1.8129a811b882ep-2, 0x1.79f923abf1d11p-2, 0x1.72d9f052408ddp-2,
    0x1.6bcbbcd4d4694p-2, 0x1.64ce3bb89770ep-2, 0x1.5de1230551a9bp-2,
    0x1.57042c17a74d2p-2, 0x1.503713769e39cp-2, 0x1.497998ac6017ap-2,
    0x1.42cb7e21f69bfp-2, 0x1.3c2c88fdc65e7p-2, 0x1.359c810492f8ep-2,
    0x1.2f1b307cdcc47p-2, 0x1.28a864146d917p-2, 0x1.2243eac7ee400p-2,
    0x1.1bed95cc633cbp-2, 0x1.15a5387a71a06p-2, 0x1.0f6aa83b52201p-2,
    0x1.093dbc775a1f7p-2, 0x1.031e4e8606256p-2, 0x1.fa18733ee75d5p-3,
    0x1.ee0eb59e75db3p-3, 0x1.e21f21d136fa3p-3, 0x1.d64978f7e2d92p-3,
    0x1.ca8d7f9ad4b43p-3, 0x1.beeafd99e93b6p-3, 0x1.b361be1ec9a67p-3,
    0x1.a7f18f91a0d6ap-3, 0x1.9c9a43903cae2p-3, 0x1.915baee7a2dddp-3,
    0x1.8635a99025d7bp-3, 0x1.7b280eac0c6f7p-3, 0x1.7032bc88e51fap-3,
    0x1.655594a3a5050p-3, 0x1.5a907bafba9e3p-3, 0x1.4fe359a145658p-3,
    0x1.454e19baadb54p-3, 0x1.3ad0aa9de455dp-3, 0x1.306afe619efedp-3,
    0x1.261d0aaaf7624p-3, 0x1.1be6c8cbe5a43p-3, 0x1.11c835e726135p-3,
    0x1.07c1531a357f8p-3, 0x1.fba44b5c61816p-4, 0x1.e7f56ea118c48p-4,
    0x1.d4762ca995a18p-4, 0x1.c126ac0128a82p-4, 0x1.ae071dc7bf93dp-4,
    0x1.9b17be7e73957p-4, 0x1.8858d6f55ed84p-4, 0x1.75cabd60f402ap-4,
    0x1.636dd69e998c6p-4, 0x1.514297b246583p-4, 0x1.3f49878976d30p-4,
    0x1.2d834113457cbp-4, 0x1.1bf075c21538ap-4, 0x1.0a91f0918dae5p-4,
    0x1.f2d13368cf93fp-5, 0x1.d0eaf633a6b8ap-5, 0x1.af738c17b4ea1p-5,
    0x1.8e6db483cac0fp-5, 0x1.6ddc9dd20b8c5p-5, 0x1.4dc3fcbda5a08p-5,
    0x1.2e282b7255da2p-5, 0x1.0f0e539c938c0p-5, 0x1.e0f951d58f849p-6,
    0x1.a4f57a25e8f32p-6, 0x1.6a23fa9d6c22fp-6, 0x1.309cee4e1477cp-6,
    0x1.f100847656bf0p-7, 0x1.83f4bed1a0f0bp-7, 0x1.1a9b6b3fcb829p-7,
    0x1.6ba8b0ffc2db8p-8, 0x1.5de9e33733182p-9,
};

const double arv__zig_sign[2] = {-1.0, 1.0};

double arv__rng_normal_slow(struct arv_rng *r, uint32_t u)
{
    for (;;) {
        uint32_t i = u & 0x7f, j = u >> 8;
        double x = j * arv__zig_w[i];
        if (j < arv__zig_k[i])
            return u & 0x80 ? x : -x;
        if (i == 0) {
            /* the tail beyond r (Marsaglia 1964) */
            double y;
            do {
                x = -log(arv_rng_uniform_pos(r)) / ZIG_R;
                y = -log(arv_rng_uniform_pos(r));
            } while (y + y < x * x);
            return u & 0x80 ? ZIG_R + x : -(ZIG_R + x);
        }
        /* the wedge of layer i: accept under the density */
        double y = arv__zig_f[i] + arv_rng_uniform(r) * (arv__zig_f[i - 1] - arv__zig_f[i]);
        if (y < exp(-0.5 * x * x))
            return u & 0x80 ? x : -x;
        u = arv_rng_u32(r);
    }
}
