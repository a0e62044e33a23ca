/*
 * Calibration runs that must be exact: the posterior does not depend on the
 * number of threads or the batch size; a run interrupted after a generation
 * and resumed from its checkpoint writes byte-identical posterior.csv and
 * generations.csv; a checkpoint of other settings or targets is refused;
 * the output writers' formats.
 */
#include "testing.h"

#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arv/cli.h"
#include "arv/output.h"
#include "arv/params.h"
#include "arv/world.h"
#include "calibration_toys.h"

struct fixture {
    struct toy_normal toy;
    struct arv_prior priors[2];
    struct arv_target target[3];
    struct arv_targets targets;
    struct arv_calib_problem pb;
    struct arv_calib_settings s;
};

static void setup_fixture(struct fixture *f)
{
    f->toy.s = 0.3;
    f->priors[0] = toy_prior("work.beta.somalia", ARV_PRIOR_NORMAL, 0, 1);
    f->priors[1] = toy_prior("work.beta.poland", ARV_PRIOR_UNIFORM, -2, 2);
    f->target[0] = toy_target("sum", 1.0, 0.3);
    f->target[1] = toy_target("diff", 0.2, 0.3);
    f->targets = (struct arv_targets){f->target, 2};
    f->pb = (struct arv_calib_problem){f->priors, 2, &f->targets, toy_sum_diff_simulate, &f->toy,
                                       true};
    arv_calib_settings_default(&f->s);
    f->s.particles = 200;
    f->s.generations = 5;
    f->s.seed = 77;
    f->s.threads = 1;
}

/* posterior.csv and generations.csv of r, as one string (caller frees). */
static char *outputs(const struct fixture *f, const struct arv_calib_result *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(arv_calib_write_posterior(m, &f->pb, r), ARV_OK);
    assert_int_equal(arv_calib_write_generations(m, r), ARV_OK);
    fclose(m);
    return buf;
}

static char *run_outputs(struct fixture *f)
{
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    if (arv_calib_run(&f->pb, &f->s, &r, &err) != ARV_OK)
        fail_msg("%s", err.msg);
    char *out = outputs(f, &r);
    arv_calib_result_free(&r);
    return out;
}

static void test_threads_and_batches(void **state)
{
    struct fixture f;
    setup_fixture(&f);
    char *one = run_outputs(&f);
    f.s.threads = 2;
    f.s.batch = 23;
    char *two = run_outputs(&f);
    f.s.batch = 1000;
    char *big = run_outputs(&f);
    assert_string_equal(one, two);
    assert_string_equal(one, big);
    /* and a different seed gives a different posterior */
    f.s.seed = 78;
    char *other = run_outputs(&f);
    assert_string_not_equal(one, other);
    free(one);
    free(two);
    free(big);
    free(other);
}

static void test_rejection_threads(void **state)
{
    struct fixture f;
    setup_fixture(&f);
    f.s.method = ARV_CALIB_REJECTION;
    f.s.budget = 3000;
    char *one = run_outputs(&f);
    f.s.threads = 2;
    f.s.batch = 13;
    char *two = run_outputs(&f);
    assert_string_equal(one, two);
    free(one);
    free(two);
}

/* The model fails after `limit` calls, as a killed run would stop. */
struct failing {
    struct toy_normal toy;
    long calls, limit;
};

