/*
 * The output directory (atomic) and the result tables in long format.
 */
#define _GNU_SOURCE
#include "arv/output.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arv/replicates.h"

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        unlink(path);
        return;
    }
    struct dirent *e;
    char child[8192];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(child, sizeof child, "%s/%s", path, e->d_name);
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(child);
        else
            unlink(child);
    }
    closedir(d);
    rmdir(path);
}

int arv_outdir_begin(struct arv_outdir *o, const char *final, struct arv_error *err)
{
    size_t n = strlen(final);
    while (n > 1 && final[n - 1] == '/')
        n--;
    if (n == 0 || n >= sizeof o->final - 16)
        return arv_error_set(err, ARV_EINVAL, "--out: bad directory name");
    memcpy(o->final, final, n);
    o->final[n] = '\0';
    struct stat st;
    if (stat(o->final, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return arv_error_set(err, ARV_EINVAL, "--out %s: exists and is not a directory",
                                 o->final);
        char manifest[4200];
        snprintf(manifest, sizeof manifest, "%s/manifest.json", o->final);
        DIR *d = opendir(o->final);
        int entries = 0;
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL)
                entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
            closedir(d);
        }
        if (entries > 0 && access(manifest, F_OK) != 0)
            return arv_error_set(err, ARV_EINVAL,
                                 "--out %s: exists and is not an arv output directory; "
                                 "refusing to overwrite it",
                                 o->final);
    }
    /* create missing parents */
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", o->final);
    o->created = 0;
    for (char *s = parent + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(parent, 0777) == 0) {
                if (o->created < 16)
                    o->created_len[o->created++] = (size_t)(s - parent);
            } else if (errno != EEXIST) {
                return arv_error_set(err, ARV_EIO, "--out %s: cannot create %s: %s", o->final,
                                     parent, strerror(errno));
            }
            *s = '/';
        }
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp-XXXXXX", o->final);
    if (mkdtemp(o->tmp) == NULL)
        return arv_error_set(err, ARV_EIO, "--out %s: cannot create a directory: %s", o->final,
                             strerror(errno));
    /* mkdtemp makes it private; the result gets the usual permissions */
    mode_t mask = umask(0);
    umask(mask);
    chmod(o->tmp, 0777 & ~mask);
    return ARV_OK;
}

FILE *arv_outdir_open(const struct arv_outdir *o, const char *name, struct arv_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", o->tmp, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        arv_error_set(err, ARV_EIO, "%s/%s: cannot write: %s", o->final, name, strerror(errno));
    return f;
}

int arv_outdir_close(const struct arv_outdir *o, FILE *f, const char *name,
                     struct arv_error *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return arv_error_set(err, ARV_EIO, "%s%s%s: write failed (disk full?)", o ? o->final : "",
                             o ? "/" : "", name);
    return ARV_OK;
}

int arv_outdir_commit(struct arv_outdir *o, struct arv_error *err)
{
    char old[4200] = "";
    struct stat st;
    if (stat(o->final, &st) == 0) {
        snprintf(old, sizeof old, "%s.old-XXXXXX", o->final);
        if (mkdtemp(old) == NULL || rename(o->final, old) != 0) {
            if (old[0] && strstr(old, "XXXXXX") == NULL)
                rmdir(old);
            return arv_error_set(err, ARV_EIO, "%s: cannot replace: %s", o->final,
                                 strerror(errno));
        }
    }
    if (rename(o->tmp, o->final) != 0) {
        int e = errno;
        if (old[0])
            rename(old, o->final);
        return arv_error_set(err, ARV_EIO, "%s: cannot move results into place: %s", o->final,
                             strerror(e));
    }
    if (old[0])
        remove_tree(old);
    return ARV_OK;
}

void arv_outdir_abort(struct arv_outdir *o)
{
    if (o->tmp[0])
        remove_tree(o->tmp);
    o->tmp[0] = '\0';
    /* the parents begin made, deepest first; rmdir leaves any that are not empty */
    char parent[4096];
    while (o->created > 0) {
        size_t n = o->created_len[--o->created];
        snprintf(parent, sizeof parent, "%.*s", (int)n, o->final);
        rmdir(parent);
    }
}

