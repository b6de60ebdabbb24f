// libpng behind setjmp-free C entry points (libpng reports errors with longjmp,
// which Swift cannot catch). Filled in by the Imaging work.
#ifndef CPNG_H
#define CPNG_H
#include <stddef.h>
int cpng_version_number(void);
#endif
