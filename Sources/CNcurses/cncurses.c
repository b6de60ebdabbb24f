#include "cncurses.h"
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <unistd.h>
#include <pthread.h>

int cn_start_screen(void) {
    SCREEN *screen = newterm(NULL, stdout, stdin);
    if (screen == NULL) return -1;
    set_term(screen);
    // A terminal that cannot move the cursor (TERM=dumb) would show a blank screen.
    char *cup = tigetstr("cup");
    if (cup == NULL || cup == (char *)-1) {
        endwin();
        delscreen(screen);
        return -2;
    }
    return 0;
}

int cn_get_wch(unsigned int *ch) {
    wint_t w = 0;
    int r = get_wch(&w);
    *ch = (unsigned int)w;
    return r;
}

int cn_winsize(int fd, int *rows, int *cols, int *xpixels, int *ypixels) {
    struct winsize ws;
    memset(&ws, 0, sizeof ws);
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row;
    *cols = ws.ws_col;
    *xpixels = ws.ws_xpixel;
    *ypixels = ws.ws_ypixel;
    return 0;
}

static char restore_sequence[256];
static size_t restore_length = 0;
static volatile sig_atomic_t curses_active = 0;

void cn_set_restore_sequence(const char *bytes) {
    size_t n = strlen(bytes);
    if (n > sizeof restore_sequence - 1) n = sizeof restore_sequence - 1;
    memcpy(restore_sequence, bytes, n);
    restore_length = n;
}

void cn_set_curses_active(int active) { curses_active = active; }

static void restore_handler(int sig) {
    // endwin is not formally async-signal-safe, but it is what ncurses' own handlers do and
    // the alternative is leaving the user's terminal in raw mode on the alternate screen.
    if (curses_active) {
        curses_active = 0;
        endwin();
    }
    if (restore_length > 0) {
        ssize_t ignored = write(STDOUT_FILENO, restore_sequence, restore_length);
        (void)ignored;
    }
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
}

void cn_install_restore_handlers(void) {
    const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP};
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = restore_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(signals[i], &sa, NULL);
    }
}

void cn_block_sigwinch(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}
