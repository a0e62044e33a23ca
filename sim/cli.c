/*
 * arv's command line: argument parsing, the run, compare, calibrate, check,
 * params, bench and synth commands, the progress bar and the manifest (the
 * trial command is in cli_trial.c). Every failure ends with one
 * line on stderr naming the file and line or the option, and a non-zero
 * exit; nothing is written to the output directory's final name unless the
 * run completed.
 */
#define _GNU_SOURCE
#include "arv/cli.h"
#include "arv/calibrate.h"
#include "arv/calibrate_model.h"
#include "arv/compare.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <omp.h>

#include "arv/mpi.h"
#include "arv/output.h"
#include "arv/trial.h"
#include "engine.h"

#include "cli_internal.h"

struct command {
    const char *name;
    const char *usage;
    const char *summary;
    const char *options; /* space-separated long options it accepts */
    int min_files, max_files;
    int (*run)(struct opts *o, const struct arv_registry *reg, int argc, char **argv);
};

/* ---- small helpers ---------------------------------------------------- */

int arv__cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("arv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* Parses an integer option value in [lo, hi]. */
int arv__cli_option_int(const char *opt, const char *text, long long lo, long long hi,
                      long long *out)
{
    errno = 0;
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE)
        return arv__cli_fail("%s %s: expects an integer", opt, text);
    if (v < lo || v > hi)
        return arv__cli_fail("%s %s: out of range [%lld, %lld]", opt, text, lo, hi);
    *out = v;
    return 0;
}

/* Scenario name for the first CSV column: run.name, or else the file name
 * without directory and ".cfg". */
void arv__cli_scenario_name(const struct arv_params *p, const char *file, char *buf, size_t size)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    const char *name = arv_params_str(p, "run.name");
    snprintf(buf, size, "%s", name[0] ? name : base);
    char *dot = strrchr(buf, '.');
    if (!name[0] && dot && strcmp(dot, ".cfg") == 0)
        *dot = '\0';
    for (char *c = buf; *c; c++)
        if (*c == ',' || *c == '"' || *c == '\n')
            *c = '_';
}

struct arv_params *arv__cli_load_params(const struct arv_registry *reg, const struct opts *o,
                                      const char *file, struct arv_error *err)
{
    struct arv_params *p = arv_registry_params(reg);
    if (file && arv_params_load(p, file, err) != ARV_OK)
        goto fail_params;
    for (int k = 0; k < o->n_sets; k++)
        if (arv_params_set(p, o->sets[k], err) != ARV_OK)
            goto fail_params;
    struct arv_param_origin opt_seed = {"--seed", 0}, opt_reps = {"--reps", 0};
    if (o->seed && arv_params_set_value(p, "run.seed", o->seed, opt_seed, err) != ARV_OK)
        goto fail_params;
    if (o->reps && arv_params_set_value(p, "run.reps", o->reps, opt_reps, err) != ARV_OK)
        goto fail_params;
    return p;
fail_params:
    arv_params_free(p);
    return NULL;
}

/* Loads a scenario and builds its world; on failure sets err and returns
 * NULL having freed both. *params must outlive the world. */
static struct arv_world *load_world(const struct arv_registry *reg, const struct opts *o,
                                    const char *file, struct arv_params **params,
                                    struct arv_error *err)
{
    *params = arv__cli_load_params(reg, o, file, err);
    struct arv_world *w = *params ? arv_world_alloc(reg, *params, err) : NULL;
    if (w == NULL) {
        arv_params_free(*params);
        *params = NULL;
    }
    return w;
}

/* load_world, reporting a failure (if `speak`). */
static struct arv_world *open_world(const struct arv_registry *reg, const struct opts *o,
                                    const char *file, bool speak, struct arv_params **params)
{
    struct arv_error err;
    arv_error_init(&err);
    struct arv_world *w = load_world(reg, o, file, params, &err);
    if (w == NULL && speak)
        arv__cli_fail("%s", err.msg);
    return w;
}

/* ---- progress bar ----------------------------------------------------- */


double arv__cli_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void arv__cli_progress_draw(struct progress *pr, double fraction)
{
    int pct = (int)(fraction * 100.0);
    if (!pr->on || pct == pr->shown)
        return;
    pr->shown = pct;
    int width = 30, fill = pct * width / 100;
    fprintf(stderr, "\r[%.*s%*s] %3d%%  %.1fs", fill, "##############################",
            width - fill, "", pct, arv__cli_now_seconds() - pr->t0);
    fflush(stderr);
}

void arv__cli_progress_end(struct progress *pr)
{
    if (pr->on && pr->shown >= 0)
        fputs("\r\033[K", stderr);
}

/* ---- microdata --------------------------------------------------------- */

struct run_ctx {
    struct progress progress;
    FILE *panel;
    int panel_months[MAX_PANEL_MONTHS];
    int n_panel_months;
    char *row;
    size_t row_size;
};

static void on_progress(void *ctx, double fraction)
{
    arv__cli_progress_draw(&((struct run_ctx *)ctx)->progress, fraction);
}

static int parse_panel_months(const struct arv_params *p, int months, struct run_ctx *rc)
{
    const char *spec = arv_params_str(p, "run.panel_months");
    char where[512];
    arv_params_where(p, "run.panel_months", where, sizeof where);
    rc->n_panel_months = 0;
    const char *c = spec;
    while (*c) {
        int m;
        const char *end;
        if (strncmp(c, "end", 3) == 0) {
            m = months;
            end = c + 3;
        } else {
            char *e;
            errno = 0;
            long v = strtol(c, &e, 10);
            if (e == c || errno || v < 0 || v > 100000)
                return arv__cli_fail("%s: run.panel_months '%s' is not a list of months or 'end'", where,
                            spec);
            m = v > months ? -1 : (int)v; /* past the horizon: skipped */
            end = e;
        }
        if (rc->n_panel_months == MAX_PANEL_MONTHS)
            return arv__cli_fail("%s: run.panel_months: more than %d months", where, MAX_PANEL_MONTHS);
        bool dup = false;
        for (int k = 0; k < rc->n_panel_months; k++)
            dup |= rc->panel_months[k] == m;
        if (!dup && m >= 0)
            rc->panel_months[rc->n_panel_months++] = m;
        while (*end == ' ')
            end++;
        if (*end == ',')
            end++;
        else if (*end != '\0')
            return arv__cli_fail("%s: run.panel_months '%s' is not a list of months or 'end'", where,
                        spec);
        while (*end == ' ')
            end++;
        c = end;
    }
    return 0;
}

static void on_month(struct arv_world *w, void *ctx)
{
    struct run_ctx *rc = ctx;
    if (rc->panel == NULL)
        return;
    bool wanted = false;
    for (int k = 0; k < rc->n_panel_months; k++)
        wanted |= rc->panel_months[k] == w->month;
    if (!wanted)
        return;
    for (size_t h = 0; h < w->n_households; h++) {
        fprintf(rc->panel, "%u,%zu", w->rep, h);
        for (size_t k = 0; k < w->reg->n_models; k++)
            if (w->reg->models[k]->panel_row) {
                w->reg->models[k]->panel_row(w, h, rc->row, rc->row_size);
                fputs(rc->row, rc->panel);
            }
        fputc('\n', rc->panel);
    }
}

/* ---- manifest ---------------------------------------------------------- */

