/*
 * The virtual trial (arv trial, docs/trial.md):
 * - the arm swap: a run restored from the month-0 snapshot with the arms
 *   swapped equals a fresh run with trial.swap_arms, household by household;
 * - the compacted follow: the followed families simulated alone from month 0
 *   end in exactly the state they reach in the whole pool (every array, and
 *   the offices' caseloads), under both arms; households started in parts
 *   (some dropped after the population's start) and merged are those of
 *   the whole pool at month 0; so are those of a deferred burn-in
 *   (children replayed at its end); the households dropped as unable to be
 *   eligible never are; trials give identical results with trial.compact
 *   on and off;
 * - stratified allocation: quotas kept, one office of each arm per pair;
 * - under no effect, with office effects, the cluster-aware estimators
 *   reject about 5% and cover the truth, naive OLS over-rejects;
 * - power at an effect agrees with the design-effect formula;
 * - the default HOLF scenario, run as the real trial, is mostly null.
 * The null and power checks use a smaller trial than the real one (fewer
 * families per office, a shorter burn-in, outcomes at month 12) to keep the
 * suite fast; docs/trial.md reports the full-size figures.
 */
#include "testing.h"

#include <gsl/gsl_cdf.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "allocation.h"
#include "arv/cli.h"
#include "arv/trial.h"
#include "household.h"
#include "household_testing.h"
#include "snapshot.h"

#define TRIAL_SCENARIO FIXTURE("../../scenarios/holf_trial.cfg")

/* The per-household state the trial reads, copied for comparison. */
struct state {
    size_t n;
    uint8_t *work, *sa, *housing, *responded;
    int8_t *group;
    float *disposable, *strain, *inclusion, *survey_strain, *scale;
};

static void state_copy(const struct arv_pop *p, struct state *s)
{
    s->n = p->n;
    s->work = malloc(p->n * ARV_MAX_ADULTS);
    memcpy(s->work, p->work, p->n * ARV_MAX_ADULTS);
    s->inclusion = malloc(p->n * ARV_MAX_CHILDREN * sizeof(float));
    memcpy(s->inclusion, p->inclusion, p->n * ARV_MAX_CHILDREN * sizeof(float));
#define COPY(f)                                                                                  \
    s->f = malloc(p->n * sizeof *p->f);                                                          \
    memcpy(s->f, p->f, p->n * sizeof *p->f);
    COPY(sa) COPY(housing) COPY(responded) COPY(group) COPY(disposable) COPY(strain)
    COPY(survey_strain)
#undef COPY
    s->scale = malloc(p->n * sizeof(float));
    memcpy(s->scale, p->followup_scale, p->n * sizeof(float));
}

static void state_free(struct state *s)
{
    free(s->work), free(s->sa), free(s->housing), free(s->responded), free(s->group);
    free(s->disposable), free(s->strain), free(s->inclusion), free(s->survey_strain);
    free(s->scale);
}

static void assert_same_state(const struct state *a, const struct state *b)
{
    size_t n = a->n;
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->work, b->work, n * ARV_MAX_ADULTS);
    assert_memory_equal(a->sa, b->sa, n);
    assert_memory_equal(a->housing, b->housing, n);
    assert_memory_equal(a->responded, b->responded, n);
    assert_memory_equal(a->group, b->group, n);
    assert_memory_equal(a->disposable, b->disposable, n * sizeof(float));
    assert_memory_equal(a->strain, b->strain, n * sizeof(float));
    assert_memory_equal(a->inclusion, b->inclusion, n * ARV_MAX_CHILDREN * sizeof(float));
    assert_memory_equal(a->survey_strain, b->survey_strain, n * sizeof(float));
    assert_memory_equal(a->scale, b->scale, n * sizeof(float));
}

/* A run restored from the month-0 snapshot with the arms swapped is the
 * run trial.swap_arms gives from the start: same families, same fidelity,
 * same draws. Also checks that the swap really changes something. */
static void test_swap_from_snapshot_equals_fresh_swap(void **state)
{
    (void)state;
    const char *sets[] = {"population.households=1500", "run.burn_in=24", NULL};
    const char *swapped[] = {"population.households=1500", "run.burn_in=24",
                             "trial.swap_arms=true", NULL};
    struct arv_params *pa = params_with(TRIAL_SCENARIO, sets);
    struct arv_params *pb = params_with(TRIAL_SCENARIO, swapped);
    struct arv_world *wa = world_of(pa), *wb = world_of(pb);
    const int months = 14;
    for (uint32_t rep = 2; rep < 4; rep++) {
        /* fresh, swapped from the start */
        arv_world_start(wb, rep);
        struct arv_pop *pb_pop = arv__pop(wb);
        int holf_b = 0;
        for (int o = 0; o < pb_pop->n_offices; o++)
            holf_b += pb_pop->offices[o].arm == ARM_HOLF;
        assert_int_equal(holf_b, 14);
        for (int m = 0; m < months; m++)
            arv_world_step(wb);
        struct state fresh, as_drawn, restored;
        state_copy(pb_pop, &fresh);
        /* as drawn, then restored and swapped */
        arv_world_start(wa, rep);
        struct arv_pop *p = arv__pop(wa);
        struct arv__snapshot *snap = arv__snapshot_alloc(p);
        arv__snapshot_save(snap, p);
        for (int m = 0; m < months; m++)
            arv_world_step(wa);
        state_copy(p, &as_drawn);
        arv__snapshot_restore(snap, wa);
        wa->month = 0;
        arv__population_swap_arms(wa);
        arv_model_followup.enroll(wa);
        for (int m = 0; m < months; m++)
            arv_world_step(wa);
        state_copy(p, &restored);
        assert_same_state(&fresh, &restored);
        /* the arms matter: the follow-up multipliers differ somewhere */
        assert_true(memcmp(as_drawn.scale, fresh.scale, p->n * sizeof(float)) != 0 ||
                    memcmp(as_drawn.work, fresh.work, p->n * ARV_MAX_ADULTS) != 0);
        state_free(&fresh), state_free(&as_drawn), state_free(&restored);
        arv__snapshot_free(snap);
    }
    arv_world_free(wa), arv_world_free(wb);
    arv_params_free(pa), arv_params_free(pb);
}