static int failing_simulate(void *ctx, const double *theta, uint32_t sim_seed,
                            struct arv_calib_sim *out, struct arv_error *err)
{
    struct failing *fl = ctx;
    if (++fl->calls > fl->limit)
        return arv_error_set(err, ARV_EIO, "interrupted");
    return toy_sum_diff_simulate(&fl->toy, theta, sim_seed, out, err);
}

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    strcpy(tmpdir, "/tmp/arv-calib-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_resume(void **state)
{
    struct fixture f;
    setup_fixture(&f);
    char full[128], part[128];
    snprintf(full, sizeof full, "%s/full.ckpt", tmpdir);
    snprintf(part, sizeof part, "%s/part.ckpt", tmpdir);
    f.s.checkpoint = full;
    char *expected = run_outputs(&f);

    /* stopped during generation 3, after generations 0-2 were checkpointed */
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    struct fixture g = f;
    struct failing fl = {f.toy, 0, LONG_MAX};
    g.pb.simulate = failing_simulate;
    g.pb.ctx = &fl;
    g.pb.thread_safe = false;
    g.s.checkpoint = part;
    g.s.generations = 3;
    assert_int_equal(arv_calib_run(&g.pb, &g.s, &r, &err), ARV_OK); /* to learn the count */
    fl.limit = fl.calls + 100;
    arv_calib_result_free(&r);
    fl.calls = 0;
    g.s.generations = 5;
    assert_int_equal(arv_calib_run(&g.pb, &g.s, &r, &err), ARV_EIO);
    assert_string_equal(err.msg, "interrupted");

    /* resumed: identical outputs */
    arv_error_init(&err);
    g.pb.simulate = toy_sum_diff_simulate;
    g.pb.ctx = &g.toy;
    g.s.resume = true;
    g.s.threads = 2;
    g.s.batch = 11;
    assert_int_equal(arv_calib_run(&g.pb, &g.s, &r, &err), ARV_OK);
    char *resumed = outputs(&f, &r);
    arv_calib_result_free(&r);
    assert_string_equal(expected, resumed);
    free(resumed);

    /* resumed twice in a row from a finished run: nothing more to do */
    f.s.resume = true;
    char *again = run_outputs(&f);
    assert_string_equal(expected, again);
    free(again);
    /* ... unless more generations are asked for */
    f.s.generations = 6;
    char *longer = run_outputs(&f);
    assert_true(strlen(longer) > 0 && strcmp(longer, expected) != 0);
    free(longer);
    free(expected);
}

static void expect_refused(struct fixture *f, const char *file)
{
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    f->s.checkpoint = file;
    f->s.resume = true;
    assert_int_equal(arv_calib_run(&f->pb, &f->s, &r, &err), ARV_EINVAL);
    if (strstr(err.msg, "refusing to resume") == NULL || strstr(err.msg, file) == NULL)
        fail_msg("unexpected message: %s", err.msg);
}

static void test_refuse_other_settings(void **state)
{
    struct fixture f;
    setup_fixture(&f);
    char file[128];
    snprintf(file, sizeof file, "%s/refuse.ckpt", tmpdir);
    f.s.checkpoint = file;
    f.s.generations = 2;
    free(run_outputs(&f));

    struct fixture g = f;
    g.s.quantile = 0.4;
    expect_refused(&g, file);
    g = f;
    g.s.seed = 1;
    expect_refused(&g, file);
    g = f;
    g.s.model_fingerprint = 12345; /* another scenario */
    expect_refused(&g, file);
    g = f;
    g.target[1].value = 0.25; /* other targets */
    g.targets.t = g.target;
    g.pb.targets = &g.targets;
    expect_refused(&g, file);
    g = f;
    g.priors[1].b = 3; /* other priors */
    g.priors[1].upper = 3;
    g.pb.priors = g.priors;
    expect_refused(&g, file);

    /* a file that is not a checkpoint */
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    g = f;
    g.s.checkpoint = FIXTURE("calibration/targets_good.csv");
    g.s.resume = true;
    assert_int_equal(arv_calib_run(&g.pb, &g.s, &r, &err), ARV_EINVAL);
    assert_non_null(strstr(err.msg, "not a calibration checkpoint"));
}

static void assert_starts_with(const char *s, const char *prefix)
{
    if (strncmp(s, prefix, strlen(prefix)) != 0)
        fail_msg("'%.200s' does not start with '%s'", s, prefix);
}

static char *slurp(const char *file)
{
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_writers(void **state)
{
    struct fixture f;
    setup_fixture(&f);
    f.s.generations = 2;
    f.s.particles = 50;
    struct arv_calib_result r;
    struct arv_calib_predictive pred;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &f.s, &r, &err), ARV_OK);
    assert_int_equal(arv_calib_predict(&f.pb, &f.s, &r, &pred, &err), ARV_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    arv_calib_write_fit(m, &f.pb, &f.s, &r, &pred);
    fclose(m);
    assert_starts_with(buf, "id,metric,group,time,observed,se,simulated_mean,lo,hi,z,ppp\n"
                            "sum,m,all,,1,0.29999999999999999,");
    int lines = 0;
    for (char *c = buf; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, 3);
    free(buf);

    m = open_memstream(&buf, &len);
    arv_calib_write_posterior(m, &f.pb, &r);
    arv_calib_write_generations(m, &r);
    fclose(m);
    assert_starts_with(buf, "particle,weight,work.beta.somalia,work.beta.poland\n0,");
    assert_non_null(strstr(buf, "generation,tolerance,ess,simulations,acceptance_rate\n"
                                "0,inf,50,50,1\n1,"));
    free(buf);

    /* the snippet: nested groups from dotted paths, in first-seen order */
    struct arv_prior p[4] = {toy_prior("work.beta.somalia", ARV_PRIOR_NORMAL, 0, 1),
                             toy_prior("income.tax", ARV_PRIOR_NORMAL, 0, 1),
                             toy_prior("work.beta.poland", ARV_PRIOR_NORMAL, 0, 1),
                             toy_prior("work.scale", ARV_PRIOR_NORMAL, 0, 1)};
    double v[4] = {-1.6, 0.25, 2, -0.125};
    m = open_memstream(&buf, &len);
    arv_calib_write_snippet(m, "baseline.cfg", p, 4, v);
    fclose(m);
    assert_string_equal(buf, "# Calibrated parameters (posterior summary) over baseline.cfg\n"
                             "@include \"baseline.cfg\"\n\n"
                             "work: {\n"
                             "  beta: {\n"
                             "    somalia = -1.6000000000000001;\n"
                             "    poland = 2.0;\n"
                             "  };\n"
                             "  scale = -0.125;\n"
                             "};\n"
                             "income: {\n"
                             "  tax = 0.25;\n"
                             "};\n");
    free(buf);

    /* files: the tables, the posterior mean and K draws (written in place:
     * the output directory's temporary and final names are both tmpdir) */
    struct arv_outdir od = {0};
    snprintf(od.tmp, sizeof od.tmp, "%s", tmpdir);
    snprintf(od.final, sizeof od.final, "%s", tmpdir);
    assert_int_equal(arv_calib_write_all(&od, "scenario.cfg", &f.pb, &f.s, &r, &pred, 2, &err),
                     ARV_OK);
    char file[160];
    snprintf(file, sizeof file, "%s/posterior.csv", tmpdir);
    assert_starts_with(slurp(file), "particle,weight,work.beta.somalia,work.beta.poland\n0,");
    snprintf(file, sizeof file, "%s/generations.csv", tmpdir);
    assert_starts_with(slurp(file), "generation,tolerance,ess,simulations,acceptance_rate\n");
    snprintf(file, sizeof file, "%s/fit.csv", tmpdir);
    assert_starts_with(slurp(file), "id,metric,group,time,observed,se,simulated_mean,lo,hi,z,ppp\n");
    snprintf(file, sizeof file, "%s/calibrated.cfg", tmpdir);
    assert_non_null(strstr(slurp(file), "@include \"scenario.cfg\"\n\nwork: {\n  beta: {\n"));
    /* the draws: one parameter_draws group of two rows of two values */
    snprintf(file, sizeof file, "%s/calibrated-draws.cfg", tmpdir);
    const char *d = slurp(file);
    assert_non_null(strstr(d, "@include \"scenario.cfg\"\n\nparameter_draws: {\n"
                              "  paths = [ \"work.beta.somalia\", \"work.beta.poland\" ];\n"
                              "  values = (\n    [ "));
    const char *rows = strstr(d, "values = (\n");
    int brackets = 0;
    for (const char *c = rows; *c; c++)
        brackets += *c == '[';
    assert_int_equal(brackets, 2);
    /* paths that are not libconfig names, or both a value and a group */
    struct fixture g = f;
    g.pb.priors = g.priors;
    strcpy(g.priors[1].path, "work..poland");
    assert_int_equal(arv_calib_write_snippets(&od, "s.cfg", &g.pb, &g.s, &r, 0, &err),
                     ARV_EINVAL);
    assert_non_null(strstr(err.msg, "'work..poland' is not a parameter path"));
    strcpy(g.priors[1].path, "work.beta.somalia.x");
    arv_error_init(&err);
    assert_int_equal(arv_calib_write_snippets(&od, "s.cfg", &g.pb, &g.s, &r, 0, &err),
                     ARV_EINVAL);
    assert_string_equal(err.msg, "calibration: work.beta.somalia is both a parameter and a "
                                 "group (work.beta.somalia.x)");
    /* a full disk (each file a link to /dev/full): the failed write names
     * the file in the directory the user asked for, not the temporary one */
    char full[96];
    snprintf(full, sizeof full, "%s/full", tmpdir);
    assert_int_equal(mkdir(full, 0700), 0);
    const char *const names[] = {"posterior.csv", "calibrated.cfg"};
    for (int k = 0; k < 2; k++) {
        snprintf(file, sizeof file, "%s/%s", full, names[k]);
        assert_int_equal(symlink("/dev/full", file), 0);
    }
    struct arv_outdir od_full = {0};
    snprintf(od_full.tmp, sizeof od_full.tmp, "%s", full);
    snprintf(od_full.final, sizeof od_full.final, "res");
    arv_error_init(&err);
    assert_int_equal(arv_calib_write_all(&od_full, "scenario.cfg", &f.pb, &f.s, &r, &pred, 0, &err),
                     ARV_EIO);
    assert_string_equal(err.msg, "res/posterior.csv: write failed (disk full?)");
    arv_error_init(&err);
    assert_int_equal(arv_calib_write_snippets(&od_full, "s.cfg", &f.pb, &f.s, &r, 0, &err),
                     ARV_EIO);
    assert_string_equal(err.msg, "res/calibrated.cfg: write failed (disk full?)");
    arv_calib_predictive_free(&pred);
    arv_calib_result_free(&r);
}

/* A snippet over a shipped scenario loads with the scenario loader and sets
 * the calibrated values (nested groups override the included file). */
static void test_snippet_loads(void **state)
{
    struct arv_prior p[2] = {toy_prior("work.beta.somalia", ARV_PRIOR_NORMAL, 0, 1),
                             toy_prior("young_adults.sa.age20", ARV_PRIOR_NORMAL, 0, 1)};
    double v[2] = {-1.25, -3.0};
    char file[160];
    snprintf(file, sizeof file, "%s/snippet.cfg", tmpdir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    arv_calib_write_snippet(f, ARV_FIXTURES "/../../scenarios/baseline.cfg", p, 2, v);
    fclose(f);
    struct arv_params *params = arv_registry_params(&arv_registry_default);
    struct arv_error err;
    arv_error_init(&err);
    if (arv_params_load(params, file, &err) != ARV_OK)
        fail_msg("%s", err.msg);
    assert_near(arv_params_double(params, "work.beta.somalia"), -1.25, 0);
    assert_near(arv_params_double(params, "young_adults.sa.age20"), -3.0, 0);
    arv_params_free(params);
}

/* Empty se needs the discrepancy term; trial_null needs a p-value. */
static void test_checks(void **state)
{
    struct fixture f;
    setup_fixture(&f);
    f.target[1].se = 0;
    f.target[1].se_missing = true;
    struct arv_calib_result r;
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &f.s, &r, &err), ARV_EINVAL);
    assert_string_equal(err.msg, "target diff (line 2): se is empty and the discrepancy term is "
                                 "0 (set calibration.discrepancy, or give an se)");
    f.s.discrepancy = 0.5;
    f.s.generations = 1;
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &f.s, &r, &err), ARV_OK);
    arv_calib_result_free(&r);

    f.target[1].kind = ARV_TARGET_TRIAL_NULL; /* the toy returns no p-value */
    arv_error_init(&err);
    assert_int_equal(arv_calib_run(&f.pb, &f.s, &r, &err), ARV_EINVAL);
    assert_non_null(strstr(err.msg, "target diff (trial_null): the model returned no p-value"));
}

