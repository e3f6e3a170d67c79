/* board_frame.c - CRC-16/CCITT-FALSE and COBS for the board link (see board_frame.h and
 * hal/board_protocol.md). Portable C99 for board firmware: no libc, no allocation, no tables. */
#include "board_frame.h"

uint16_t zk_crc16_ccitt(const uint8_t *data, size_t n, uint16_t crc)
{
    /* Byte-at-a-time form of the polynomial 0x1021 (x^16 + x^12 + x^5 + 1), MSB first:
     * the same result as eight shift-and-xor steps per byte, without a 512-byte table. */
    for (size_t i = 0; i < n; i++) {
        crc = (uint16_t)((crc >> 8) | (crc << 8));
        crc ^= data[i];
        crc ^= (uint16_t)((crc & 0xFFu) >> 4);
        crc ^= (uint16_t)(crc << 12);
        crc ^= (uint16_t)((crc & 0xFFu) << 5);
    }
    return crc;
}

size_t zk_cobs_encode(const uint8_t *src, size_t n, uint8_t *dst)
{
    /* Each block is a code byte (1 + count of the non-zero bytes that follow it) standing for
     * those bytes and one zero; a full block (code 0xFF) stands for 254 bytes and no zero. The
     * zero implied by the last block is dropped by the decoder. As in Cheshire & Baker and on
     * Wikipedia, no empty block is emitted after a full block that ends the input. */
    size_t out = 1;
    size_t code_at = 0;
    uint8_t code = 1;
    for (size_t i = 0; i < n; i++) {
        if (src[i] != 0) {
            dst[out++] = src[i];
            code++;
        }
        if (src[i] == 0 || code == 0xFF) {
            dst[code_at] = code;
            code = 1;
            if (src[i] == 0 || i + 1 < n) {
                code_at = out++;
            } else {
                return out;
            }
        }
    }
    dst[code_at] = code;
    return out;
}

long zk_cobs_decode(const uint8_t *src, size_t n, uint8_t *dst)
{
    size_t in = 0;
    size_t out = 0;
    while (in < n) {
        uint8_t code = src[in++];
        if (code == 0 || (size_t)(code - 1) > n - in) {
            return -1;
        }
        for (uint8_t k = 1; k < code; k++) {
            if (src[in] == 0) {
                return -1;
            }
            dst[out++] = src[in++];
        }
        if (code != 0xFF && in < n) {
            dst[out++] = 0;
        }
    }
    return (long)out;
}