/* The followed households of w's whole population, in order, into ids;
 * returns how many. */
static size_t followed_ids(const struct arv_world *w, uint32_t *ids)
{
    const struct arv_pop *p = arv__pop(w);
    size_t m = 0;
    for (size_t h = 0; h < p->n; h++)
        if (p->group[h] == GROUP_COORDINATOR || p->group[h] == GROUP_HOLF)
            ids[m++] = (uint32_t)h;
    return m;
}

/* From month 0, the followed families simulated alone (compacted) reach
 * exactly the state they reach in the whole pool, the whole pool then
 * compacted to them: every array of the population and every office's
 * counts, at every month through the survey month 12, under the arms as
 * drawn and swapped. Also checks that the snapshot round trip through a
 * compaction restores the whole pool. */
static void check_compacted_follow(const char *const *sets, uint32_t rep)
{
    struct arv_params *pp = params_with(TRIAL_SCENARIO, sets);
    struct arv_world *whole = world_of(pp), *compact = world_of(pp);
    struct arv_pop *pw = arv__pop(whole), *pc = arv__pop(compact);
    size_t n = pw->n;
    uint32_t *ids = calloc(n, sizeof *ids), *ids_whole = calloc(n, sizeof *ids_whole);
    struct arv__snapshot *snap_w = arv__snapshot_alloc(pw), *snap_c = arv__snapshot_alloc(pc);
    struct arv__snapshot *at_end = arv__snapshot_alloc(pw);
    arv_world_start(whole, rep);
    arv_world_start(compact, rep);
    arv__snapshot_save(snap_w, pw);
    arv__snapshot_save(snap_c, pc);
    const int months = 14;
    for (int arm = 0; arm < 2; arm++) {
        if (arm == 1) { /* the other arm, as run_trial does */
            arv__pop_expand(compact);
            arv__snapshot_restore(snap_c, compact);
            arv__snapshot_restore(snap_w, whole);
            compact->month = whole->month = 0;
            arv__population_swap_arms(whole);
            arv__population_swap_arms(compact);
            arv_model_followup.enroll(whole);
            arv_model_followup.enroll(compact);
        }
        size_t m = followed_ids(compact, ids);
        assert_true(m > 100 && m < n);
        arv__pop_compact(compact, ids, m);
        assert_int_equal(compact->n_households, m);
        assert_int_equal(compact->n_chunks, (m + ARV_CHUNK - 1) / ARV_CHUNK);
        for (int month = 1; month <= months; month++) {
            arv_world_step(whole);
            arv_world_step(compact);
            /* compare on a copy of the whole pool compacted the same way */
            arv__snapshot_save(at_end, pw);
            assert_int_equal(followed_ids(whole, ids_whole), m);
            assert_memory_equal(ids, ids_whole, m * sizeof *ids);
            arv__pop_compact(whole, ids_whole, m);
            const char *field = arv__pop_differs(pw, pc);
            if (field)
                fail_msg("rep %u, arm %d, month %d: %s differs", rep, arm, month, field);
            arv__pop_expand(whole);
            arv__snapshot_restore(at_end, whole);
        }
    }
    /* the compacted world made whole again and restored is the month-0 pool */
    arv__pop_expand(compact);
    arv__snapshot_restore(snap_c, compact);
    arv__snapshot_restore(snap_w, whole);
    assert_null(arv__pop_differs(pw, pc));
    assert_int_equal(compact->n_households, n);
    arv__snapshot_free(snap_w), arv__snapshot_free(snap_c), arv__snapshot_free(at_end);
    free(ids), free(ids_whole);
    arv_world_free(whole), arv_world_free(compact);
    arv_params_free(pp);
}

