/* MPI glue (see include/arv/mpi.h). */
#include "arv/mpi.h"

#include <stdlib.h>

#include "arv/error.h"

void arv_mpi_block(size_t n, int rank, int size, size_t *lo, size_t *hi)
{
    *lo = n * (size_t)rank / (size_t)size;
    *hi = n * (size_t)(rank + 1) / (size_t)size;
}

#ifdef ARV_WITH_MPI
#include <mpi.h>

/* MPI is started only under a launcher (mpirun, srun, hydra), which sets
 * one of these in every rank's environment. Run directly, arv is one rank
 * without MPI at all: exactly the build without it, and without the cost
 * of a singleton start. */
static int active;

void arv_mpi_init(int *argc, char ***argv)
{
    static const char *const launched[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK",
                                           "PMI_SIZE"};
    for (size_t k = 0; k < sizeof launched / sizeof launched[0]; k++)
        active |= getenv(launched[k]) != NULL;
    if (active) {
        int provided;
        MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    }
}

void arv_mpi_finalize(void)
{
    if (active)
        MPI_Finalize();
}

int arv_mpi_rank(void)
{
    int r = 0;
    if (active)
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int arv_mpi_size(void)
{
    int s = 1;
    if (active)
        MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

void arv_mpi_reduce_results(struct arv_world *w)
{
    if (arv_mpi_size() == 1)
        return;
    for (int t = 0; t < 3; t++) {
        struct arv_results *r = &w->results[t];
        size_t n = (size_t)r->reps * r->n_times * r->n_groups * r->n_metrics;
        /* x + 0 = x exactly, so the sum is the one rank's value, bit for bit
         * (NaN + 0 stays NaN) */
        for (size_t off = 0; off < n; off += 1 << 28) {
            int count = (int)(n - off < (1u << 28) ? n - off : 1u << 28);
            if (arv_mpi_rank() == 0)
                MPI_Reduce(MPI_IN_PLACE, r->value + off, count, MPI_DOUBLE, MPI_SUM, 0,
                           MPI_COMM_WORLD);
            else
                MPI_Reduce(r->value + off, NULL, count, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        }
    }
}

void arv_mpi_sum_to_root(double *buf, size_t n)
{
    if (arv_mpi_size() == 1)
        return;
    for (size_t off = 0; off < n; off += 1 << 28) {
        int count = (int)(n - off < (1u << 28) ? n - off : 1u << 28);
        if (arv_mpi_rank() == 0)
            MPI_Reduce(MPI_IN_PLACE, buf + off, count, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        else
            MPI_Reduce(buf + off, NULL, count, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    }
}

int arv_mpi_all(int ok)
{
    if (!active)
        return ok;
    int all;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    return all;
}

void arv_mpi_bcast(void *buf, size_t size)
{
    if (!active)
        return;
    MPI_Bcast(buf, (int)size, MPI_BYTE, 0, MPI_COMM_WORLD);
}

void arv_mpi_barrier(void)
{
    if (!active)
        return;
    MPI_Barrier(MPI_COMM_WORLD);
}

void arv_mpi_allgather_blocks(void *buf, size_t elem, size_t n)
{
    int size = arv_mpi_size();
    if (size == 1)
        return;
    int *count = arv_xcalloc((size_t)size, sizeof *count);
    int *displ = arv_xcalloc((size_t)size, sizeof *displ);
    for (int r = 0; r < size; r++) {
        size_t lo, hi;
        arv_mpi_block(n, r, size, &lo, &hi);
        /* batches are far below 2 GB */
        count[r] = (int)((hi - lo) * elem);
        displ[r] = (int)(lo * elem);
    }
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf, count, displ, MPI_BYTE,
                   MPI_COMM_WORLD);
    free(count);
    free(displ);
}

#else

void arv_mpi_init(int *argc, char ***argv)
{
}

void arv_mpi_finalize(void)
{
}

int arv_mpi_rank(void)
{
    return 0;
}

int arv_mpi_size(void)
{
    return 1;
}

void arv_mpi_reduce_results(struct arv_world *w)
{
}

void arv_mpi_sum_to_root(double *buf, size_t n)
{
}

int arv_mpi_all(int ok)
{
    return ok;
}

void arv_mpi_bcast(void *buf, size_t size)
{
}

void arv_mpi_barrier(void)
{
}

void arv_mpi_allgather_blocks(void *buf, size_t elem, size_t n)
{
}

#endif
