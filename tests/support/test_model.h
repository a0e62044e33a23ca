/*
 * A small model used only by the test suite and the engine benchmark: each
 * household flips between two states with probabilities test.p_up and
 * test.p_down, and earns test.income * (0.5 + u) while up. It exercises
 * every part of the engine (keyed draws, chunks, tallies in all three
 * tables, microdata) with known answers: the stationary up-rate is
 * p_up / (p_up + p_down).
 */
#ifndef ARV_TEST_MODEL_H
#define ARV_TEST_MODEL_H

#include "arv/world.h"

extern const struct arv_model_ops arv_test_model;
extern const struct arv_registry arv_test_registry;

#endif