static void test_compacted_follow_equals_whole_pool(void **state)
{
    (void)state;
    const char *plain[] = {"population.households=1500", "run.burn_in=24", NULL};
    /* usual-care offices (their eligible families are not followed), a
     * short follow-up that fades, stratified allocation, an ICC at month 6 */
    const char *varied[] = {"population.households=2100", "run.burn_in=24", "offices.count=35",
                            "offices.allocation=unemployment", "followup.duration_months=6",
                            "followup.ramp_months=0", "measurement.icc_month=6",
                            "measurement.response_baseline=0.8", NULL};
    for (uint32_t rep = 0; rep < 2; rep++) {
        check_compacted_follow(plain, rep);
        check_compacted_follow(varied, rep + 5);
    }
}

/* A start hook (arv_world_draw_with) that keeps the households whose
 * identity is not 2 mod 7. */
static void drop_sevenths(struct arv_world *w, void *buf)
{
    struct arv_pop *p = arv__pop(w);
    uint32_t *keep = buf;
    size_t m = 0;
    for (size_t h = 0; h < p->n; h++)
        if (arv__id(p, h) % 7 != 2)
            keep[m++] = (uint32_t)h;
    arv__pop_compact(w, keep, m);
}

/* A replicate started in parts, merged, is the whole pool compacted to
 * those households: every array at month 0 (before enrolment), through
 * three rounds (the last merge into the world's own identity array), with
 * a part that skips households and offices and one that drops some after
 * the population's start (arv_world_draw_with). */
static void check_started_in_parts(const char *const *sets, uint32_t rep)
{
    struct arv_params *pp = params_with(TRIAL_SCENARIO, sets);
    struct arv_world *whole = world_of(pp), *parts = world_of(pp);
    struct arv_pop *pw = arv__pop(whole), *pc = arv__pop(parts);
    size_t n = pw->n, held = 0;
    uint32_t *round_ids = calloc(n, sizeof *round_ids), *ids = calloc(n, sizeof *ids);
    uint32_t *keep = calloc(n, sizeof *keep), *screened = calloc(n, sizeof *screened);
    struct arv__snapshot *snap = arv__snapshot_alloc(pc);
    /* rounds: id % 5 == 0 or 3; then 1; then 4 in the first half only */
    for (int round = 0; round < 3; round++) {
        size_t m = 0;
        for (size_t id = 0; id < n; id++) {
            size_t r = id % 5;
            if ((round == 0 && (r == 0 || r == 3)) || (round == 1 && r == 1) ||
                (round == 2 && r == 4 && id < n / 2))
                round_ids[m++] = (uint32_t)id;
        }
        if (round > 0)
            arv__snapshot_save(snap, pc);
        arv__pop_select(parts, round_ids, m);
        if (round == 1) { /* dropped before the other models start them */
            arv_world_draw_with(parts, rep, drop_sevenths, screened);
            arv_world_burn_in(parts);
            m = pc->n;
        } else {
            arv_world_begin(parts, rep);
        }
        assert_int_equal(parts->month, 0);
        if (round == 0) {
            memcpy(ids, round_ids, m * sizeof *ids);
            arv__pop_select(parts, ids, m);
        } else {
            arv__pop_merge(parts, snap, ids);
        }
        held += m;
        assert_int_equal(pc->n, held);
        assert_int_equal(parts->n_households, held);
    }
    arv_world_begin(whole, rep);
    size_t m = 0;
    for (size_t id = 0; id < n; id++) {
        size_t r = id % 5;
        if (r == 0 || r == 3 || (r == 1 && id % 7 != 2) || (r == 4 && id < n / 2))
            keep[m++] = (uint32_t)id;
    }
    assert_int_equal(m, held);
    arv__pop_compact(whole, keep, m);
    const char *field = arv__pop_differs(pw, pc);
    if (field)
        fail_msg("rep %u: %s differs", rep, field);
    arv__snapshot_free(snap);
    free(round_ids), free(ids), free(keep), free(screened);
    arv_world_free(whole), arv_world_free(parts);
    arv_params_free(pp);
}

static void test_started_in_parts_equals_whole_pool(void **state)
{
    (void)state;
    const char *plain[] = {"population.households=1500", "run.burn_in=24", NULL};
    const char *varied[] = {"population.households=2100", "run.burn_in=36", "offices.count=35",
                            "offices.allocation=unemployment", NULL};
    check_started_in_parts(plain, 1);
    check_started_in_parts(varied, 7);
}

/* A world that defers its burn-in (defer_burn_in: children's participation
 * and inclusion recorded, then replayed at month 0), compacted part way
 * through the burn-in or at its end before the replay, ends it with the
 * households, every array, of the whole pool's ordinary burn-in: with and
 * without the accounting models, on one thread and two. */