/* What every manifest starts with: version, command line, scenario files. */
json_t *arv__cli_manifest_begin(const struct arv_params *p, int argc, char **argv)
{
    json_t *root = json_object();
    json_object_set_new(root, "arv_version", json_string(ARV_VERSION));
    json_t *cmd = json_array();
    for (int k = 0; k < argc; k++)
        json_array_append_new(cmd, json_string(argv[k]));
    json_object_set_new(root, "command_line", cmd);
    json_t *files = json_array();
    for (size_t k = 0; k < p->n_files; k++)
        json_array_append_new(files, json_string(p->files[k]));
    json_object_set_new(root, "scenario_files", files);
    return root;
}

/* Writes manifest.json and releases root. */
int arv__cli_manifest_write(const struct arv_outdir *od, json_t *root, struct arv_error *err)
{
    FILE *f = arv_outdir_open(od, "manifest.json", err);
    if (f == NULL) {
        json_decref(root);
        return err->status;
    }
    json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(root);
    return arv_outdir_close(od, f, "manifest.json", err);
}

/* The manifest of `run` (n = 1) or `compare` (n scenarios, the first the
 * baseline): the scenario files of every scenario, once each; the
 * baseline's parameter hash, seed and size; household-months of all. */
static int write_manifest(const struct arv_outdir *od, struct arv_params *const *ps,
                          struct arv_world *const *ws, int n, int argc, char **argv,
                          int threads, double wall, struct arv_error *err)
{
    const struct arv_params *p = ps[0];
    const struct arv_world *w = ws[0];
    json_t *root = arv__cli_manifest_begin(p, argc, argv);
    json_t *files = json_object_get(root, "scenario_files");
    for (int k = 1; k < n; k++)
        for (size_t j = 0; j < ps[k]->n_files; j++) {
            bool seen = false;
            for (size_t i = 0; i < json_array_size(files) && !seen; i++)
                seen = strcmp(json_string_value(json_array_get(files, i)), ps[k]->files[j]) == 0;
            if (!seen)
                json_array_append_new(files, json_string(ps[k]->files[j]));
        }
    json_int_t household_months = 0;
    for (int k = 0; k < n; k++)
        household_months += (json_int_t)ws[k]->n_households * ws[k]->months * ws[k]->reps;
    char sha[65];
    arv_params_sha256(p, sha);
    json_object_set_new(root, "params_sha256", json_string(sha));
    json_object_set_new(root, "seed", json_integer(w->seed));
    json_object_set_new(root, "reps", json_integer(w->reps));
    json_object_set_new(root, "months", json_integer(w->months));
    json_object_set_new(root, "households", json_integer((json_int_t)w->n_households));
    json_object_set_new(root, "threads", json_integer(threads));
    json_object_set_new(root, "mpi_ranks", json_integer(w->size));
    json_object_set_new(root, "household_months", json_integer(household_months));
    json_object_set_new(root, "wall_seconds", json_real(wall));
    return arv__cli_manifest_write(od, root, err);
}

/* ---- commands ---------------------------------------------------------- */

typedef int (*table_writer)(const struct arv_world *, const char *, FILE *);

static int write_outputs(const struct arv_outdir *od, const struct arv_params *p,
                         const struct arv_world *w, const char *name, struct arv_error *err)
{
    static const struct {
        const char *file;
        table_writer fn;
    } tables[] = {{"summary.csv", arv_write_summary},
                  {"young_adults.csv", arv_write_young_adults},
                  {"totals.csv", arv_write_totals}};
    for (size_t k = 0; k < 3; k++) {
        FILE *f = arv_outdir_open(od, tables[k].file, err);
        if (f == NULL)
            return err->status;
        tables[k].fn(w, name, f);
        if (arv_outdir_close(od, f, tables[k].file, err) != ARV_OK)
            return err->status;
    }
    FILE *f = arv_outdir_open(od, "resolved.cfg", err);
    if (f == NULL)
        return err->status;
    fprintf(f, "# Every parameter as used by this run (arv %s).\n"
               "# `arv run resolved.cfg` reproduces the run exactly.\n",
            ARV_VERSION);
    arv_params_write_cfg(p, f);
    return arv_outdir_close(od, f, "resolved.cfg", err);
}

int arv__cli_set_threads(const struct opts *o, int *threads)
{
    long long t = 0;
    if (o->threads && arv__cli_option_int("--threads", o->threads, 1, 1024, &t))
        return 1;
    if (t > 0)
        omp_set_num_threads((int)t);
    *threads = t > 0 ? (int)t : omp_get_max_threads();
    return 0;
}

/* Mean over replicates of summary metric m (as summary.csv has it), NAN if
 * undefined. */
static double summary_mean(const struct arv_world *w, int time, int g, int m, double *scratch)
{
    struct arv_rep_stats s;
    arv_cell_stats(w, m, time, g, scratch, &s);
    return s.mean;
}

static void print_cell(double v)
{
    if (isnan(v))
        printf(" %9s", "-");
    else if (fabs(v) >= 100 || v == floor(v))
        printf(" %9.0f", v);
    else
        printf(" %9.3f", v);
}

/* Prints the headline of a run: each summary metric at month 0 and at the
 * end, for every group with families (means over replicates; intervals
 * are in summary.csv). */
static void print_headline(const struct arv_world *w, const char *name, const char *dir)
{
    const struct arv_results *r = &w->results[ARV_TABLE_SUMMARY];
    printf("%s: %zu households, %d months, %d replicate%s -> %s/\n", name, w->n_households,
           w->months, w->reps, w->reps == 1 ? "" : "s", dir);
    if (r->n_metrics == 0)
        return;
    double *scratch = arv_xcalloc(2 * (size_t)r->reps, sizeof *scratch);
    int shown[ARV_MAX_GROUPS], n_shown = 0, last = r->n_times - 1;
    int end_month = last * w->report_every;
    for (int g = 0; g < r->n_groups; g++) {
        bool any = false;
        for (int m = 0; m < w->n_metrics && !any; m++)
            any = w->metric[m]->table == ARV_TABLE_SUMMARY &&
                  !isnan(summary_mean(w, 0, g, m, scratch));
        if (any)
            shown[n_shown++] = g;
    }
    int width = 24;
    for (int m = 0; m < w->n_metrics; m++)
        if (w->metric[m]->table == ARV_TABLE_SUMMARY && (int)strlen(w->metric[m]->name) > width)
            width = (int)strlen(w->metric[m]->name);
    printf("  %-*s", width, "");
    for (int k = 0; k < n_shown; k++)
        printf(" %19s", w->reg->groups[shown[k]]);
    printf("\n  %-*s", width, "metric");
    for (int k = 0; k < n_shown; k++)
        printf(" %9s %8s%d", "month 0", "month ", end_month);
    printf("\n");
    for (int m = 0; m < w->n_metrics; m++) {
        if (w->metric[m]->table != ARV_TABLE_SUMMARY)
            continue;
        printf("  %-*s", width, w->metric[m]->name);
        for (int k = 0; k < n_shown; k++) {
            print_cell(summary_mean(w, 0, shown[k], m, scratch));
            print_cell(summary_mean(w, last, shown[k], m, scratch));
        }
        printf("\n");
    }
    free(scratch);
}

/* With several MPI ranks each writes the panel rows of its replicates to a
 * part file; rank 0 then joins them in replicate order. */
static void part_name(const struct arv_outdir *od, int rank, char *buf, size_t size)
{
    snprintf(buf, size, "%s/panel.part-%d", od->tmp, rank);
}

