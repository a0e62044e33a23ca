/*
 * The command line (contract in DESIGN.md), as a library function so that
 * tests can drive exactly what users run, with any model registry.
 */
#ifndef ARV_CLI_H
#define ARV_CLI_H

#include "arv/world.h"

/* Runs one arv command line. Returns the process exit status: 0 on success,
 * 1 on bad input or a failed run (one line on stderr), 2 on bad usage. */
int arv_cli_main(int argc, char **argv, const struct arv_registry *reg);

/* The product's models and groups (models/registry.c). */
extern const struct arv_registry arv_registry_default;

#endif