static void check_deferred_burn_in(const char *const *sets, uint32_t rep, bool skip_accounting,
                                   int compact_month, int threads)
{
    int threads_before = omp_get_max_threads();
    omp_set_num_threads(threads);
    struct arv_params *pp = params_with(TRIAL_SCENARIO, sets);
    struct arv_world *whole = world_of(pp), *deferred = world_of(pp);
    struct arv_pop *pw = arv__pop(whole), *pd = arv__pop(deferred);
    whole->skip_accounting = deferred->skip_accounting = skip_accounting;
    deferred->defer_burn_in = true;
    size_t n = pw->n, m = 0;
    uint32_t *keep = calloc(n, sizeof *keep), *keep_whole = calloc(n, sizeof *keep_whole);
    for (size_t id = 0; id < n; id++)
        if (id % 3 != 1)
            keep[m++] = (uint32_t)id;
    memcpy(keep_whole, keep, m * sizeof *keep);
    arv_world_draw(deferred, rep);
    while (deferred->month < compact_month)
        arv_world_step(deferred);
    assert_non_null(pd->burn_log);
    arv__pop_compact(deferred, keep, m);
    arv_world_burn_in(deferred);
    assert_int_equal(deferred->month, 0);
    assert_false(deferred->replay_pending);
    arv_world_begin(whole, rep);
    arv__pop_compact(whole, keep_whole, m);
    const char *field = arv__pop_differs(pw, pd);
    if (field)
        fail_msg("rep %u: %s differs", rep, field);
    /* and the deferral changed what the burn-in months computed: the
     * households' inclusion is not left at its start value */
    bool moved = false;
    for (size_t i = 0; i < m * ARV_MAX_CHILDREN && !moved; i++)
        moved = pd->child_age[i] >= 0 && pd->inclusion[i] != pd->inclusion_trait[i];
    assert_true(moved);
    free(keep), free(keep_whole);
    arv_world_free(whole), arv_world_free(deferred);
    arv_params_free(pp);
    omp_set_num_threads(threads_before);
}

static void test_deferred_burn_in_equals_burn_in(void **state)
{
    (void)state;
    const char *plain[] = {"population.households=1500", "run.burn_in=24", NULL};
    const char *longer[] = {"population.households=1500", "run.burn_in=36", NULL};
    check_deferred_burn_in(plain, 1, true, -5, 1);
    check_deferred_burn_in(plain, 2, false, -23, 1);
    check_deferred_burn_in(longer, 3, true, -1, 2);
    check_deferred_burn_in(longer, 4, true, 0, 2); /* at month 0, before the replay */
}

/* The screen's take-up months (and, if may is not NULL, its verdict) of
 * every household of w, chunk by chunk as the trial asks. */
static void screen_all(const struct arv_world *w, size_t n, uint16_t *window, bool *may)
{
    for (size_t h0 = 0; h0 < n; h0 += ARV_CHUNK) {
        size_t h1 = h0 + ARV_CHUNK < n ? h0 + ARV_CHUNK : n;
        arv__income_takeup_window(w, h0, h1, window + h0);
        if (may)
            arv__followup_may_enroll(w, h0, h1, may + h0);
    }
}

/* Shifts the month just stepped into each household's take-up months
 * (bit 0: this month; 12 kept): whether it took SA up, its propensity the
 * step used against the office's economy effect (nobody followed yet,
 * logit: the take-up log-odds). */
static void record_takeup(const struct arv_pop *p, double logit, uint16_t *took)
{
    for (size_t h = 0; h < p->n; h++) {
        double economy = p->offices[p->office[h]].effect[DOMAIN_ECONOMY];
        took[h] = (uint16_t)((took[h] << 1 | (p->takeup[h] < logit + economy)) & 0xFFF);
    }
}

/* The trial starts further only the households that can be eligible at
 * month 0 (arv__followup_may_enroll, decided after the population's start
 * from the months of the last year in which they take SA up, which must be
 * exactly the burn-in's) and drops late in the burn-in those that no
 * longer can be (arv__followup_may_still_enroll): in the whole pool, none
 * of those either rule would leave out is eligible, and they leave out
 * many (a fifth to a half by take-up; about half of the rest with no SA in
 * the window's first seven months). */