static int join_panel(const struct arv_outdir *od, const struct arv_world *w,
                      const struct run_ctx *rc, FILE *out, struct arv_error *err)
{
    int size = w->size;
    FILE *parts[256] = {NULL};
    char path[4400];
    int status = ARV_OK;
    for (int r = 0; r < size && status == ARV_OK; r++) {
        part_name(od, r, path, sizeof path);
        if ((parts[r] = fopen(path, "r")) == NULL)
            status = arv_error_set(err, ARV_EIO, "%s: cannot read", path);
    }
    size_t rows = (size_t)rc->n_panel_months * w->n_households;
    char *line = NULL;
    size_t cap = 0;
    for (int rep = 0; rep < w->reps && status == ARV_OK; rep++)
        for (size_t k = 0; k < rows; k++) {
            if (getline(&line, &cap, parts[rep % size]) < 0) {
                status = arv_error_set(err, ARV_EIO, "panel part of rank %d is short", rep % size);
                break;
            }
            fputs(line, out);
        }
    free(line);
    for (int r = 0; r < size; r++)
        if (parts[r]) {
            fclose(parts[r]);
            part_name(od, r, path, sizeof path);
            unlink(path);
        }
    return status;
}

static void panel_header(const struct arv_registry *reg, FILE *f)
{
    fputs("rep,household", f);
    for (size_t k = 0; k < reg->n_models; k++)
        if (reg->models[k]->panel_header)
            fputs(reg->models[k]->panel_header, f);
    fputc('\n', f);
}

static int cmd_run(struct opts *o, const struct arv_registry *reg, int argc, char **argv)
{
    struct arv_error err;
    arv_error_init(&err);
    int rank = arv_mpi_rank(), size = arv_mpi_size();
    bool lead = rank == 0;
    int threads;
    if (arv__cli_set_threads(o, &threads))
        return 1;
    if (size > 256)
        return arv__cli_fail("run: at most 256 MPI ranks");
    /* every rank reads the same inputs, so they all fail alike; rank 0 speaks */
    struct arv_params *p;
    struct arv_world *w = open_world(reg, o, o->files[0], lead, &p);
    if (w == NULL)
        return 1;
    w->rank = rank;
    w->size = size;
    struct run_ctx rc = {.progress = {lead && isatty(2) && !o->quiet, -1, arv__cli_now_seconds()}};
    int status = 1;
    if (o->microdata && parse_panel_months(p, w->months, &rc))
        goto release_world;
    char name[256], out[4096];
    arv__cli_scenario_name(p, o->files[0], name, sizeof name);
    /* resolved.cfg records the name, so a re-run labels its rows the same */
    struct arv_param_origin named = {"scenario file name", 0};
    if (!arv_params_str(p, "run.name")[0])
        arv_params_set_value(p, "run.name", name, named, &err);
    snprintf(out, sizeof out, "%s", o->out ? o->out : "out");
    if (!o->out)
        snprintf(out, sizeof out, "out/%s", name);
    struct arv_outdir od;
    memset(&od, 0, sizeof od);
    int ok = !lead || arv_outdir_begin(&od, out, &err) == ARV_OK;
    arv_mpi_bcast(&ok, sizeof ok);
    arv_mpi_bcast(&od, sizeof od);
    if (!ok) {
        if (lead)
            arv__cli_fail("%s", err.msg);
        goto release_world;
    }
    if (o->microdata) {
        char part[4400];
        part_name(&od, rank, part, sizeof part);
        rc.panel = size == 1 ? arv_outdir_open(&od, "panel.csv", &err) : fopen(part, "w");
        if (rc.panel == NULL)
            arv_error_set(&err, ARV_EIO, "%s: cannot write", size == 1 ? "panel.csv" : part);
        rc.row_size = 4096;
        rc.row = arv_xmalloc(rc.row_size);
        if (rc.panel && size == 1)
            panel_header(reg, rc.panel);
    }
    if (!arv_mpi_all(err.status == ARV_OK))
        goto abort_out;
    w->progress = on_progress;
    w->on_month = on_month;
    w->hook_ctx = &rc;
    double t0 = arv__cli_now_seconds();
    arv_world_run(w);
    double wall = arv__cli_now_seconds() - t0;
    arv__cli_progress_end(&rc.progress);
    if (rc.panel) {
        FILE *f = rc.panel;
        rc.panel = NULL;
        arv_outdir_close(size == 1 ? &od : NULL, f, "panel.csv", &err);
    }
    if (!arv_mpi_all(err.status == ARV_OK))
        goto abort_out;
    arv_mpi_reduce_results(w);
    if (lead && o->microdata && size > 1) {
        FILE *f = arv_outdir_open(&od, "panel.csv", &err);
        if (f) {
            panel_header(reg, f);
            join_panel(&od, w, &rc, f, &err);
            arv_outdir_close(&od, f, "panel.csv", &err);
        }
    }
    if (lead && err.status == ARV_OK &&
        (write_outputs(&od, p, w, name, &err) != ARV_OK ||
         write_manifest(&od, &p, &w, 1, argc, argv, threads, wall, &err) != ARV_OK ||
         arv_outdir_commit(&od, &err) != ARV_OK))
        assert(err.status != ARV_OK);
    if (!arv_mpi_all(err.status == ARV_OK))
        goto abort_out;
    if (lead && !o->quiet)
        print_headline(w, name, od.final);
    status = 0;
    goto release_world;
abort_out:
    if (rc.panel)
        fclose(rc.panel);
    if (lead) {
        arv_outdir_abort(&od);
        arv__cli_fail("%s", err.status ? err.msg : "another MPI rank failed");
    }
release_world:
    free(rc.row);
    arv_world_free(w);
    arv_params_free(p);
    return status;
}

/* ---- compare ------------------------------------------------------------ */

enum { MAX_COMPARE = 16 };

struct compare_ctx {
    struct progress progress;
    int k, n; /* scenario being run, of n */
};

static void on_compare_progress(void *ctx, double fraction)
{
    struct compare_ctx *cc = ctx;
    arv__cli_progress_draw(&cc->progress, (cc->k + fraction) / cc->n);
}

static int write_compare_outputs(const struct arv_outdir *od, struct arv_world *const *w,
                                 char (*names)[256], int n, struct arv_error *err)
{
    static const char *const files[3] = {"summary.csv", "young_adults.csv", "totals.csv"};
    for (int t = 0; t < 3; t++) {
        FILE *f = arv_outdir_open(od, files[t], err);
        if (f == NULL)
            return err->status;
        for (int k = 0; k < n; k++)
            arv_write_table(w[k], (enum arv_table)t, names[k], k == 0, f);
        if (t == ARV_TABLE_TOTALS)
            for (int k = 1; k < n; k++)
                arv_write_economics(f, w[0], w[k], names[k]);
        if (arv_outdir_close(od, f, files[t], err) != ARV_OK)
            return err->status;
    }
    static const char *const diffs[2] = {"diff.csv", "diff_young_adults.csv"};
    for (int d = 0; d < 2; d++) {
        FILE *f = arv_outdir_open(od, diffs[d], err);
        if (f == NULL)
            return err->status;
        arv_write_diff_header(f, d == 0 ? ARV_TABLE_SUMMARY : ARV_TABLE_YOUNG_ADULTS);
        for (int k = 1; k < n; k++) {
            if (d == 0) {
                arv_write_diff(f, ARV_TABLE_SUMMARY, w[0], names[0], w[k], names[k]);
                arv_write_diff(f, ARV_TABLE_TOTALS, w[0], names[0], w[k], names[k]);
            } else {
                arv_write_diff(f, ARV_TABLE_YOUNG_ADULTS, w[0], names[0], w[k], names[k]);
            }
        }
        if (arv_outdir_close(od, f, diffs[d], err) != ARV_OK)
            return err->status;
    }
    /* resolved.cfg is the baseline's (as for run); every scenario also has its own */
    for (int k = 0; k <= n; k++) {
        const struct arv_world *wk = w[k == n ? 0 : k];
        char file[300];
        if (k == n)
            snprintf(file, sizeof file, "resolved.cfg");
        else
            snprintf(file, sizeof file, "resolved_%.255s.cfg", names[k]);
        FILE *f = arv_outdir_open(od, file, err);
        if (f == NULL)
            return err->status;
        fprintf(f, "# Every parameter of scenario %s as used by this comparison (arv %s).\n",
                k == n ? names[0] : names[k], ARV_VERSION);
        arv_params_write_cfg(wk->params, f);
        if (arv_outdir_close(od, f, file, err) != ARV_OK)
            return err->status;
    }
    return ARV_OK;
}

