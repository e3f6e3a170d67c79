/* kvn_rows.c - truth.oem and truth.aem data lines (kvn_rows.h).
 *
 * A value is written from the integer nearest to |x| * 10^decimals when that integer is certainly the
 * correctly rounded one: the product is within half an ulp of the exact decimal value, so unless its
 * fraction lies within FAST_TIE_BAND of one half (a tie, or too close to tell) rounding it gives the
 * same digits as printf's exact rounding. Below FAST_MAX_SCALED an ulp is 2^-12, far inside the band.
 * Everything else (near-ties, large or non-finite values) goes through snprintf, with Python's
 * spelling of NaN and infinities. */
#include "kvn_rows.h"
#include "record.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define FAST_TIE_BAND 1e-3
#define FAST_MAX_SCALED 1099511627776.0 /* 2^40 */
#define VALUE_ROOM 400 /* the longest "%.12f" of a finite double is 1 + 309 + 1 + 12 chars */

static const double SCALE[13] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12};

static int put_fixed(char *p, double x, int decimals)
{
    if (isnan(x)) {
        memcpy(p, "nan", 3);
        return 3;
    }
    if (isinf(x)) {
        if (x < 0) {
            memcpy(p, "-inf", 4);
            return 4;
        }
        memcpy(p, "inf", 3);
        return 3;
    }
    double scaled = fabs(x) * SCALE[decimals];
    double whole = floor(scaled);
    double fraction = scaled - whole;
    if (scaled >= FAST_MAX_SCALED || fabs(fraction - 0.5) < FAST_TIE_BAND)
        return snprintf(p, VALUE_ROOM, "%.*f", decimals, x);
    uint64_t n = (uint64_t)whole + (fraction > 0.5);
    char digits[24];
    int count = 0;
    do {
        digits[count++] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0 || count <= decimals);
    int length = 0;
    if (signbit(x))
        p[length++] = '-';
    for (int i = count - 1; i >= 0; i--) {
        p[length++] = digits[i];
        if (i == decimals)
            p[length++] = '.';
    }
    return length;
}

static long put_utc(char *p, const char *utc, long utc_chars)
{
    const char *end = memchr(utc, '\0', (size_t)utc_chars);
    long length = end == NULL ? utc_chars : (long)(end - utc);
    memcpy(p, utc, (size_t)length);
    return length;
}

static long put_rows(const double *rows, long n, const char *utc, long utc_chars, char *out, long capacity,
                     int first, int count, const int *decimals, double scale)
{
    long at = 0;
    long row_room = utc_chars + (long)count * (VALUE_ROOM + 1) + 1;
    for (long i = 0; i < n; i++) {
        if (capacity - at < row_room)
            return -1;
        const double *row = rows + i * ZK_TRUTH_COLUMNS;
        at += put_utc(out + at, utc + i * utc_chars, utc_chars);
        for (int k = 0; k < count; k++) {
            out[at++] = ' ';
            at += put_fixed(out + at, row[first + k] / scale, decimals[k]);
        }
        out[at++] = '\n';
    }
    return at;
}

long zk_kvn_oem_rows(const double *rows, long n, const char *utc, long utc_chars, char *out, long capacity)
{
    static const int decimals[6] = {6, 6, 6, 9, 9, 9};
    return put_rows(rows, n, utc, utc_chars, out, capacity, 1, 6, decimals, 1e3);
}

long zk_kvn_aem_rows(const double *rows, long n, const char *utc, long utc_chars, char *out, long capacity)
{
    static const int decimals[4] = {12, 12, 12, 12};
    return put_rows(rows, n, utc, utc_chars, out, capacity, 7, 4, decimals, 1.0);
}
