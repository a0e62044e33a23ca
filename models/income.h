/*
 * The income rules of income.c as a pure function, so that benefit rules can
 * be checked against hand-computed cases.
 */
#ifndef ARV_INCOME_H
#define ARV_INCOME_H

#include "household.h"

struct arv_income_rules {
    double tax, part, programme;                         /* share, share, NOK */
    double wage_growth_month;                            /* wage factor per month in work */
    double child_benefit[2];                             /* per child 0-5, 6-17, NOK */
    double hours_sd[2];                                  /* part-time, full-time, log */
    double sa_single, sa_couple, sa_child[3];            /* guideline rates, NOK/month */
    double takeup_logit, min_need;                       /* log-odds; NOK */
    double takeup_renewal;                               /* per month */
    double rent[N_HOUSING], rent_person, ha_rate, ha_own; /* NOK; NOK; shares */
    double threshold_month;                              /* EU-60 per unit, NOK/month */
    double shock_rate, shock_mean, shortfall, repay, settle_logit, emergency;
    int ui_max_months;                                   /* income.ui.months */
    double s_base, s_gap, s_arrears, s_sa, s_stress, s_econ, s_rho, s_sd; /* strain */
    double hours_share[2];       /* [part time]: 1 or part (a selection, not a branch) */
    double programme_benefit[2]; /* [in a programme]: 0 or programme */
};

/* A household's month as the rules see it. */
struct arv_budget_case {
    int adults;      /* 1 or 2 */
    int children[3]; /* children aged 0-5, 6-10, 11-17 (the guideline's bands) */
    int housing;     /* enum arv_housing */
    double gross;     /* gross earnings, NOK/month */
    double insurance; /* gross unemployment benefit, NOK/month (taxed like earnings) */
    double programme; /* programme benefit, NOK/month */
    int takes_up;    /* claims SA when in need */
};

/* The month's budget, NOK/month. */
struct arv_budget {
    double cost;        /* housing cost */
    double allowance;   /* housing allowance */
    double net;         /* earnings after tax */
    double benefits;    /* programme, unemployment benefit after tax, child benefit,
                           housing allowance */
    double needs;       /* guideline norm + housing cost */
    double sa;          /* social assistance: needs - net - benefits if at least
                           income.sa_min_need and taken up, else 0 */
    double disposable;  /* net + benefits + sa */
    double equivalence; /* EU consumption units: 1 + 0.5 per other adult + 0.3 per child */
    double equivalised; /* disposable per consumption unit */
    int low_income;     /* equivalised below the EU-60 threshold */
};

/* Guideline age band of a child aged age_months: 0-5, 6-10, 11-17 years. */
static inline int arv__sa_child_band(int age_months)
{
    return age_months < 72 ? 0 : age_months < 132 ? 1 : 2;
}

void arv__income_rules_read(const struct arv_params *p, struct arv_income_rules *k);
void arv__budget(const struct arv_income_rules *k, const struct arv_budget_case *c,
                 struct arv_budget *b);

#endif