static int cmd_compare(struct opts *o, const struct arv_registry *reg, int argc, char **argv)
{
    struct arv_error err;
    arv_error_init(&err);
    int rank = arv_mpi_rank(), size = arv_mpi_size();
    bool lead = rank == 0;
    int threads, n = o->n_files, status = 1, built = 0;
    if (arv__cli_set_threads(o, &threads))
        return 1;
    struct arv_params *p[MAX_COMPARE] = {NULL};
    struct arv_world *w[MAX_COMPARE] = {NULL};
    char names[MAX_COMPARE][256];
    struct arv_outdir od;
    memset(&od, 0, sizeof od);
    bool begun = false;
    for (; built < n; built++) {
        int k = built;
        if ((w[k] = open_world(reg, o, o->files[k], lead, &p[k])) == NULL)
            goto release;
        w[k]->rank = rank;
        w[k]->size = size;
        arv__cli_scenario_name(p[k], o->files[k], names[k], sizeof names[k]);
        struct arv_param_origin named = {"scenario file name", 0};
        if (!arv_params_str(p[k], "run.name")[0])
            arv_params_set_value(p[k], "run.name", names[k], named, &err);
        for (int j = 0; j < k; j++)
            if (strcmp(names[j], names[k]) == 0) {
                if (lead)
                    arv__cli_fail("%s: scenario name '%s' is also %s's; give one a run.name",
                         o->files[k], names[k], o->files[j]);
                built++;
                goto release;
            }
        char why[256];
        if (k > 0 && !arv_compare_ok(w[0], w[k], why, sizeof why)) {
            if (lead)
                arv__cli_fail("%s: %s", o->files[k], why);
            built++;
            goto release;
        }
    }
    char out[4096];
    snprintf(out, sizeof out, "%s", o->out ? o->out : "out/compare");
    int ok = !lead || arv_outdir_begin(&od, out, &err) == ARV_OK;
    arv_mpi_bcast(&ok, sizeof ok);
    if (!ok) {
        if (lead)
            arv__cli_fail("%s", err.msg);
        goto release;
    }
    begun = lead;
    struct compare_ctx cc = {{lead && isatty(2) && !o->quiet, -1, arv__cli_now_seconds()}, 0, n};
    double t0 = arv__cli_now_seconds();
    for (int k = 0; k < n; k++) {
        cc.k = k;
        w[k]->progress = on_compare_progress;
        w[k]->hook_ctx = &cc;
        arv_world_run(w[k]);
        arv_mpi_reduce_results(w[k]);
    }
    double wall = arv__cli_now_seconds() - t0;
    arv__cli_progress_end(&cc.progress);
    if (lead && (write_compare_outputs(&od, w, names, n, &err) != ARV_OK ||
                 write_manifest(&od, p, w, n, argc, argv, threads, wall, &err) != ARV_OK ||
                 arv_outdir_commit(&od, &err) != ARV_OK))
        assert(err.status != ARV_OK);
    if (!arv_mpi_all(err.status == ARV_OK)) {
        if (lead)
            arv__cli_fail("%s", err.status ? err.msg : "another MPI rank failed");
        goto release;
    }
    begun = false;
    if (lead && !o->quiet) {
        printf("compared %d scenarios, %zu households, %d months, %d replicates -> %s/\n\n", n,
               w[0]->n_households, w[0]->months, w[0]->reps, od.final);
        for (int k = 1; k < n; k++) {
            arv_print_comparison(stdout, w[0], names[0], w[k], names[k]);
            printf("\n");
        }
    }
    status = 0;
release:
    if (begun)
        arv_outdir_abort(&od);
    for (int k = 0; k < built && k < n; k++) {
        arv_world_free(w[k]);
        arv_params_free(p[k]);
    }
    return status;
}

/* ---- calibrate ---------------------------------------------------------- */

static int write_calibration_manifest(const struct arv_outdir *od, const struct arv_params *p,
                                      const char *sha, const struct arv_calib_settings *s,
                                      long simulations, long without_targets, int argc,
                                      char **argv, int threads, int ranks, double wall,
                                      struct arv_error *err)
{
    static const char *const methods[] = {"abc-smc", "rejection", "smm"};
    json_t *root = arv__cli_manifest_begin(p, argc, argv);
    json_object_set_new(root, "params_sha256", json_string(sha));
    json_object_set_new(root, "seed", json_integer(s->seed));
    json_object_set_new(root, "method", json_string(methods[s->method]));
    json_object_set_new(root, "particles", json_integer((json_int_t)s->particles));
    json_object_set_new(root, "reps", json_integer(arv_params_int(p, "run.reps")));
    json_object_set_new(root, "simulations", json_integer(simulations));
    /* candidates and predictive draws that could not compute every target
     * (ARV_ENOSTAT): rejected, or left out of fit.csv */
    json_object_set_new(root, "simulations_without_targets", json_integer(without_targets));
    json_object_set_new(root, "threads", json_integer(threads));
    json_object_set_new(root, "mpi_ranks", json_integer(ranks));
    json_object_set_new(root, "wall_seconds", json_real(wall));
    return arv__cli_manifest_write(od, root, err);
}

static void print_calibration(const struct arv_calib_problem *pb, const struct arv_calib_result *r,
                              const struct arv_calib_predictive *pred, const char *dir)
{
    printf("calibrated %zu parameter%s to %zu target%s: %ld simulations, %d generation%s, "
           "final tolerance %.4g, ESS %.0f -> %s/\n",
           pb->n_params, pb->n_params == 1 ? "" : "s", pb->targets->n,
           pb->targets->n == 1 ? "" : "s", r->simulations, r->n_gen, r->n_gen == 1 ? "" : "s",
           r->n_gen ? r->gen[r->n_gen - 1].tolerance : NAN,
           r->n_gen ? r->gen[r->n_gen - 1].ess : NAN, dir);
    printf("  %-40s %12s %12s %12s %12s\n", "parameter", "mean", "sd", "5%", "95%");
    for (size_t j = 0; j < pb->n_params; j++) {
        double mean, var;
        arv_calib_moments(r, j, &mean, &var);
        printf("  %-40s %12.5g %12.5g %12.5g %12.5g\n", pb->priors[j].path, mean, sqrt(var),
               arv_calib_quantile(r, j, 0.05), arv_calib_quantile(r, j, 0.95));
    }
    if (r->simulations_nostat > 0)
        printf("  %ld candidate%s could not compute every target and %s rejected; the first: "
               "%s\n",
               r->simulations_nostat, r->simulations_nostat == 1 ? "" : "s",
               r->simulations_nostat == 1 ? "was" : "were", r->nostat_reason);
    if (pred->n_nostat > 0)
        printf("  %zu of %zu posterior predictive simulations could not compute every target "
               "and are left out of fit.csv; the first: %s\n",
               pred->n_nostat, pred->n_particles, pred->nostat_reason);
}

