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

#include <stdint.h>
#include <gsl/gsl_rng.h>

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

struct arv_rng {
    gsl_rng gen;                                   /* what gsl_ran_* functions take */
    unsigned char state[64] __attribute__((aligned(16))); /* Philox micro-RNG state */
    uint32_t seed, rep;                            /* the key */
};

/* Prepares r for use (no allocation). The key is (seed, rep); call
 * arv_rng_seek() before drawing. */
void arv_rng_init(struct arv_rng *r, uint32_t seed, uint32_t rep);

/* Positions r at the start of the sub-stream (entity, stream, month). */
void arv_rng_seek(struct arv_rng *r, uint32_t stream, uint32_t entity, uint32_t month);

/* The gsl_rng view of r (valid while r lives). */
static inline gsl_rng *arv_rng_gsl(struct arv_rng *r)
{
    return &r->gen;
}

/* Uniform on [0, 1) with 32-bit resolution. */
double arv_rng_uniform(struct arv_rng *r);

/* Uniform on (0, 1), never 0: safe for logs. */
double arv_rng_uniform_pos(struct arv_rng *r);

/* One raw Philox4x32-10 block: out = philox(ctr, key). Exposed for the
 * known-answer tests of the underlying generator. */
void arv_rng_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

#endif
