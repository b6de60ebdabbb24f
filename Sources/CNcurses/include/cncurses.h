// ncursesw for Swift: the wide-character API needs NCURSES_WIDECHAR before the header,
// and macros / variadic functions (A_*, getmaxyx, mvprintw) are wrapped as inline functions.
#ifndef CNCURSES_H
#define CNCURSES_H
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <ncursesw/curses.h>
#include <locale.h>
#include <wchar.h>

static inline attr_t cn_attr_bold(void) { return A_BOLD; }
static inline attr_t cn_attr_reverse(void) { return A_REVERSE; }
static inline attr_t cn_attr_dim(void) { return A_DIM; }
static inline attr_t cn_attr_underline(void) { return A_UNDERLINE; }
static inline attr_t cn_attr_normal(void) { return A_NORMAL; }
static inline int cn_lines(void) { return LINES; }
static inline int cn_cols(void) { return COLS; }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_color_pairs(void) { return COLOR_PAIRS; }
static inline int cn_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int cn_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline WINDOW *cn_curscr(void) { return curscr; }
/// Writes a UTF-8 string at (y, x) without printf formatting.
static inline int cn_mvaddstr(int y, int x, const char *s) { return mvaddstr(y, x, s); }
/// Sets the attributes and colour pair used by following writes.
static inline int cn_attr_set(attr_t attrs, int pair) { return attr_set(attrs, (short)pair, NULL); }
/// Key codes that are function-like macros in curses.h.
static inline int cn_key_f(int n) { return KEY_F(n); }

/// newterm(NULL, stdout, stdin) + set_term; returns 0 on success, -1 when the terminal type is
/// unknown, -2 when it cannot address the cursor (TERM=dumb; the screen is closed again).
int cn_start_screen(void);

/// get_wch: returns OK (a character in *ch), KEY_CODE_YES (a key code in *ch) or ERR.
int cn_get_wch(unsigned int *ch);

/// The terminal size in cells and pixels from TIOCGWINSZ on `fd` (pixels are 0 when the
/// terminal does not fill them). Returns 0 on success.
int cn_winsize(int fd, int *rows, int *cols, int *xpixels, int *ypixels);

/// Bytes written to the terminal when the process dies on a signal, after endwin()
/// (show the cursor, leave bracketed paste, reset colours…). Copied; at most 255 bytes.
void cn_set_restore_sequence(const char *bytes);

/// Installs handlers for SIGINT, SIGTERM, SIGHUP, SIGQUIT and the crash signals (SIGSEGV,
/// SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGTRAP) that restore the terminal (endwin when curses
/// is active, then the restore sequence) and re-raise the signal with its default action.
void cn_install_restore_handlers(void);

/// Tells the handlers whether curses is active (endwin is called only then).
void cn_set_curses_active(int active);

/// Blocks SIGWINCH in the calling thread (worker threads), so the UI thread receives it.
void cn_block_sigwinch(void);

#endif
