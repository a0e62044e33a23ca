/*
 * Output files (contract in DESIGN.md): summary.csv, young_adults.csv,
 * totals.csv, resolved.cfg, manifest.json and, with --microdata, panel.csv.
 *
 * A directory is written aside (DIR.tmp-XXXXXX next to it) and renamed into
 * place only when complete, so an interrupted run never leaves something
 * that looks like a finished result. An existing DIR is replaced only if it
 * is itself an arv output (has a manifest.json); anything else is refused.
 */
#ifndef ARV_OUTPUT_H
#define ARV_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "arv/error.h"
#include "arv/replicates.h"
#include "arv/world.h"

struct arv_outdir {
    char final[4096]; /* where the result goes */
    char tmp[4128];   /* where it is written */
    int created;      /* leading parents of final that begin created: final's
                         first `created` missing components, removed again
                         (if still empty) by abort */
    size_t created_len[16];
};

/* Creates the temporary directory beside final. */
int arv_outdir_begin(struct arv_outdir *o, const char *final, struct arv_error *err);
/* Opens name inside the temporary directory for writing. */
FILE *arv_outdir_open(const struct arv_outdir *o, const char *name, struct arv_error *err);
/* Closes f, reporting write errors (disk full) as an error on name: the
 * file in o's final directory, or (o NULL) name itself. */
int arv_outdir_close(const struct arv_outdir *o, FILE *f, const char *name,
                     struct arv_error *err);
/* Moves the finished directory into place. */
int arv_outdir_commit(struct arv_outdir *o, struct arv_error *err);
/* Removes the temporary directory and everything in it, and the parent
 * directories begin created, if they are empty (after a failure). */
void arv_outdir_abort(struct arv_outdir *o);

/* Writes a table of results in the contract's long format. scenario is the
 * scenario's name (first column). */
int arv_write_summary(const struct arv_world *w, const char *scenario, FILE *f);
int arv_write_young_adults(const struct arv_world *w, const char *scenario, FILE *f);
int arv_write_totals(const struct arv_world *w, const char *scenario, FILE *f);
/* Any table, with or without its header line (compare writes several
 * scenarios into one file). */
int arv_write_table(const struct arv_world *w, enum arv_table t, const char *scenario,
                    bool header, FILE *f);

/* Writes the cells "mean,sd,lo,hi,reps" and ends the row. */
void arv_write_stats(FILE *f, const struct arv_rep_stats *s);

/* Statistics over the replicates of metric m (index in w->metric) at time
 * slot `time` of its table and group g, as every output reports them: a
 * count (ARV_STAT_COUNT) is 0 in a replicate where the group is empty,
 * once the group has units in any replicate. scratch: 2 x reps doubles. */
void arv_cell_stats(const struct arv_world *w, int m, int time, int g, double *scratch,
                    struct arv_rep_stats *s);

/* Writes a number for a CSV cell: "NA" for NaN, else %.10g. */
void arv_csv_number(FILE *f, double v);

#endif