static void test_screen_keeps_every_eligible(void **state)
{
    (void)state;
    const char *sets[] = {"population.households=3000", "run.burn_in=24", NULL};
    struct arv_params *pp = params_with(TRIAL_SCENARIO, sets);
    struct arv_world *w = world_of(pp);
    const struct arv_pop *p = arv__pop(w);
    bool *may = calloc(p->n, sizeof *may);
    float *start_takeup = calloc(p->n, sizeof *start_takeup);
    uint16_t *window = calloc(p->n, sizeof *window), *took = calloc(p->n, sizeof *took);
    double t = arv_params_double(pp, "income.sa_takeup"), logit = log(t / (1 - t));
    /* still[left][h]: not yet ruled out `left` months before month 0 */
    bool(*still)[3000] = calloc(13, sizeof *still);
    assert_int_equal(p->n, 3000);
    for (uint32_t rep = 0; rep < 3; rep++) {
        arv_world_draw(w, rep);
        size_t out = 0, eligible = 0, late[13] = {0};
        screen_all(w, p->n, window, may);
        for (size_t h = 0; h < p->n; h++)
            out += !may[h];
        memcpy(start_takeup, p->takeup, p->n * sizeof *start_takeup);
        memset(took, 0, p->n * sizeof *took);
        while (w->month < 0) {
            int left = -w->month;
            if (left <= 12)
                for (size_t h = 0; h < p->n; h++)
                    late[left] += !(still[left][h] = arv__followup_may_still_enroll(w, h, left));
            arv_world_step(w);
            record_takeup(p, logit, took);
        }
        /* the screen's take-up months are exactly the burn-in's, and its
         * rule is SA possible in the last month and in 6 of the 12 */
        size_t renewed = 0;
        for (size_t h = 0; h < p->n; h++) {
            if (window[h] != took[h])
                fail_msg("rep %u: household %zu: take-up months %03x, the screen's %03x", rep, h,
                         took[h], window[h]);
            if (may[h] != ((took[h] & 1) && __builtin_popcount(took[h]) >= 6))
                fail_msg("rep %u: household %zu: screened %d", rep, h, may[h]);
            renewed += p->takeup[h] != start_takeup[h];
        }
        /* (24 months at 0.1: 1 - 0.9^24 = 92% renewed) */
        assert_true(renewed > p->n / 2);
        for (size_t h = 0; h < p->n; h++) {
            bool e = arv__followup_eligible(w, h);
            eligible += e;
            if (e && !may[h])
                fail_msg("rep %u: household %zu eligible but left out", rep, h);
            for (int left = 1; left <= 12; left++)
                if (e && !still[left][h])
                    fail_msg("rep %u: household %zu eligible but ruled out %d months before",
                             rep, h, left);
        }
        assert_true(eligible > p->n / 20);
        assert_true(out > p->n / 5 && out < p->n / 2);
        /* with 6 months required: nobody before 5 months left, then many */
        assert_int_equal(late[6] + late[7] + late[12], 0);
        assert_true(late[5] > p->n / 5 && late[1] > late[5]);
    }
    free(still);
    free(window);
    free(took);
    free(start_takeup);
    free(may);
    arv_world_free(w);
    arv_params_free(pp);
}

/* With a burn-in shorter than the year, the screen's window counts the
 * months before it as possible, and the burn-in's months as simulated. */
static void test_screen_short_burn_in(void **state)
{
    (void)state;
    const char *sets[] = {"population.households=2000", "run.burn_in=6", NULL};
    struct arv_params *pp = params_with(TRIAL_SCENARIO, sets);
    struct arv_world *w = world_of(pp);
    const struct arv_pop *p = arv__pop(w);
    double t = arv_params_double(pp, "income.sa_takeup"), logit = log(t / (1 - t));
    uint16_t *window = calloc(p->n, sizeof *window), *took = calloc(p->n, sizeof *took);
    arv_world_draw(w, 0);
    screen_all(w, p->n, window, NULL);
    while (w->month < 0) {
        arv_world_step(w);
        record_takeup(p, logit, took);
    }
    size_t some = 0;
    for (size_t h = 0; h < p->n; h++) {
        assert_int_equal(window[h], took[h] | 0xFC0);
        some += took[h] != 0 && took[h] != 0x3F;
    }
    assert_true(some > 50); /* renewals within the six months */
    free(window);
    free(took);
    arv_world_free(w);
    arv_params_free(pp);
}

/* The families' drawing uniforms made in batches are those made one by
 * one, beyond a batch's end too. */
static void test_draws_in_batches(void **state)
{
    (void)state;
    const char *sets[] = {"population.households=1100", NULL};
    struct arv_params *pp = params_with(TRIAL_SCENARIO, sets);
    struct arv_world *w = world_of(pp);
    struct arv__draw *d = calloc(1100, sizeof *d);
    for (uint32_t rep = 0; rep < 3; rep++) {
        arv__followup_draws(w, rep, 1100, d);
        for (uint32_t id = 0; id < 1100; id++) {
            assert_int_equal(d[id].h, id);
            assert_true(d[id].u == arv__followup_draw(w, rep, id));
        }
    }
    free(d);
    arv_world_free(w);
    arv_params_free(pp);
}

/* Stratified allocation: 15 + 14 offices, each pair by unemployment has
 * one office of each arm; the unpaired last office is HOLF. */
static void test_stratified_allocation(void **state)
{
    (void)state;
    const char *sets[] = {"population.households=600", "run.burn_in=0",
                          "offices.allocation=unemployment", NULL};
    struct arv_params *p = params_with(TRIAL_SCENARIO, sets);
    struct arv_world *w = world_of(p);
    int strata[29];
    for (uint32_t rep = 0; rep < 20; rep++) {
        arv_world_start(w, rep);
        const struct arv_pop *pop = arv__pop(w);
        arv__allocation_strata(pop->offices, pop->n_offices, strata);
        int holf[15] = {0}, coord[15] = {0}, total_holf = 0;
        for (int o = 0; o < 29; o++) {
            int arm = pop->offices[o].arm;
            assert_true(arm == ARM_HOLF || arm == ARM_COORDINATOR);
            holf[strata[o]] += arm == ARM_HOLF;
            coord[strata[o]] += arm == ARM_COORDINATOR;
            total_holf += arm == ARM_HOLF;
        }
        assert_int_equal(total_holf, 15);
        for (int s = 0; s < 14; s++) {
            assert_int_equal(holf[s], 1);
            assert_int_equal(coord[s], 1);
        }
        assert_int_equal(holf[14], 1);
    }
    arv_world_free(w);
    arv_params_free(p);
}

