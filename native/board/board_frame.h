/* board_frame.h - the board link's framing, portable C for board firmware (no libc beyond
 * stddef/stdint): a frame is COBS(body || CRC-16/CCITT-FALSE(body), big-endian) followed by 0x00.
 *
 * Part of board.h, the public header of native/board: C99 that includes nothing of Zorka and takes
 * nothing from the heap, so that a microcontroller's firmware builds it alone. Memory: every buffer
 * belongs to the caller, is read or written only during the call, and must hold the sizes stated below. */
#ifndef ZK_BOARD_FRAME_H
#define ZK_BOARD_FRAME_H
#include <stddef.h>
#include <stdint.h>

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF (pass 0xFFFF to start), no reflection, no xor-out. */
uint16_t zk_crc16_ccitt(const uint8_t *data, size_t n, uint16_t crc);
/* Encode n bytes; dst must hold n + n / 254 + 1 bytes. Returns the encoded length (no delimiter). */
size_t zk_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst);
/* Decode n encoded bytes (no delimiter) into dst (at least n bytes). Returns the decoded length,
 * or -1 if the input holds a zero or a code byte runs past its end. */
long zk_cobs_decode(const uint8_t *src, size_t n, uint8_t *dst);

#endif
