/*
 * The keyed Philox generator as a gsl_rng type. See include/arv/rng.h for the
 * key layout. GSL_MICRORNG reserves the last counter word for its own draw
 * index, which is why the month sits in word 2 and word 3 starts at zero.
 */
#include "arv/rng.h"

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

void arv_rng_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    philox4x32_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x32_key_t k = {{key[0], key[1]}};
    philox4x32_ctr_t o = philox4x32(c, k);
    for (int i = 0; i < 4; i++)
        out[i] = o.v[i];
}