/* Runs a trial set and fails the test on error. */
static struct arv_trial_results *trials_of(const char *const *sets, int trials)
{
    struct arv_params *p = params_with(TRIAL_SCENARIO, sets);
    struct arv_error err;
    arv_error_init(&err);
    if (arv_trial_derive(p, &err) != ARV_OK)
        fail_msg("%s", err.msg);
    struct arv_trial_results *r = arv_trial_run(&arv_registry_default, p, trials, 2, NULL, NULL,
                                                &err);
    if (r == NULL)
        fail_msg("%s", err.msg);
    arv_params_free(p);
    return r;
}

/* Every number of every trial is the same with trial.compact on and off:
 * with offices that have fewer eligible families than they draw (the whole
 * office started), with offices that have more (started in rounds until
 * the draw is found, in about half the pool) and with none to draw. */
static void check_compact_trial(const char *families)
{
    const char *on[] = {"population.households=1500", "run.burn_in=24", "trial.month=12",
                        "trial.boot_reps=49", "trial.perm_reps=49", families,
                        "trial.compact=true", NULL};
    const char *off[] = {"population.households=1500", "run.burn_in=24", "trial.month=12",
                         "trial.boot_reps=49", "trial.perm_reps=49", families,
                         "trial.compact=false", NULL};
    enum { TRIALS = 6 };
    struct arv_trial_results *a = trials_of(on, TRIALS), *b = trials_of(off, TRIALS);
    assert_int_equal(a->trials, b->trials);
    assert_memory_equal(&a->families_mean, &b->families_mean, sizeof(double));
    for (size_t i = 0; i < (size_t)TRIALS * ARV_TRIAL_N_OUTCOMES; i++) {
        const struct arv_trial_cell *x = &a->cell[i], *y = &b->cell[i];
        assert_memory_equal(&x->truth, &y->truth, sizeof(double));
        assert_memory_equal(&x->icc, &y->icc, sizeof(double));
        assert_int_equal(x->n, y->n);
        assert_int_equal(x->G, y->G);
        for (int e = 0; e < ARV_EST_N; e++) {
            const struct arv_est_result *u = &x->est[e], *v = &y->est[e];
            assert_int_equal(u->ok, v->ok);
            double du[] = {u->estimate, u->se, u->df, u->lo, u->hi, u->p, u->icc};
            double dv[] = {v->estimate, v->se, v->df, v->lo, v->hi, v->p, v->icc};
            assert_memory_equal(du, dv, sizeof du);
        }
    }
    arv_trial_results_free(a), arv_trial_results_free(b);
}

static void test_compact_trial_equals_whole_trial(void **state)
{
    (void)state;
    check_compact_trial("followup.families_per_office=26");
    check_compact_trial("followup.families_per_office=4");
    check_compact_trial("followup.families_per_office=0"); /* nobody to draw */
}

/* A trial computing only some estimates (arv calibrate's) gives exactly
 * those of the full trial, and leaves the rest, the ICCs and the truth
 * uncomputed. */
static void test_wanted_subset_equals_full(void **state)
{
    (void)state;
    const char *sets[] = {"population.households=1500", "run.burn_in=24", "trial.month=12",
                          "trial.boot_reps=49", "trial.perm_reps=49", NULL};
    enum { TRIALS = 3 };
    struct arv_trial_results *full = trials_of(sets, TRIALS);
    struct arv_params *p = params_with(TRIAL_SCENARIO, sets);
    struct arv_error err;
    arv_error_init(&err);
    assert_int_equal(arv_trial_derive(p, &err), ARV_OK);
    struct arv_trial_wanted want = {.icc = false, .truth = false};
    want.est[ARV_TRIAL_EMPLOYMENT][ARV_EST_CR2] = true;
    want.est[ARV_TRIAL_CHILD_INCLUSION][ARV_EST_CR2] = true;
    want.est[ARV_TRIAL_CHILD_INCLUSION][ARV_EST_CLUSTER_T] = true;
    struct arv_trial_results *some = arv_trial_run_wanted(&arv_registry_default, p, TRIALS, &want,
                                                          &err);
    if (some == NULL)
        fail_msg("%s", err.msg);
    assert_memory_equal(&some->families_mean, &full->families_mean, sizeof(double));
    int computed = 0;
    for (int t = 0; t < TRIALS; t++)
        for (int oc = 0; oc < ARV_TRIAL_N_OUTCOMES; oc++) {
            size_t i = (size_t)t * ARV_TRIAL_N_OUTCOMES + (size_t)oc;
            const struct arv_trial_cell *x = &some->cell[i], *y = &full->cell[i];
            assert_true(isnan(x->truth) && isnan(x->icc) && x->G == 0);
            assert_false(isnan(y->truth));
            for (int e = 0; e < ARV_EST_N; e++) {
                const struct arv_est_result *u = &x->est[e], *v = &y->est[e];
                if (!want.est[oc][e]) {
                    assert_false(u->ok);
                    assert_string_equal(u->reason, "not computed");
                    continue;
                }
                assert_true(v->ok);
                computed++;
                assert_int_equal(x->n, y->n);
                double du[] = {u->estimate, u->se, u->df, u->lo, u->hi, u->p};
                double dv[] = {v->estimate, v->se, v->df, v->lo, v->hi, v->p};
                assert_memory_equal(du, dv, sizeof du);
            }
        }
    assert_int_equal(computed, 3 * TRIALS);
    arv_trial_results_free(some), arv_trial_results_free(full);
    arv_params_free(p);
}