/* The distance: standardised residuals, Monte Carlo variance and the
 * discrepancy in the scale, trial_null penalised only when significant. */
static void test_distance(void **state)
{
    struct arv_target t[3] = {toy_target("a", 10, 3), toy_target("b", 2, 0),
                              toy_target("c", 0, 0)};
    t[1].se_missing = true;
    t[2].kind = ARV_TARGET_TRIAL_NULL;
    struct arv_targets ts = {t, 3};
    double stat[3] = {14, 2.5, 0.3}, var[3] = {16, 0, 0.01}, p[3] = {NAN, NAN, 0.2};
    struct arv_calib_sim sim = {stat, var, p};
    /* a: 4 / sqrt(9 + 1 + 16) with discrepancy 0.1 x 10 = 1; b: 0.5 / 0.2 */
    double za = 4 / sqrt(26.0), zb = 0.5 / 0.2;
    assert_near(arv_calib_distance(&ts, 0.1, &sim), sqrt(za * za + zb * zb), 1e-14);
    p[2] = 0.01; /* |z| = 2.5758: beyond 1.96 by 0.6158 */
    double zc = 2.5758293035489004 - 1.959963984540054;
    assert_near(arv_calib_distance(&ts, 0.1, &sim), sqrt(za * za + zb * zb + zc * zc), 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_and_batches),
        cmocka_unit_test(test_rejection_threads),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_refuse_other_settings),
        cmocka_unit_test(test_writers),
        cmocka_unit_test(test_snippet_loads),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_distance),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
