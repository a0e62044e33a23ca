/*
 * The keyed Philox generator as a gsl_rng type. See include/arv/rng.h for the
 * key layout. GSL_MICRORNG reserves the last counter word for its own draw
 * index, which is why the month sits in word 2 and word 3 starts at zero.
 */
#include "arv/rng.h"

#include <assert.h>
#include <Random123/philox.h>
#include <Random123/gsl_microrng.h>

GSL_MICRORNG(arv_philox, philox4x32);

_Static_assert(sizeof(arv_philox_state) <= sizeof(((struct arv_rng *)0)->state),
               "arv_rng.state too small for the Philox micro-RNG");

void arv_rng_init(struct arv_rng *r, uint32_t seed, uint32_t rep)
{
    r->gen.type = gsl_rng_arv_philox;
    r->gen.state = r->state;
    r->seed = seed;
    r->rep = rep;
    arv_rng_seek(r, 0, 0, 0);
}

void arv_rng_seek(struct arv_rng *r, uint32_t stream, uint32_t entity, uint32_t month)
{
    philox4x32_ctr_t c = {{entity, stream, month, 0}};
    philox4x32_key_t k = {{r->seed, r->rep}};
    arv_philox_reset(&r->gen, c, k);
}

double arv_rng_uniform(struct arv_rng *r)
{
    return gsl_rng_uniform(&r->gen);
}

double arv_rng_uniform_pos(struct arv_rng *r)
{
    return gsl_rng_uniform_pos(&r->gen);
}

void arv_rng_philox4x32(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    philox4x32_ctr_t c = {{ctr[0], ctr[1], ctr[2], ctr[3]}};
    philox4x32_key_t k = {{key[0], key[1]}};
    philox4x32_ctr_t o = philox4x32(c, k);
    for (int i = 0; i < 4; i++)
        out[i] = o.v[i];
}
