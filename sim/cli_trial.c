/*
 * arv trial: the command line of the virtual trial (analysis/trial.c):
 * design sweeps, outputs and the manifest.
 */
#define _GNU_SOURCE
#include "cli_internal.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "arv/mpi.h"
#include "arv/trial.h"

/* ---- trial ---------------------------------------------------------------- */

struct trial_ctx {
    struct progress progress;
    int k, n; /* design point being run, of n */
};

static void on_trial_progress(void *ctx, double fraction)
{
    struct trial_ctx *tc = ctx;
    arv__cli_progress_draw(&tc->progress, (tc->k + fraction) / tc->n);
}

static int write_trial_manifest(const struct arv_outdir *od, const struct arv_params *p,
                                int argc, char **argv, int trials, int designs, int threads,
                                int ranks, double wall, struct arv_error *err)
{
    json_t *root = arv__cli_manifest_begin(p, argc, argv);
    char sha[65];
    arv_params_sha256(p, sha);
    json_object_set_new(root, "params_sha256", json_string(sha));
    json_object_set_new(root, "seed", json_integer(arv_params_int(p, "run.seed")));
    json_object_set_new(root, "trials", json_integer(trials));
    json_object_set_new(root, "designs", json_integer(designs));
    json_object_set_new(root, "households", json_integer(arv_params_int(p, "population.households")));
    json_object_set_new(root, "threads", json_integer(threads));
    json_object_set_new(root, "mpi_ranks", json_integer(ranks));
    json_object_set_new(root, "wall_seconds", json_real(wall));
    return arv__cli_manifest_write(od, root, err);
}

/* A design grid from --sweep PATH=V1,V2,...: the paths and their values. */
struct sweep {
    char path[MAX_SWEEPS][128];
    char *values[MAX_SWEEPS][64];
    int n_values[MAX_SWEEPS];
    int n;
    char *text[MAX_SWEEPS];
};

static int parse_sweeps(const struct opts *o, struct sweep *sw)
{
    memset(sw, 0, sizeof *sw);
    for (int k = 0; k < o->n_sweeps; k++) {
        const char *eq = strchr(o->sweeps[k], '=');
        if (eq == NULL || eq == o->sweeps[k] || eq[1] == '\0' || eq - o->sweeps[k] >= 128)
            return arv__cli_fail("trial: --sweep %s: expects PATH=V1,V2,...", o->sweeps[k]);
        snprintf(sw->path[k], sizeof sw->path[k], "%.*s", (int)(eq - o->sweeps[k]),
                 o->sweeps[k]);
        sw->text[k] = strdup(eq + 1);
        sw->n++;
        for (char *v = strtok(sw->text[k], ","); v; v = strtok(NULL, ",")) {
            if (sw->n_values[k] == 64)
                return arv__cli_fail("trial: --sweep %s: at most 64 values", sw->path[k]);
            sw->values[k][sw->n_values[k]++] = v;
        }
        if (sw->n_values[k] == 0)
            return arv__cli_fail("trial: --sweep %s: expects PATH=V1,V2,...", o->sweeps[k]);
    }
    return 0;
}

static void sweep_free(struct sweep *sw)
{
    for (int k = 0; k < sw->n; k++)
        free(sw->text[k]);
}

/* Checks the swept paths against p: each known and swept once (an alias
 * counts as its path), then names each by its path, as resolved.cfg does;
 * reports and returns false if not. */
