/* kvn_rows.h - the data lines of the run's truth.oem and truth.aem (CCSDS OEM/AEM in KVN text),
 * formatted in C a block of truth rows at a time: byte for byte what Python's
 *   "%s %.6f %.6f %.6f %.9f %.9f %.9f\n" % (utc, r_km..., v_km_s...)   (OEM)
 *   "%s %.12f %.12f %.12f %.12f\n" % (utc, q_ib...)                      (AEM)
 * give (both correctly rounded; NaN as "nan", infinities as "inf"/"-inf", as Python writes them).
 *
 * rows: n truth rows of ZK_TRUTH_COLUMNS doubles (t_s, r_eci m, v_eci m/s, q_ib, w_b; record.h).
 * utc: n time stamps of utc_chars bytes each (not terminated; a NUL ends a shorter one).
 * out: capacity bytes, owned by the caller. Returns the bytes written, or -1 if they would not fit
 * (nothing is allocated; the caller gives more room or formats another way). */
#ifndef ZK_KVN_ROWS_H
#define ZK_KVN_ROWS_H

long zk_kvn_oem_rows(const double *rows, long n, const char *utc, long utc_chars, char *out, long capacity);
long zk_kvn_aem_rows(const double *rows, long n, const char *utc, long utc_chars, char *out, long capacity);

#endif