/* One model (and parameter set) per thread: candidates are simulated in
 * parallel, each world on its own thread. */
struct calib_models {
    struct arv_calib_model *m;
    int n;
};

static int simulate_on_thread(void *ctx, const double *theta, uint32_t seed,
                              struct arv_calib_sim *out, struct arv_error *err)
{
    struct calib_models *cm = ctx;
    int t = omp_get_thread_num();
    assert(t < cm->n);
    return arv_calib_model_simulate(&cm->m[t], theta, seed, out, err);
}

/* The scenario whose virtual trial the trial targets read, if the
 * calibration group names one (calibration.trial_scenario): loaded without
 * the command line's --set, its trial design applied. *tp stays NULL when
 * none is named. */
static int load_trial_scenario(const struct arv_registry *reg, const struct arv_params *p,
                               struct arv_params **tp, struct arv_error *err)
{
    *tp = NULL;
    const struct arv_calib_config *c = p->calibration;
    if (c == NULL || c->trial_scenario == NULL)
        return ARV_OK;
    struct arv_error inner;
    arv_error_init(&inner);
    struct arv_params *q = arv_registry_params(reg);
    if (arv_params_load(q, c->trial_scenario, &inner) != ARV_OK ||
        arv_trial_derive(q, &inner) != ARV_OK) {
        arv_params_free(q);
        return arv_error_set(err, inner.status, "%s:%d: trial_scenario: %s", p->calibration_file,
                             c->trial_scenario_line, inner.msg);
    }
    *tp = q;
    return ARV_OK;
}

static int cmd_calibrate(struct opts *o, const struct arv_registry *reg, int argc, char **argv)
{
    struct arv_error err;
    arv_error_init(&err);
    int threads, rank = arv_mpi_rank(), ranks = arv_mpi_size();
    bool lead = rank == 0;
    long long draws = 0;
    /* every rank parses the same inputs and fails alike; rank 0 speaks */
    if (!lead)
        freopen("/dev/null", "w", stderr);
    if (arv__cli_set_threads(o, &threads))
        return 1;
    if (o->targets == NULL)
        return arv__cli_fail("calibrate: --targets FILE is required");
    if (o->draws && arv__cli_option_int("--draws", o->draws, 0, 1000, &draws))
        return 1;
    /* the trial design settings (trial.*) apply as in arv trial */
    struct arv_params *p = arv__cli_load_params(reg, o, o->files[0], &err);
    if (p == NULL || arv_trial_derive(p, &err) != ARV_OK) {
        arv_params_free(p);
        return arv__cli_fail("%s", err.msg);
    }
    int status = 1;
    struct arv_targets targets = {0};
    struct arv_calib_result res;
    struct arv_calib_predictive pred;
    struct arv_smm_result smm;
    memset(&res, 0, sizeof res);
    memset(&pred, 0, sizeof pred);
    memset(&smm, 0, sizeof smm);
    struct arv_outdir od;
    memset(&od, 0, sizeof od);
    bool begun = false, had_checkpoint = true;
    char name[256], out[4096], checkpoint[4200], sha[65];
    struct arv_params *trial_p = NULL;
    struct arv_calib_settings s;
    arv_calib_settings_default(&s);
    if (p->calibration == NULL || p->calibration->n_priors == 0) {
        arv__cli_fail("%s: no calibration group with parameters to calibrate (see docs/calibration.md)",
             o->files[0]);
        goto release;
    }
    if (p->draws) {
        arv__cli_fail("%s:%d: parameter_draws: a calibration sets its own parameter values; "
                      "remove the group",
                      p->draws->file, p->draws->line);
        goto release;
    }
    struct arv_target_names names = {NULL, NULL, arv_calib_registry_metric,
                                     arv_calib_registry_group, (void *)reg};
    if (arv_targets_read(o->targets, &names, &targets, &err) != ARV_OK) {
        arv__cli_fail("%s", err.msg);
        goto release;
    }
    if (load_trial_scenario(reg, p, &trial_p, &err) != ARV_OK) {
        arv__cli_fail("%s", err.msg);
        goto release;
    }
    struct arv_calib_model model = {reg, p, trial_p, &targets, p->calibration->priors,
                                    p->calibration->n_priors, o->targets,
                                    p->calibration->trial_estimator, 0};
    if (arv_calib_model_check(&model, &err) != ARV_OK) {
        arv__cli_fail("%s", err.msg);
        goto release;
    }
    arv__cli_scenario_name(p, o->files[0], name, sizeof name);
    snprintf(out, sizeof out, "%s", o->out ? o->out : "");
    if (!o->out)
        snprintf(out, sizeof out, "out/calibrate-%s", name);
    size_t len = strlen(out);
    while (len > 1 && out[len - 1] == '/')
        out[--len] = '\0';
    snprintf(checkpoint, sizeof checkpoint, "%s.checkpoint", out);
    s = p->calibration->settings;
    s.seed = (uint32_t)arv_params_int(p, "run.seed");
    s.threads = threads;
    s.rank = rank;
    s.ranks = ranks;
    s.checkpoint = checkpoint;
    s.resume = o->resume;
    /* what the engine cannot see: the scenario, and the estimator trial
     * targets read */
    s.model_fingerprint = arv_calib_model_fingerprint(p) ^ (uint64_t)model.trial_estimator << 58;
    if (trial_p) {
        uint64_t t = arv_calib_model_fingerprint(trial_p);
        s.model_fingerprint ^= t << 1 | t >> 63;
    }
    arv_params_sha256(p, sha);
    had_checkpoint = access(checkpoint, F_OK) == 0;
    if (o->resume && !had_checkpoint) {
        arv__cli_fail("calibrate: --resume: no checkpoint %s (it is written beside the output "
             "directory after every generation)",
             checkpoint);
        goto release;
    }
    char *scenario_abs = realpath(o->files[0], NULL);
    if (scenario_abs == NULL) {
        arv__cli_fail("%s: cannot resolve path", o->files[0]);
        goto release;
    }
    /* rank 0 writes; simulated method of moments runs on rank 0 alone */
    if (lead && arv_outdir_begin(&od, out, &err) == ARV_OK) {
        begun = true;
        /* the scenario as loaded, before any candidate's values are written into it */
        FILE *f = arv_outdir_open(&od, "resolved.cfg", &err);
        if (f) {
            fprintf(f, "# Every parameter of the scenario before calibration (arv %s).\n",
                    ARV_VERSION);
            arv_params_write_cfg(p, f);
            arv_outdir_close(&od, f, "resolved.cfg", &err);
        }
    }
    if (!arv_mpi_all(err.status == ARV_OK) || (!lead && s.method == ARV_CALIB_SMM)) {
        free(scenario_abs);
        if (err.status == ARV_OK && s.method == ARV_CALIB_SMM)
            status = 0;
        else
            arv__cli_fail("%s", err.status ? err.msg : "another MPI rank failed");
        goto release;
    }
    /* the other threads' copies of the scenario (loaded alike, so identical) */
    struct calib_models cm = {arv_xcalloc((size_t)threads, sizeof *cm.m), threads};
    struct arv_params **extra = arv_xcalloc((size_t)threads, sizeof *extra);
    cm.m[0] = model;
    for (int t = 1; t < threads && err.status == ARV_OK; t++) {
        extra[t] = arv__cli_load_params(reg, o, o->files[0], &err);
        if (extra[t])
            arv_trial_derive(extra[t], &err);
        cm.m[t] = model;
        cm.m[t].params = extra[t];
        cm.m[t].trial_params = NULL;
        if (err.status == ARV_OK)
            load_trial_scenario(reg, p, &cm.m[t].trial_params, &err);
    }
    struct arv_calib_problem pb = {p->calibration->priors, p->calibration->n_priors, &targets,
                                   simulate_on_thread, &cm, true};
    double t0 = arv__cli_now_seconds();
    int rc = err.status;
    long simulations = 0;
    if (rc == ARV_OK && s.method == ARV_CALIB_SMM) {
        rc = arv_smm_run(&pb, &s, &smm, &err);
        FILE *rf = rc == ARV_OK ? arv_outdir_open(&od, "smm.txt", &err) : NULL;
        if (rf) {
            arv_smm_write_report(rf, &pb, &smm);
            rc = arv_outdir_close(&od, rf, "smm.txt", &err);
        }
        FILE *cf = rc == ARV_OK ? arv_outdir_open(&od, "calibrated.cfg", &err) : NULL;
        if (cf) {
            arv_calib_write_snippet(cf, scenario_abs, pb.priors, pb.n_params, smm.theta);
            rc = arv_outdir_close(&od, cf, "calibrated.cfg", &err);
        }
        simulations = smm.simulations;
    } else if (rc == ARV_OK) {
        rc = arv_calib_run(&pb, &s, &res, &err);
        if (rc == ARV_OK)
            rc = arv_calib_predict(&pb, &s, &res, &pred, &err);
        if (rc == ARV_OK && lead)
            rc = arv_calib_write_all(&od, scenario_abs, &pb, &s, &res, &pred, (int)draws,
                                     &err);
        /* every rank's simulations, in the manifest (whole numbers: the sum is exact) */
        double sims = 0;
        for (int t = 0; t < threads; t++)
            sims += (double)cm.m[t].simulations;
        arv_mpi_sum_to_root(&sims, 1);
        simulations = (long)sims;
    }
    for (int t = 1; t < threads; t++) {
        arv_params_free(extra[t]);
        arv_params_free(cm.m[t].trial_params);
    }
    free(extra);
    free(cm.m);
    free(scenario_abs);
    double wall = arv__cli_now_seconds() - t0;
    if (!lead && rc == ARV_OK) {
        status = 0;
        goto release;
    }
    if (rc != ARV_OK || err.status != ARV_OK ||
        write_calibration_manifest(&od, p, sha, &s, simulations,
                                   res.simulations_nostat + (long)pred.n_nostat, argc, argv,
                                   threads, ranks, wall, &err) != ARV_OK ||
        arv_outdir_commit(&od, &err) != ARV_OK) {
        arv__cli_fail("%s", err.msg);
        goto release;
    }
    begun = false;
    if (!o->quiet) {
        if (s.method == ARV_CALIB_SMM)
            arv_smm_write_report(stdout, &pb, &smm);
        else
            print_calibration(&pb, &res, &pred, od.final);
    }
    status = 0;
release:
    /* a failed calibration leaves no checkpoint it started (a crash or a kill does) */
    if (status != 0 && lead && !had_checkpoint)
        unlink(checkpoint);
    if (begun)
        arv_outdir_abort(&od);
    if (s.method == ARV_CALIB_SMM)
        arv_smm_result_free(&smm);
    arv_calib_result_free(&res);
    arv_calib_predictive_free(&pred);
    arv_targets_free(&targets);
    arv_params_free(trial_p);
    arv_params_free(p);
    return status;
}

