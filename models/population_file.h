/* Households read from or written to CSV (population_file.c). */
#ifndef ARV_POPULATION_FILE_H
#define ARV_POPULATION_FILE_H

#include <stdio.h>

#include "household.h"

/* One household as the file gives it. */
struct arv_household_row {
    int office, origin, adults, housing, on_sa, sa_months, n_children;
    int education[ARV_MAX_ADULTS], work[ARV_MAX_ADULTS];
    float years_norway[ARV_MAX_ADULTS], arrears;
    /* sex_1, sex_2, age_1, age_2: optional columns (all four or none) */
    bool has_age_sex;
    int female[ARV_MAX_ADULTS];
    float age[ARV_MAX_ADULTS]; /* years */
    int16_t child_age[ARV_MAX_CHILDREN];
};

/* Reads and checks every cell of file; on success *rows (owned by the
 * caller, free()) holds *n_rows households. Bad cells are listed on stderr;
 * the error then says how many there were. */
int arv__households_read(const char *file, int n_offices, struct arv_household_row **rows,
                         size_t *n_rows, struct arv_error *err);

/* Writes the current households in that format (`arv synth`). */
void arv__households_write(const struct arv_world *w, FILE *f);

#endif
