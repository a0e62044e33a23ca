/*
 * Keyed, counter-based random numbers.
 *
 * Every draw in arv comes from Philox4x32-10 (Random123) keyed by
 *   key     = (seed, replicate)
 *   counter = (entity id, stream, month, draw index)
 * so a draw depends only on what is being simulated, never on the thread or
 * MPI rank that computes it, nor on how many draws another stream made.
 * The generator is exposed as a gsl_rng (Random123's GSL_MICRORNG), so every
 * gsl_ran_* distribution works on it.
 *
 * An arv_rng lives on the caller's stack or inside a struct: it owns no heap
 * memory, so seeking it inside the monthly step allocates nothing.
 * After arv_rng_seek() up to 2^32 Philox blocks (4 x 2^32 32-bit outputs)
 * may be drawn before the next seek.
 */
#ifndef ARV_RNG_H
#define ARV_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>
#include <Random123/philox.h>

/* Named streams. The numbers are part of the reproducibility contract:
 * never renumber one; add new streams at the end. */
enum arv_stream {
    ARV_STREAM_POPULATION = 1,   /* synthesis of households, adults, children */
    ARV_STREAM_OFFICES = 2,      /* office random effects, sizes */
    ARV_STREAM_ALLOCATION = 3,   /* randomisation of offices and families */
    ARV_STREAM_DEMOGRAPHY = 4,
    ARV_STREAM_FOLLOWUP = 5,
    ARV_STREAM_WORK = 6,
    ARV_STREAM_INCOME = 7,
    ARV_STREAM_HOUSING = 8,
    ARV_STREAM_CHILDREN = 9,
    ARV_STREAM_YOUNG_ADULTS = 10,
    ARV_STREAM_MEASUREMENT = 11,
    ARV_STREAM_TRIAL = 12,
    ARV_STREAM_CALIBRATION = 13,
    ARV_STREAM_TEST = 1000 /* reserved for the test suite */
};

/* The state of Random123's GSL_MICRORNG for philox4x32, field for field
 * (rng.c checks the layout at compile time), so the inline fast path below
 * and the gsl_rng view advance one and the same sequence. */
struct arv_rng_state {
    philox4x32_ctr_t ctr;   /* (entity, stream, month, 0) */
    philox4x32_ctr_t block; /* current output block */
    philox4x32_key_t key;   /* (seed, rep) */
    unsigned long long n;   /* next block index */
    int elem;               /* words left in block */
};

struct arv_rng {
    gsl_rng gen;                /* what gsl_ran_* functions take */
    struct arv_rng_state state; /* gen.state points here */
};

/* Prepares r for use (no allocation). The key is (seed, rep); call
 * arv_rng_seek() before drawing. r must not be copied after this (its
 * gsl_rng view points into it). */
void arv_rng_init(struct arv_rng *r, uint32_t seed, uint32_t rep);

/* Positions r at the start of the sub-stream (entity, stream, month).
 * Inline: it is called for every household and stream each month. */
static inline void arv_rng_seek(struct arv_rng *r, uint32_t stream, uint32_t entity,
                                uint32_t month)
{
    r->state.ctr.v[0] = entity;
    r->state.ctr.v[1] = stream;
    r->state.ctr.v[2] = month;
    r->state.ctr.v[3] = 0;
    r->state.n = 0;
    r->state.elem = 0;
}

/* The next 32-bit word: exactly what gsl_rng_get(arv_rng_gsl(r)) returns,
 * without the call through the gsl_rng type. */
static inline uint32_t arv_rng_u32(struct arv_rng *r)
{
    struct arv_rng_state *s = &r->state;
    if (s->elem == 0) {
        philox4x32_ctr_t c = s->ctr;
        c.v[3] |= (uint32_t)s->n;
        s->n++;
        s->block = philox4x32(c, s->key);
        s->elem = 4;
    }
    return s->block.v[--s->elem];
}

/*
 * Many sub-streams at once. arv_rng_blocks computes Philox block `block` of
 * the sub-streams (entity[k], stream, month) for k < n in one vectorisable
 * loop: out[k] is the block in Philox order (arv_rng_u32 returns out[k][3]
 * first). arv_rng_seek_block then positions r at the start of sub-stream
 * (entity, stream, month) with its block 0 given, and arv_rng_supply hands
 * r block b of its sub-stream if r is about to compute exactly that block
 * (else it does nothing). Either way r draws the very same words as after
 * arv_rng_seek; only where the Philox arithmetic is done changes.
 * arv_rng_blocks_range does the same for the entities first, ..., first + n - 1.
 */
void arv_rng_blocks(const struct arv_rng *r, uint32_t stream, uint32_t month, uint32_t block,
                    const uint32_t *entity, size_t n, uint32_t (*out)[4]);
void arv_rng_blocks_range(const struct arv_rng *r, uint32_t stream, uint32_t month,
                          uint32_t block, uint32_t first, size_t n, uint32_t (*out)[4]);

