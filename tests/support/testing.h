/* Helpers shared by the cmocka tests. */
#ifndef ARV_TESTING_H
#define ARV_TESTING_H

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

/* cmocka 1.1.5's float assertion is single precision: compare doubles with
 * an absolute tolerance and say what differed. */
#define assert_near(a, b, tol)                                                                   \
    do {                                                                                         \
        double a_ = (a), b_ = (b), t_ = (tol);                                                   \
        if (!(fabs(a_ - b_) <= t_))                                                              \
            fail_msg("%s = %.17g, expected %.17g within %g", #a, a_, b_, t_);                     \
    } while (0)

/* Path of a fixture file (ARV_FIXTURES is set by CMake). */
#define FIXTURE(name) ARV_FIXTURES "/" name

#endif