static int cmd_check(struct opts *o, const struct arv_registry *reg, int argc, char **argv)
{
    int bad = 0;
    char said[sizeof ((struct arv_error *)0)->msg] = "";
    for (int k = 0; k < o->n_files; k++) {
        struct arv_error err;
        arv_error_init(&err);
        struct arv_params *p;
        struct arv_world *w = load_world(reg, o, o->files[k], &p, &err);
        if (w == NULL) {
            /* a bad option fails every scenario alike: said once */
            if (strcmp(err.msg, said) != 0)
                arv__cli_fail("%s", err.msg);
            snprintf(said, sizeof said, "%s", err.msg);
            bad = 1;
        } else if (!o->quiet) {
            size_t set = 0;
            for (size_t i = 0; i < p->n; i++)
                set += p->values[i].origin.file != NULL;
            printf("%s: ok (%zu of %zu parameters set, %zu households, %d months", o->files[k],
                   set, p->n, w->n_households, w->months);
            if (p->draws)
                printf(", %zu draws of %zu parameter%s", p->draws->n_rows, p->draws->n_paths,
                       p->draws->n_paths == 1 ? "" : "s");
            printf(")\n");
        }
        arv_world_free(w);
        arv_params_free(p);
    }
    return bad;
}

static int cmd_params(struct opts *o, const struct arv_registry *reg, int argc, char **argv)
{
    struct arv_error err;
    arv_error_init(&err);
    struct arv_params *p = arv__cli_load_params(reg, o, NULL, &err);
    if (p == NULL)
        return arv__cli_fail("%s", err.msg);
    if (o->markdown)
        arv_params_write_markdown(p, stdout);
    else
        arv_params_write_list(p, stdout);
    arv_params_free(p);
    return ferror(stdout) ? arv__cli_fail("cannot write to standard output") : 0;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* The median of v[0..n) (sorts v). */
static double median_of(double *v, int n)
{
    gsl_sort(v, 1, (size_t)n);
    return gsl_stats_median_from_sorted_data(v, 1, (size_t)n);
}

enum { MAX_REPEATS = 50 };

static int cmd_bench(struct opts *o, const struct arv_registry *reg, int argc, char **argv)
{
    struct arv_error err;
    arv_error_init(&err);
    int threads;
    if (arv__cli_set_threads(o, &threads))
        return 1;
    /* bench sizes come from the options, everything else from the scenario */
    int n_extra = 0;
    char extra[2][64];
    long long v = 0, repeats = 1;
    if (o->households) {
        if (arv__cli_option_int("--households", o->households, 1, 2000000, &v))
            return 1;
        snprintf(extra[n_extra++], sizeof extra[0], "population.households=%lld", v);
    }
    if (o->months) {
        if (arv__cli_option_int("--months", o->months, 1, 1200, &v))
            return 1;
        snprintf(extra[n_extra++], sizeof extra[0], "run.months=%lld", v);
    }
    if (o->repeat && arv__cli_option_int("--repeat", o->repeat, 1, MAX_REPEATS, &repeats))
        return 1;
    for (int k = 0; k < n_extra && o->n_sets < MAX_SETS; k++)
        o->sets[o->n_sets++] = extra[k];
    o->reps = "1";
    long rss_before = peak_rss_kib();
    struct arv_params *p;
    struct arv_world *w = open_world(reg, o, o->files[0], true, &p);
    if (w == NULL)
        return 1;
    /* each repeat starts replicate 0 again and steps it: the same work */
    int n = (int)repeats;
    double start[MAX_REPEATS], loop[MAX_REPEATS], rate[MAX_REPEATS];
    double seconds[MAX_REPEATS][ARV_MAX_MODELS] = {{0}};
    double hm = (double)w->n_households * w->months;
    for (int k = 0; k < n; k++) {
        double t0 = arv__cli_now_seconds();
        arv_world_start(w, 0);
        /* the step loop's time per model: the clock is read twice per chunk
         * and model (about 0.1 ns per household-month, below the noise) */
        w->model_seconds = seconds[k];
        double t1 = arv__cli_now_seconds();
        for (int m = 0; m < w->months; m++)
            arv_world_step(w);
        double t2 = arv__cli_now_seconds();
        w->model_seconds = NULL;
        start[k] = t1 - t0;
        loop[k] = t2 - t1;
        rate[k] = hm / loop[k];
    }
    long rss = peak_rss_kib();
    double model_ns[ARV_MAX_MODELS], column[MAX_REPEATS];
    for (size_t m = 0; m < w->reg->n_models; m++) {
        for (int k = 0; k < n; k++)
            column[k] = seconds[k][m];
        model_ns[m] = 1e9 * median_of(column, n) / hm;
    }
    double median_rate = median_of(rate, n), median_loop = median_of(loop, n);
    printf("households          %zu\n", w->n_households);
    printf("months              %d\n", w->months);
    printf("threads             %d\n", threads);
    printf("instruction set     %s\n", ARV_BUILD_ARCH[0] ? "-march=" ARV_BUILD_ARCH
                                                        : "the compiler's default");
    if (n > 1)
        printf("repeats             %d (each starts replicate 0 again; medians, with the "
               "range)\n", n);
    printf("set-up (start)      %.3f s\n", median_of(start, n));
    printf("step loop           %.3f s", median_loop);
    if (n > 1)
        printf(" (%.3f to %.3f)", loop[0], loop[n - 1]);
    printf("\nhousehold-months/s  %.4g", median_rate);
    if (n > 1)
        printf(" (%.4g to %.4g)", rate[0], rate[n - 1]);
    printf("\nper thread          %.4g\n", median_rate / threads);
    printf("peak RSS            %.1f MiB (%.0f bytes per household above the %.1f MiB "
           "before set-up)\n",
           rss / 1024.0, (rss - rss_before) * 1024.0 / (double)w->n_households,
           rss_before / 1024.0);
    printf("per model           CPU-ns per household-month%s\n", n > 1 ? " (medians)" : "");
    double sum = 0;
    for (size_t k = 0; k < w->reg->n_models; k++)
        if (model_ns[k] > 0) {
            printf("  %-17s %8.1f\n", w->reg->models[k]->name, model_ns[k]);
            sum += model_ns[k];
        }
    printf("  %-17s %8.1f of %.1f in the step loop (the rest: scheduling, waiting)\n",
           "all models", sum, 1e9 * median_loop * threads / hm);
    arv_world_free(w);
    arv_params_free(p);
    return 0;
}

/* Writes the households of replicate 0 at month 0 (after the burn-in and
 * enrolment) as a CSV that population.file can read back. */
static int cmd_synth(struct opts *o, const struct arv_registry *reg, int argc, char **argv)
{
    if (reg->write_population == NULL)
        return arv__cli_fail("synth: this model has no household file format");
    if (o->out == NULL)
        return arv__cli_fail("synth: --out FILE is required");
    struct arv_error err;
    arv_error_init(&err);
    int threads;
    if (arv__cli_set_threads(o, &threads))
        return 1;
    struct arv_params *p;
    struct arv_world *w = open_world(reg, o, o->files[0], true, &p);
    if (w == NULL)
        return 1;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", o->out);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    int status = 0;
    if (f == NULL) {
        status = arv__cli_fail("--out %s: cannot write: %s", o->out, strerror(errno));
    } else {
        arv_world_start(w, 0);
        reg->write_population(w, f);
        if (arv_outdir_close(NULL, f, o->out, &err) != ARV_OK || rename(tmp, o->out) != 0) {
            unlink(tmp);
            status = arv__cli_fail("%s", err.status ? err.msg : "cannot move the file into place");
        } else if (!o->quiet) {
            printf("%s: %zu households at month 0 -> %s\n", o->files[0], w->n_households,
                   o->out);
        }
    }
    arv_world_free(w);
    arv_params_free(p);
    return status;
}

static int cmd_help(struct opts *o, const struct arv_registry *reg, int argc, char **argv);

static const struct command commands[] = {
    {"run", "arv run SCENARIO.cfg [--out DIR] [--seed N] [--reps N] [--threads N]\n"
            "        [--set PATH=VALUE]... [--microdata] [--quiet]",
     "simulate a scenario and write summary.csv, young_adults.csv, totals.csv",
     "out seed reps threads set quiet microdata", 1, 1, cmd_run},
    {"compare", "arv compare BASELINE.cfg SCENARIO.cfg... [--out DIR] [--seed N] [--reps N]\n"
                "        [--threads N] [--set PATH=VALUE]... [--quiet]",
     "run scenarios on common random numbers and write their paired differences (diff.csv)",
     "out seed reps threads set quiet", 2, MAX_COMPARE, cmd_compare},
    {"calibrate", "arv calibrate SCENARIO.cfg --targets FILE [--out DIR] [--seed N] [--reps N]\n"
                  "        [--threads N] [--set PATH=VALUE]... [--draws K] [--resume] [--quiet]",
     "fit the scenario's calibration parameters to a targets file (ABC-SMC, rejection, SMM)",
     "targets out seed reps threads set draws resume quiet", 1, 1, cmd_calibrate},
    {"trial", "arv trial SCENARIO.cfg [--trials N] [--out DIR] [--seed N] [--threads N]\n"
              "        [--set PATH=VALUE]... [--sweep PATH=V1,V2,...]... [--quiet]",
     "re-run the cluster-randomised trial many times: power, coverage, ICC (power.csv)",
     "out seed trials threads set sweep quiet", 1, 1, arv__cli_trial},
    {"check", "arv check SCENARIO.cfg... [--set PATH=VALUE]...",
     "validate scenarios without simulating", "set quiet", 1, MAX_FILES, cmd_check},
    {"params", "arv params [--markdown]",
     "list every parameter: default, range, unit, source", "markdown", 0, 0, cmd_params},
    {"bench", "arv bench SCENARIO.cfg [--households N] [--months N] [--threads N]\n"
              "        [--repeat N] [--set PATH=VALUE]...",
     "measure household-months per second of the monthly step and peak memory",
     "households months threads repeat set seed", 1, 1, cmd_bench},
    {"synth", "arv synth SCENARIO.cfg --out FILE [--seed N] [--set PATH=VALUE]...",
     "write the scenario's households at month 0 as a CSV that population.file reads",
     "out seed set quiet threads", 1, 1, cmd_synth},
    {"help", "arv help [COMMAND]", "show help for arv or for one command", "", 0, 1, cmd_help},
};
enum { N_COMMANDS = sizeof commands / sizeof commands[0] };

/* Option, its argument, what it does. */
static const char *const option_help[][3] = {
    {"out", "DIR", "output directory (default out/SCENARIO, out/compare, out/trial-SCENARIO)"},
    {"seed", "N", "seed of the keyed random streams, 0 to 4294967295"},
    {"reps", "N", "replicates (mean, sd, 95% interval across them)"},
    {"threads", "N", "OpenMP threads (results do not depend on it)"},
    {"set", "PATH=VALUE", "override one parameter, e.g. --set run.months=24"},
    {"quiet", "", "no progress bar or summary on the terminal"},
    {"microdata", "", "also write panel.csv (one row per household and panel month)"},
    {"markdown", "", "print the table as Markdown (docs/parameters.md)"},
    {"households", "N", "households to simulate (bench)"},
    {"trials", "N", "virtual trials (default 1000; 1 prints the trial's results table)"},
    {"sweep", "PATH=V1,V2", "design grid: run the trials at each value (design.csv)"},
    {"months", "N", "months to simulate (bench)"},
    {"repeat", "N", "time the step loop N times, 1 to 50, and report medians (bench)"},
    {"targets", "FILE", "calibration targets (id,kind,metric,group,time,value,se,source)"},
    {"draws", "K", "also write K posterior draws as parameter_draws (calibrated-draws.cfg)"},
    {"resume", "", "continue from the checkpoint beside the output directory (calibrate)"},
};

static const struct command *find_command(const char *name)
{
    for (int k = 0; k < N_COMMANDS; k++)
        if (strcmp(commands[k].name, name) == 0)
            return &commands[k];
    return NULL;
}

static void print_usage(FILE *f)
{
    fprintf(f, "arv %s: microsimulation of low-income families under family follow-up\n\n"
               "usage:\n", ARV_VERSION);
    for (int k = 0; k < N_COMMANDS; k++)
        fprintf(f, "  %-9s %s\n", commands[k].name, commands[k].summary);
    fprintf(f, "\n  arv --version\n  arv help COMMAND   options of one command (or: arv COMMAND --help)\n");
}

static int cmd_help(struct opts *o, const struct arv_registry *reg, int argc, char **argv)
{
    if (o->n_files == 0) {
        print_usage(stdout);
        return 0;
    }
    const struct command *c = find_command(o->files[0]);
    if (c == NULL)
        return arv__cli_fail("help: unknown command '%s'", o->files[0]);
    printf("%s\n\n%s\n", c->usage, c->summary);
    if (c->options[0])
        printf("\noptions:\n");
    for (size_t k = 0; k < sizeof option_help / sizeof option_help[0]; k++) {
        const char *opt = option_help[k][0];
        const char *hit = strstr(c->options, opt);
        size_t n = strlen(opt);
        if (hit && (hit == c->options || hit[-1] == ' ') && (hit[n] == ' ' || hit[n] == '\0'))
        {
            bool file = strcmp(c->name, "synth") == 0 && strcmp(opt, "out") == 0;
            printf("  --%-11s %-11s %s\n", opt, file ? "FILE" : option_help[k][1],
                   file ? "the household CSV to write" : option_help[k][2]);
        }
    }
    return 0;
}

/* Is name among the space-separated words of list? */
static bool has_word(const char *list, const char *name, size_t n)
{
    for (const char *c = list; *c;) {
        size_t len = strcspn(c, " ");
        if (len == n && strncmp(c, name, n) == 0)
            return true;
        c += len;
        c += *c == ' ';
    }
    return false;
}

static int parse_options(const struct command *c, int argc, char **argv, int first,
                         struct opts *o)
{
    static const char *const flags[] = {"quiet", "microdata", "markdown", "resume"};
    for (int k = first; k < argc; k++) {
        const char *a = argv[k];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (a[0] == '-' && a[1] != '\0')
                return arv__cli_fail("%s: unknown option '%s' (options start with --)", c->name, a);
            if (o->n_files == MAX_FILES)
                return arv__cli_fail("%s: too many files", c->name);
            o->files[o->n_files++] = a;
            continue;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        if (!has_word(c->options, name, n)) {
            char opt[64];
            snprintf(opt, sizeof opt, "%.*s", (int)(n < 60 ? n : 60), name);
            return arv__cli_fail("%s: unknown option '--%s' (see 'arv help %s')", c->name, opt, c->name);
        }
        bool is_flag = false;
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++)
            is_flag |= strlen(flags[f]) == n && strncmp(flags[f], name, n) == 0;
        if (is_flag) {
            if (eq)
                return arv__cli_fail("%s: option '--%.*s' takes no value", c->name, (int)n, name);
            o->quiet |= strncmp(name, "quiet", n) == 0;
            o->microdata |= strncmp(name, "microdata", n) == 0;
            o->markdown |= strncmp(name, "markdown", n) == 0;
            o->resume |= strncmp(name, "resume", n) == 0;
            continue;
        }
        const char *value = eq ? eq + 1 : (k + 1 < argc ? argv[++k] : NULL);
        if (value == NULL)
            return arv__cli_fail("%s: option '--%.*s' needs a value", c->name, (int)n, name);
#define OPT(str, field)                                                                          \
    if (n == strlen(str) && strncmp(name, str, n) == 0)                                          \
        o->field = value;
        OPT("out", out)
        OPT("seed", seed)
        OPT("reps", reps)
        OPT("threads", threads)
        OPT("households", households)
        OPT("months", months)
        OPT("repeat", repeat)
        OPT("targets", targets)
        OPT("draws", draws)
        OPT("trials", trials)
#undef OPT
        if (n == 5 && strncmp(name, "sweep", 5) == 0) {
            if (o->n_sweeps == MAX_SWEEPS)
                return arv__cli_fail("%s: at most %d --sweep options", c->name, MAX_SWEEPS);
            o->sweeps[o->n_sweeps++] = value;
        }
        if (n == 3 && strncmp(name, "set", 3) == 0) {
            if (o->n_sets == MAX_SETS)
                return arv__cli_fail("%s: too many --set options", c->name);
            o->sets[o->n_sets++] = value;
        }
    }
    if (o->n_files < c->min_files)
        return arv__cli_fail("%s: missing %s (see 'arv help %s')", c->name,
                    c->min_files == 1 ? "scenario file" : "argument", c->name);
    if (o->n_files > c->max_files)
        return arv__cli_fail("%s: unexpected argument '%s'", c->name, o->files[c->max_files]);
    return 0;
}