/* The small trial of the null and power checks: 29 offices of up to 16
 * families, a 24-month burn-in, outcomes at month 12, unadjusted (so the
 * design effect of the raw outcome is what naive OLS ignores). */
#define SMALL_TRIAL                                                                              \
    "population.households=2600", "followup.families_per_office=16", "run.burn_in=24",          \
        "trial.month=12", "trial.boot_reps=99", "trial.perm_reps=99", "trial.covariate=false"

enum { NULL_TRIALS = 400, POWER_TRIALS = 300, DEFAULT_TRIALS = 20 };

static void test_null_calibration(void **state)
{
    (void)state;
    const char *sets[] = {SMALL_TRIAL,
                          "trial.effect_scale=0",
                          "followup.coordinator.effect.work=0",
                          "followup.coordinator.effect.housing=0",
                          "followup.coordinator.effect.economy=0",
                          "followup.coordinator.effect.children=0",
                          NULL};
    struct arv_trial_results *r = trials_of(sets, NULL_TRIALS);
    double mc = sqrt(0.05 * 0.95 / NULL_TRIALS);
    static const enum arv_est_method valid[] = {ARV_EST_CLUSTER_T, ARV_EST_CR2, ARV_EST_WILD,
                                                ARV_EST_RANDOMISATION};
    double naive_sum = 0;
    for (int o = 0; o < ARV_TRIAL_N_OUTCOMES; o++) {
        for (size_t k = 0; k < 4; k++) {
            struct arv_trial_power pw;
            arv_trial_power(r, o, valid[k], &pw);
            printf("  null %-17s %-15s trials %d rejects %.3f coverage %.3f icc %.3f\n",
                   arv_trial_outcome_name(o), arv_est_name(valid[k]), pw.trials,
                   pw.rejection_rate, pw.ci_coverage, pw.icc);
            assert_true(pw.trials >= NULL_TRIALS - 5);
            assert_near(pw.true_effect, 0, 1e-12); /* no effect: identical arms */
            assert_near(pw.rejection_rate, 0.05, 3 * mc);
            assert_true(pw.ci_coverage >= 0.95 - 3 * mc);
        }
        struct arv_trial_power naive;
        arv_trial_power(r, o, ARV_EST_NAIVE_OLS, &naive);
        printf("  null %-17s %-15s rejects %.3f\n", arv_trial_outcome_name(o), "naive_ols",
               naive.rejection_rate);
        naive_sum += naive.rejection_rate;
    }
    /* ignoring the clustering rejects too often (ICC about 0.05) */
    assert_true(naive_sum / ARV_TRIAL_N_OUTCOMES > 0.05 + 3 * mc);
    arv_trial_results_free(r);
}

/* Power of the unadjusted cluster t-test at an effect, against the
 * two-sample formula with the variance inflated by 1 + (m - 1) ICC, from
 * the simulation's own iid SE (naive OLS), mean ICC and cluster size. */
static void test_power_matches_design_effect(void **state)
{
    (void)state;
    const char *sets[] = {SMALL_TRIAL, "trial.effect_scale=24", NULL};
    struct arv_trial_results *r = trials_of(sets, POWER_TRIALS);
    int G = r->holf_offices + r->coordinator_offices;
    double df = G - 2, t975 = gsl_cdf_tdist_Pinv(0.975, df);
    /* (not SA receipt: the economy effect raises take-up of the families
     * whose propensity is renewed, which offsets the fewer families in
     * need, so its effect is too small for this check's power range) */
    static const int outcomes[] = {ARV_TRIAL_EMPLOYMENT, ARV_TRIAL_INCOME,
                                   ARV_TRIAL_FINANCIAL_STRAIN};
    for (size_t k = 0; k < 3; k++) {
        int o = outcomes[k];
        struct arv_trial_power naive, ct;
        arv_trial_power(r, o, ARV_EST_NAIVE_OLS, &naive);
        arv_trial_power(r, o, ARV_EST_CLUSTER_T, &ct);
        double n = 0;
        for (int t = 0; t < r->trials; t++)
            n += r->cell[(size_t)t * ARV_TRIAL_N_OUTCOMES + o].n;
        double m = n / r->trials / G;
        double se = naive.mean_se * sqrt(1 + (m - 1) * naive.icc);
        double z = fabs(naive.true_effect) / se;
        double analytic = gsl_cdf_tdist_P(z - t975, df) + gsl_cdf_tdist_P(-z - t975, df);
        double mc = sqrt(analytic * (1 - analytic) / r->trials);
        printf("  power %-17s true %.4f icc %.3f m %.1f analytic %.3f cluster_t %.3f cr2 "
               "(se ratio %.3f)\n",
               arv_trial_outcome_name(o), naive.true_effect, naive.icc, m, analytic,
               ct.rejection_rate, ct.mean_se / se);
        assert_true(analytic > 0.2 && analytic < 0.99);
        /* Monte Carlo error plus the formula's own approximation (the
         * effect varies between offices with their fidelity) */
        assert_near(ct.rejection_rate, analytic, 3 * mc + 0.03);
    }
    arv_trial_results_free(r);
}