static bool sweep_paths(const struct arv_params *p, struct sweep *sw, bool lead)
{
    for (int k = 0; k < sw->n; k++) {
        long i = arv_params_find(p, sw->path[k]);
        if (i < 0) {
            const char *near = arv_params_suggest(p, sw->path[k]);
            if (lead)
                arv__cli_fail("--sweep: unknown parameter '%s'%s%s%s", sw->path[k],
                              near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            return false;
        }
        for (int j = 0; j < k; j++)
            if (arv_params_find(p, sw->path[j]) == i) {
                bool other = strcmp(sw->path[j], sw->path[k]) != 0; /* an alias */
                if (lead)
                    arv__cli_fail("--sweep: '%s' is swept twice%s%s%s", sw->path[k],
                                  other ? " (as '" : "", other ? sw->path[j] : "", other ? "')" : "");
                return false;
            }
    }
    for (int k = 0; k < sw->n; k++) {
        const char *path = p->defs[arv_params_find(p, sw->path[k])]->path;
        assert(strlen(path) < sizeof sw->path[k]);
        snprintf(sw->path[k], sizeof sw->path[k], "%s", path);
    }
    return true;
}

/* Parameters of design point `point` (mixed radix over the sweep values,
 * the last path fastest); NULL after reporting on failure. The first point
 * checks the swept paths (sweep_paths). */
static struct arv_params *design_params(const struct arv_registry *reg, const struct opts *o,
                                        struct sweep *sw, int point, int *index, bool lead)
{
    struct arv_error err;
    arv_error_init(&err);
    struct arv_params *p = arv__cli_load_params(reg, o, o->files[0], &err);
    if (p && point == 0 && !sweep_paths(p, sw, lead)) {
        arv_params_free(p);
        return NULL;
    }
    for (int k = sw->n - 1; p && k >= 0; k--) {
        index[k] = point % sw->n_values[k];
        point /= sw->n_values[k];
        struct arv_param_origin origin = {"--sweep", 0};
        if (arv_params_set_value(p, sw->path[k], sw->values[k][index[k]], origin, &err) != ARV_OK)
            break;
    }
    if (p && err.status == ARV_OK && arv_trial_derive(p, &err) == ARV_OK)
        return p;
    if (lead)
        arv__cli_fail("%s", err.msg);
    arv_params_free(p);
    return NULL;
}

static int write_design_header(const struct sweep *sw, FILE *f)
{
    fputs("design", f);
    for (int k = 0; k < sw->n; k++)
        fprintf(f, ",%s", sw->path[k]);
    fputs(",offices,families,outcome,estimator,true_effect,trials,rejection_rate,ci_coverage,"
          "mean_estimate,mean_se,icc,mde\n",
          f);
    return 0;
}

static void write_design_rows(const struct sweep *sw, const int *index, int point,
                              const struct arv_trial_results *r, FILE *f)
{
    int G = r->holf_offices + r->coordinator_offices;
    for (int oc = 0; oc < ARV_TRIAL_N_OUTCOMES; oc++)
        for (int m = 0; m < ARV_EST_N; m++) {
            struct arv_trial_power pw;
            arv_trial_power(r, oc, (enum arv_est_method)m, &pw);
            fprintf(f, "%d", point);
            for (int k = 0; k < sw->n; k++)
                fprintf(f, ",%s", sw->values[k][index[k]]);
            fprintf(f, ",%d,", G);
            arv_csv_number(f, r->families_mean);
            fprintf(f, ",%s,%s,", arv_trial_outcome_name(oc),
                    arv_est_name((enum arv_est_method)m));
            arv_csv_number(f, pw.true_effect);
            fprintf(f, ",%d", pw.trials);
            double v[] = {pw.rejection_rate, pw.ci_coverage, pw.mean_estimate, pw.mean_se,
                          pw.icc, arv_trial_mde(pw.mean_se, G)};
            for (size_t j = 0; j < 6; j++) {
                fputc(',', f);
                arv_csv_number(f, v[j]);
            }
            fputc('\n', f);
        }
}

/* One line per design point: its values, size and the cr2 power of each
 * outcome (the header before the first). */
static void print_design_line(const struct sweep *sw, const int *index, int point,
                              const struct arv_trial_results *r)
{
    if (point == 0) {
        printf("power of cr2 (rejection rate at 5%%) per design; every estimator and the "
               "minimum detectable effect are in design.csv\n\n ");
        for (int k = 0; k < sw->n; k++)
            printf(" %*s", (int)(strlen(sw->path[k]) > 8 ? strlen(sw->path[k]) : 8),
                   sw->path[k]);
        printf(" %8s %8s", "offices", "families");
        for (int oc = 0; oc < ARV_TRIAL_N_OUTCOMES; oc++)
            printf(" %16s", arv_trial_outcome_name(oc));
        printf("\n");
    }
    printf(" ");
    for (int k = 0; k < sw->n; k++)
        printf(" %*s", (int)(strlen(sw->path[k]) > 8 ? strlen(sw->path[k]) : 8),
               sw->values[k][index[k]]);
    printf(" %8d %8.0f", r->holf_offices + r->coordinator_offices, r->families_mean);
    for (int oc = 0; oc < ARV_TRIAL_N_OUTCOMES; oc++) {
        struct arv_trial_power pw;
        arv_trial_power(r, oc, ARV_EST_CR2, &pw);
        printf(" %16.3f", pw.rejection_rate);
    }
    printf("\n");
    fflush(stdout);
}

int arv__cli_trial(struct opts *o, const struct arv_registry *reg, int argc, char **argv)
{
    struct arv_error err;
    arv_error_init(&err);
    int threads, rank = arv_mpi_rank(), size = arv_mpi_size();
    bool lead = rank == 0;
    long long trials = 1000;
    /* every rank parses the same command line and fails alike; rank 0 speaks */
    if (!lead)
        freopen("/dev/null", "w", stderr);
    if (arv__cli_set_threads(o, &threads))
        return 1;
    if (o->trials && arv__cli_option_int("--trials", o->trials, 1, 10000000, &trials))
        return 1;
    struct sweep sw;
    if (parse_sweeps(o, &sw)) {
        sweep_free(&sw);
        return 1;
    }
    int points = 1, status = 1;
    for (int k = 0; k < sw.n; k++)
        points *= sw.n_values[k];
    int index[MAX_SWEEPS] = {0};
    /* the first design point (or the scenario) checks every input before
     * anything is written */
    struct arv_params *p = design_params(reg, o, &sw, 0, index, lead);
    if (p == NULL) {
        sweep_free(&sw);
        return 1;
    }
    char name[256], out[4096];
    arv__cli_scenario_name(p, o->files[0], name, sizeof name);
    struct arv_param_origin named = {"scenario file name", 0};
    if (!arv_params_str(p, "run.name")[0])
        arv_params_set_value(p, "run.name", name, named, &err);
    if (o->out)
        snprintf(out, sizeof out, "%s", o->out);
    else
        snprintf(out, sizeof out, "out/trial-%s", name);
    struct trial_ctx tc = {{lead && isatty(2) && !o->quiet, -1, arv__cli_now_seconds()}, 0, points};
    struct arv_outdir od;
    memset(&od, 0, sizeof od);
    bool begun = false;
    FILE *design = NULL;
    struct arv_trial_results *r = NULL;
    double t0 = arv__cli_now_seconds();
    for (int k = 0; k < points; k++) {
        tc.k = k;
        struct arv_params *pk = k == 0 ? p : design_params(reg, o, &sw, k, index, lead);
        if (pk == NULL)
            goto release;
        if (k > 0)
            arv_trial_results_free(r);
        r = arv_trial_run_ranks(reg, pk, (int)trials, threads, rank, size, on_trial_progress,
                                &tc, &err);
        if (k > 0)
            arv_params_free(pk);
        if (r == NULL) {
            arv__cli_progress_end(&tc.progress);
            arv__cli_fail("%s", err.msg);
            goto release;
        }
        if (!begun && k == 0) {
            int ok = !lead || arv_outdir_begin(&od, out, &err) == ARV_OK;
            arv_mpi_bcast(&ok, sizeof ok);
            if (!ok) {
                arv__cli_progress_end(&tc.progress);
                if (lead)
                    arv__cli_fail("%s", err.msg);
                goto release;
            }
            begun = lead;
        }
        if (!lead)
            continue; /* the other ranks only simulate */
        /* a failure to write is reported after the loop, so that the
         * other MPI ranks are not left waiting in the next design point */
        if (k == 0 && sw.n > 0 && (design = arv_outdir_open(&od, "design.csv", &err)) != NULL)
            write_design_header(&sw, design);
        if (design)
            write_design_rows(&sw, index, k, r, design);
        if (sw.n > 0 && !o->quiet)
            print_design_line(&sw, index, k, r);
    }
    double wall = arv__cli_now_seconds() - t0;
    arv__cli_progress_end(&tc.progress);
    if (!lead) {
        status = 0;
        goto release;
    }
    if (sw.n > 0 && design == NULL)
        goto write_failed;
    if (design) {
        FILE *f = design;
        design = NULL;
        if (arv_outdir_close(&od, f, "design.csv", &err) != ARV_OK)
            goto write_failed;
    }
    static const struct {
        const char *file;
        int (*fn)(const struct arv_trial_results *, FILE *);
    } files[] = {{"power.csv", arv_trial_write_power},
                 {"trials.csv", arv_trial_write_trials},
                 {"icc.csv", arv_trial_write_icc}};
    /* with a sweep, power.csv, trials.csv and icc.csv are not written:
     * design.csv has every design point */
    for (size_t j = 0; sw.n == 0 && j < 3; j++) {
        FILE *f = arv_outdir_open(&od, files[j].file, &err);
        if (f == NULL)
            goto write_failed;
        files[j].fn(r, f);
        if (arv_outdir_close(&od, f, files[j].file, &err) != ARV_OK)
            goto write_failed;
    }
    FILE *f = arv_outdir_open(&od, "resolved.cfg", &err);
    if (f == NULL)
        goto write_failed;
    fprintf(f, "# Every parameter as used by this run (arv %s).\n"
               "# `arv trial resolved.cfg` with the same --trials reproduces it exactly.\n",
            ARV_VERSION);
    arv_params_write_cfg(p, f);
    if (arv_outdir_close(&od, f, "resolved.cfg", &err) != ARV_OK ||
        write_trial_manifest(&od, p, argc, argv, (int)trials, points, threads, size, wall,
                             &err) !=
            ARV_OK ||
        arv_outdir_commit(&od, &err) != ARV_OK)
        goto write_failed;
    begun = false;
    if (!o->quiet) {
        if (sw.n > 0) {
            printf("\n%d designs x %lld virtual trials in %.1f s -> %s/design.csv\n", points,
                   trials, wall, od.final);
        } else {
            if (trials == 1)
                arv_trial_print_table(r, stdout);
            else
                arv_trial_print_power(r, stdout);
            printf("\n%lld trial%s in %.1f s -> %s/\n", trials, trials == 1 ? "" : "s", wall,
                   od.final);
        }
    }
    status = 0;
    goto release;
write_failed:
    arv__cli_fail("%s", err.msg);
release:
    if (design)
        fclose(design);
    if (begun)
        arv_outdir_abort(&od);
    arv_trial_results_free(r);
    arv_params_free(p);
    sweep_free(&sw);
    return status;
}