static inline void arv_rng_seek_block(struct arv_rng *r, uint32_t stream, uint32_t entity,
                                      uint32_t month, const uint32_t block[4])
{
    arv_rng_seek(r, stream, entity, month);
    for (int i = 0; i < 4; i++)
        r->state.block.v[i] = block[i];
    r->state.n = 1;
    r->state.elem = 4;
}

static inline void arv_rng_supply(struct arv_rng *r, uint32_t b, const uint32_t block[4])
{
    if (r->state.elem == 0 && r->state.n == b) {
        for (int i = 0; i < 4; i++)
            r->state.block.v[i] = block[i];
        r->state.n = b + 1;
        r->state.elem = 4;
    }
}

/*
 * Words read straight from a block of arv_rng_blocks, without a generator:
 * word k (k = 0..3) of the block is block[3 - k], what the (k + 1)-th
 * arv_rng_u32 of the block returns. arv_rng_word_uniform(w) is
 * arv_rng_uniform for word w. A draw that needs more words than the block
 * holds (a normal outside the ziggurat's fast path) continues on a
 * generator that arv_rng_seek_block_after positions after the first `used`
 * words of block `index` of the sub-stream.
 */
static inline double arv_rng_word_uniform(uint32_t word)
{
    return word / 4294967296.0;
}

static inline void arv_rng_seek_block_after(struct arv_rng *r, uint32_t stream, uint32_t entity,
                                            uint32_t month, uint32_t index,
                                            const uint32_t block[4], int used)
{
    arv_rng_seek(r, stream, entity, month);
    for (int i = 0; i < 4; i++)
        r->state.block.v[i] = block[i];
    r->state.n = index + 1;
    r->state.elem = 4 - used;
}

/* The gsl_rng view of r (valid while r lives). */
static inline gsl_rng *arv_rng_gsl(struct arv_rng *r)
{
    return &r->gen;
}

/* Uniform on [0, 1) with 32-bit resolution (as gsl_rng_uniform). */
static inline double arv_rng_uniform(struct arv_rng *r)
{
    return arv_rng_u32(r) / 4294967296.0; /* as arv_rng_word_uniform */
}

/* Uniform on (0, 1), never 0: safe for logs (as gsl_rng_uniform_pos). */
static inline double arv_rng_uniform_pos(struct arv_rng *r)
{
    double u;
    do
        u = arv_rng_u32(r) / 4294967296.0;
    while (u == 0.0);
    return u;
}

/*
 * Standard normal variates by the ziggurat method (Marsaglia and Tsang,
 * J. Stat. Softw. 5(8), 2000) with 128 layers, drawn from the keyed stream
 * through the inline fast path above. One 32-bit word gives the layer (bits
 * 0-6), the sign (bit 7) and a 24-bit abscissa j (bits 8-31); the point is
 * accepted at once if it lies in the layer's part that is wholly under the
 * density (about 98.8% of draws). Otherwise arv__rng_normal_slow tests the
 * wedge or samples the tail beyond r (Marsaglia's tail method), drawing
 * further words as needed. The tables are in rng.c.
 */
extern const uint32_t arv__zig_k[128]; /* j < k[i]: inside layer i */
extern const double arv__zig_w[128];   /* x = j * w[i] */
extern const double arv__zig_f[128];   /* density at the layer's right edge */
extern const double arv__zig_sign[2];  /* -1, +1: a multiply, not a branch on the sign bit */
double arv__rng_normal_slow(struct arv_rng *r, uint32_t u);

/* The fast path for a first word u: 1 and *z if u's point lies inside its
 * layer, else 0 (then arv__rng_normal_slow(r, u), with r positioned right
 * after u, finishes the draw). */
static inline int arv_rng_word_normal(uint32_t u, double *z)
{
    uint32_t i = u & 0x7f, j = u >> 8;
    *z = j * arv__zig_w[i] * arv__zig_sign[(u >> 7) & 1];
    return j < arv__zig_k[i];
}

static inline double arv_rng_normal(struct arv_rng *r)
{
    uint32_t u = arv_rng_u32(r);
    double z;
    return arv_rng_word_normal(u, &z) ? z : arv__rng_normal_slow(r, u);
}

/* One raw Philox4x32-10 block: out = philox(ctr, key). Exposed for the
 * known-answer tests of the underlying generator. */
void arv_rng_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* For the tests: the blocks of arv_rng_blocks (entity non-NULL) or
 * arv_rng_blocks_range (first), using instruction sets only up to `widest`,
 * so that every path can be compared with the reference on any machine
 * that has it. */
enum { ARV_ISA_SCALAR, ARV_ISA_AVX2, ARV_ISA_AVX512 };
void arv__rng_blocks_isa(const struct arv_rng *r, uint32_t stream, uint32_t month, uint32_t block,
                         const uint32_t *entity, uint32_t first, size_t n, uint32_t (*out)[4],
                         int widest);

#endif