static int cli_main(int argc, char **argv, const struct arv_registry *reg);

int arv_cli_main(int argc, char **argv, const struct arv_registry *reg)
{
    arv_mpi_init(&argc, &argv);
    int status = cli_main(argc, argv, reg);
    /* what was printed must have reached standard output (a full disk, a
     * closed pipe): the results' files are written and checked on their own */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        arv__cli_fail("standard output: write failed");
        if (status == 0)
            status = 1;
    }
    arv_mpi_finalize();
    return status;
}

static int cli_main(int argc, char **argv, const struct arv_registry *reg)
{
    if (argc < 2) {
        arv__cli_fail("missing command (try 'arv help')");
        return 2;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("arv %s\n", ARV_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_usage(stdout);
        return 0;
    }
    const struct command *c = find_command(argv[1]);
    if (c == NULL) {
        arv__cli_fail("unknown command '%.60s' (try 'arv help')", argv[1]);
        return 2;
    }
    /* `run`, `compare`, `trial` and `calibrate` are shared between MPI ranks; the rest
     * is done once */
    if (arv_mpi_rank() != 0 && c->run != cmd_run && c->run != cmd_compare &&
        c->run != arv__cli_trial && c->run != cmd_calibrate)
        return 0;
    struct opts o = {.cmd = c->name};
    /* `arv COMMAND --help` (or -h), anywhere after the command: its help */
    for (int k = 2; k < argc; k++)
        if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
            if (arv_mpi_rank() != 0)
                return 0; /* said once, by rank 0 */
            o.files[o.n_files++] = c->name;
            return cmd_help(&o, reg, argc, argv);
        }
    if (parse_options(c, argc, argv, 2, &o))
        return 2;
    return c->run(&o, reg, argc, argv);
}