/* The HOLF scenario with its default effects, as the real trial was run
 * (29 offices, 26 families each, register outcomes at month 24): the
 * difference is not significant in most trials. */
static void test_default_trial_mostly_null(void **state)
{
    (void)state;
    const char *sets[] = {"trial.boot_reps=99", "trial.perm_reps=99", NULL};
    struct arv_trial_results *r = trials_of(sets, DEFAULT_TRIALS);
    for (int o = 0; o < ARV_TRIAL_N_OUTCOMES; o++) {
        struct arv_trial_power pw;
        arv_trial_power(r, o, ARV_EST_CR2, &pw);
        printf("  default %-17s true %.4f cr2 rejects %.3f\n", arv_trial_outcome_name(o),
               pw.true_effect, pw.rejection_rate);
        assert_true(pw.rejection_rate < 0.5);
    }
    arv_trial_results_free(r);
}

/* The re-randomisation's strata: the unemployment pairs of the offices
 * present, numbered in order; an office whose partner has no followed
 * family is a stratum alone, and the other pairs stay pairs. */
static void test_strata_of_present_offices(void **state)
{
    struct arv_office offices[6];
    memset(offices, 0, sizeof offices);
    const float unemployment[6] = {0.05f, 0.01f, 0.03f, 0.02f, 0.06f, 0.04f};
    for (int o = 0; o < 6; o++)
        offices[o].unemployment = unemployment[o];
    /* pairs by rank: {1, 3} 0, {2, 5} 1, {0, 4} 2 */
    int scratch[12], stratum[6];
    const int all[6] = {0, 1, 2, 3, 4, 5};
    assert_int_equal(arv__allocation_strata_present(offices, 6, all, scratch, stratum), 3);
    const int want_all[6] = {2, 0, 1, 0, 2, 1};
    assert_memory_equal(stratum, want_all, sizeof want_all);
    /* office 3 has no family: office 1 is alone in its stratum */
    const int no3[6] = {0, 1, 2, -1, 3, 4};
    assert_int_equal(arv__allocation_strata_present(offices, 6, no3, scratch, stratum), 3);
    const int want_no3[5] = {2, 0, 1, 2, 1};
    assert_memory_equal(stratum, want_no3, sizeof want_no3);
    /* offices 1 and 3 (a whole pair) absent: the others renumbered 0, 1 */
    const int no13[6] = {0, -1, 1, -1, 2, 3};
    assert_int_equal(arv__allocation_strata_present(offices, 6, no13, scratch, stratum), 2);
    const int want_no13[4] = {1, 0, 1, 0};
    assert_memory_equal(stratum, want_no13, sizeof want_no13);
}

/* A rejection is p <= 0.05, as the interval excludes 0 at p = 0.05 (a
 * re-randomisation p of 10 / 200 is exactly 0.05). */
static void test_rejection_at_the_level(void **state)
{
    struct arv_trial_cell cells[3 * ARV_TRIAL_N_OUTCOMES];
    memset(cells, 0, sizeof cells);
    const double p[3] = {0.05, 10.0 / 200.0, 0.0500001};
    for (int t = 0; t < 3; t++) {
        struct arv_trial_cell *c = &cells[t * ARV_TRIAL_N_OUTCOMES];
        c->icc = NAN;
        c->est[ARV_EST_RANDOMISATION] = (struct arv_est_result){
            .ok = 1, .estimate = 1, .se = 0.5, .lo = 0.01, .hi = 2, .p = p[t], .icc = NAN};
    }
    struct arv_trial_results r = {.trials = 3, .cell = cells};
    struct arv_trial_power pw;
    arv_trial_power(&r, 0, ARV_EST_RANDOMISATION, &pw);
    assert_int_equal(pw.trials, 3);
    assert_near(pw.rejection_rate, 2.0 / 3.0, 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strata_of_present_offices),
        cmocka_unit_test(test_rejection_at_the_level),
        cmocka_unit_test(test_swap_from_snapshot_equals_fresh_swap),
        cmocka_unit_test(test_compacted_follow_equals_whole_pool),
        cmocka_unit_test(test_started_in_parts_equals_whole_pool),
        cmocka_unit_test(test_deferred_burn_in_equals_burn_in),
        cmocka_unit_test(test_screen_keeps_every_eligible),
        cmocka_unit_test(test_screen_short_burn_in),
        cmocka_unit_test(test_draws_in_batches),
        cmocka_unit_test(test_compact_trial_equals_whole_trial),
        cmocka_unit_test(test_wanted_subset_equals_full),
        cmocka_unit_test(test_stratified_allocation),
        cmocka_unit_test(test_null_calibration),
        cmocka_unit_test(test_power_matches_design_effect),
        cmocka_unit_test(test_default_trial_mostly_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