void arv_csv_number(FILE *f, double v)
{
    if (isnan(v))
        fputs("NA", f);
    else
        fprintf(f, "%.10g", v);
}

void arv_write_stats(FILE *f, const struct arv_rep_stats *s)
{
    arv_csv_number(f, s->mean);
    fputc(',', f);
    arv_csv_number(f, s->sd);
    fputc(',', f);
    arv_csv_number(f, s->lo);
    fputc(',', f);
    arv_csv_number(f, s->hi);
    fprintf(f, ",%d\n", s->reps);
}

/* Writes one table; time_label NULL means the table has no time column. */
static int write_table(const struct arv_world *w, int table, const char *scenario,
                       const char *time_label, bool header, FILE *f)
{
    const struct arv_results *r = &w->results[table];
    if (header)
        fprintf(f, "scenario,group,%s%smetric,mean,sd,lo,hi,reps\n", time_label ? time_label : "",
                time_label ? "," : "");
    double *scratch = arv_xcalloc(2 * (size_t)r->reps, sizeof *scratch);
    for (int g = 0; g < r->n_groups; g++)
        for (int t = 0; t < r->n_times; t++)
            for (int m = 0; m < w->n_metrics; m++) {
                if ((int)w->metric[m]->table != table)
                    continue;
                struct arv_rep_stats s;
                arv_cell_stats(w, m, t, g, scratch, &s);
                if (s.reps == 0)
                    continue; /* nothing to report: e.g. a survey metric between surveys,
                                 or no young adult of that age in that group */
                fprintf(f, "%s,%s,", scenario, w->reg->groups[g]);
                if (time_label)
                    fprintf(f, "%d,",
                            r->time0 + t * (table == ARV_TABLE_SUMMARY ? w->report_every : 1));
                fprintf(f, "%s,", w->metric[m]->name);
                arv_write_stats(f, &s);
            }
    free(scratch);
    return ferror(f) ? ARV_EIO : ARV_OK;
}

void arv_cell_stats(const struct arv_world *w, int m, int time, int g, double *scratch,
                    struct arv_rep_stats *s)
{
    const struct arv_results *r = &w->results[w->metric[m]->table];
    size_t stride = (size_t)r->n_times * r->n_groups * r->n_metrics;
    size_t cell = ((size_t)time * r->n_groups + g) * r->n_metrics + (size_t)w->metric_table_index[m];
    arv_rep_stats(r->value + cell, (size_t)r->reps, stride, scratch, s);
    if (w->metric[m]->stat == ARV_STAT_COUNT && s->reps > 0 && s->reps < r->reps) {
        /* a count is 0 in a replicate where the group is empty */
        double *counts = scratch + r->reps;
        for (int rep = 0; rep < r->reps; rep++) {
            double v = r->value[cell + (size_t)rep * stride];
            counts[rep] = isnan(v) ? 0.0 : v;
        }
        arv_rep_stats(counts, (size_t)r->reps, 1, scratch, s);
    }
}

static const char *const time_labels[3] = {"month", "age", NULL};

int arv_write_table(const struct arv_world *w, enum arv_table t, const char *scenario,
                    bool header, FILE *f)
{
    return write_table(w, t, scenario, time_labels[t], header, f);
}

int arv_write_summary(const struct arv_world *w, const char *scenario, FILE *f)
{
    return arv_write_table(w, ARV_TABLE_SUMMARY, scenario, true, f);
}

int arv_write_young_adults(const struct arv_world *w, const char *scenario, FILE *f)
{
    return arv_write_table(w, ARV_TABLE_YOUNG_ADULTS, scenario, true, f);
}

int arv_write_totals(const struct arv_world *w, const char *scenario, FILE *f)
{
    return arv_write_table(w, ARV_TABLE_TOTALS, scenario, true, f);
}
