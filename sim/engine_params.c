/* The engine's own parameters: run control and population size. */
#include "engine.h"

static const struct arv_param_def defs[] = {
    {"run.name", ARV_PARAM_STRING, 0, 0, 0, "-",
     "Scenario name in the outputs' first column; empty means the file name without .cfg.",
     "assumption", "", NULL},
    {"run.months", ARV_PARAM_INT, 30, 1, 1200, "months",
     "Months simulated per replicate (30 = the trial's register follow-up).", "H20", NULL, NULL},
    {"run.seed", ARV_PARAM_INT, 20160101, 0, 4294967295.0, "-",
     "Seed of every keyed random stream; same seed, same results.", "assumption", NULL, NULL},
    {"run.reps", ARV_PARAM_INT, 1, 1, 10000, "replicates",
     "Independent replicates; outputs give mean, sd and a 95% interval across them.",
     "assumption", NULL, NULL},
    {"run.burn_in", ARV_PARAM_INT, 60, 0, 600, "months",
     "Months simulated before month 0 so that families reach their dynamic state; not "
     "reported. Eligibility for follow-up is judged at the end of it.",
     "assumption", NULL, NULL},
    {"run.report_every", ARV_PARAM_INT, 1, 1, 120, "months",
     "Interval between months reported in summary.csv (month 0 is always reported).",
     "assumption", NULL, NULL},
    {"run.panel_months", ARV_PARAM_STRING, 0, 0, 0, "months",
     "Months written to panel.csv with --microdata: comma-separated months, 'end' for the last; months past the horizon are skipped.",
     "H19, H20 (survey at 0 and 12, register to 30)", "0,12,24,30,end", NULL},
    {"population.households", ARV_PARAM_INT, 1000, 1, 2000000, "households",
     "Households simulated (each with its adults and children).", "assumption", NULL, NULL},
};

const struct arv_param_group arv__engine_params = {defs, sizeof defs / sizeof defs[0]};
