/*
 * The distributed engine. Ranks share the replicates of a run round-robin
 * (rank r simulates replicates r, r + size, ...); each rank's results are
 * combined on rank 0 by an exact sum (every cell is computed by exactly one
 * rank, the others contribute 0), so the outputs are byte-identical to a
 * single process. Built without ARV_WITH_MPI, or run without mpirun, there
 * is one rank and every function here is trivial.
 */
#ifndef ARV_MPI_H
#define ARV_MPI_H

#include <stddef.h>

#include "arv/world.h"

/* Starts and ends MPI: only when the process was started by a launcher
 * (mpirun sets OMPI_COMM_WORLD_SIZE; PMIx and PMI launchers their own
 * variables); otherwise, and without ARV_WITH_MPI, no-ops. */
void arv_mpi_init(int *argc, char ***argv);
void arv_mpi_finalize(void);

int arv_mpi_rank(void);
int arv_mpi_size(void);

/* Sums every rank's results into rank 0's (the other ranks' results are
 * left undefined). */
void arv_mpi_reduce_results(struct arv_world *w);

/* Sums n doubles of every rank into rank 0's buf, exactly when each value
 * is non-zero on at most one rank (the others' buf is left as it was). */
void arv_mpi_sum_to_root(double *buf, size_t n);

/* True on every rank if ok is true on every rank. */
int arv_mpi_all(int ok);

/* Copies rank 0's buffer to every rank. */
void arv_mpi_bcast(void *buf, size_t size);

void arv_mpi_barrier(void);

/* Rank r's share [*lo, *hi) of n items split into contiguous blocks. */
void arv_mpi_block(size_t n, int rank, int size, size_t *lo, size_t *hi);

/* buf holds n items of elem bytes; rank r has filled its block
 * (arv_mpi_block). Afterwards every rank holds every block, byte for
 * byte. */
void arv_mpi_allgather_blocks(void *buf, size_t elem, size_t n);

#endif
