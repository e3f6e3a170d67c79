/* zorka-c-board: the reference firmware of native/board built for the host. It serves the board protocol
 * on a pseudo-terminal of its own (as QEMU's -serial pty), prints
 *   zorka-c-board: serving gyro, wheels as <board_id> on /dev/pts/N
 * and serves until SIGTERM or SIGINT, its models ticked by the monotonic clock.
 * Usage: zorka-c-board [--board-id ID] [--seed N]   (default id c-<pid>, seed 0) */
#define _XOPEN_SOURCE 600
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "board.h"

#define WAKE_MS 2 /* longest sleep: the watchdog and the models' tick are checked at least this often */

static volatile sig_atomic_t stopping;
static zb_board board; /* the firmware's static RAM */

static void on_signal(int signum)
{
    (void)signum;
    stopping = 1;
}

static uint32_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint32_t)((uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u);
}

/* The reply bytes to the master side, whole (a pty buffers ~20 KB per direction). */
static void write_all(void *ctx, const uint8_t *data, size_t n)
{
    const int fd = *(const int *)ctx;
    while (n > 0) {
        const ssize_t k = write(fd, data, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            perror("zorka-c-board: write");
            return;
        }
        data += k;
        n -= (size_t)k;
    }
}

/* A raw 8N1 line on the slave side: no echo, no line editing, no translation. */
static int set_raw(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) != 0)
        return -1;
    t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    t.c_oflag &= ~(tcflag_t)OPOST;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
    t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    return tcsetattr(fd, TCSANOW, &t);
}

int main(int argc, char **argv)
{
    char default_id[ZB_NAME_MAX + 1];
    const char *board_id = default_id;
    unsigned long long seed = 0;
    snprintf(default_id, sizeof default_id, "c-%ld", (long)getpid());
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--board-id") == 0 && k + 1 < argc) {
            board_id = argv[++k];
        } else if (strcmp(argv[k], "--seed") == 0 && k + 1 < argc) {
            seed = strtoull(argv[++k], NULL, 10);
        } else {
            fprintf(stderr, "usage: zorka-c-board [--board-id ID] [--seed N]\n");
            return 2;
        }
    }
    if (strlen(board_id) == 0 || strlen(board_id) > ZB_NAME_MAX) {
        fprintf(stderr, "zorka-c-board: the board id must be 1 to %d characters\n", ZB_NAME_MAX);
        return 2;
    }
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        perror("zorka-c-board: pty");
        return 1;
    }
    const char *path = ptsname(master);
    /* Held open for the board's life: with no slave handle, reads on the master fail with EIO. */
    int slave = path ? open(path, O_RDWR | O_NOCTTY) : -1;
    if (slave < 0 || set_raw(slave) != 0) {
        perror("zorka-c-board: pty slave");
        return 1;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    zb_board_init(&board, board_id, (uint64_t)seed);
    printf("zorka-c-board: serving gyro, wheels as %s on %s\n", board.board_id, path);
    fflush(stdout);
    while (!stopping) {
        struct pollfd p = {master, POLLIN, 0};
        const int ready = poll(&p, 1, WAKE_MS);
        if (ready > 0 && (p.revents & POLLIN)) {
            uint8_t chunk[4096];
            const ssize_t n = read(master, chunk, sizeof chunk);
            for (ssize_t k = 0; k < n; k++)
                zb_board_rx(&board, chunk[k]);
        }
        zb_board_poll(&board, now_ms(), write_all, &master);
    }
    close(slave);
    close(master);
    return 0;
}
