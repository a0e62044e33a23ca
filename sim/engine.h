/* Internals shared by the engine's files (not part of the public API). */
#ifndef ARV_ENGINE_H
#define ARV_ENGINE_H

#include "arv/params.h"

extern const struct arv_param_group arv__engine_params;

#endif
