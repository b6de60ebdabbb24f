// libpng behind setjmp-free C entry points.
//
// libpng reports errors by calling longjmp, which must never cross Swift frames. Every
// libpng call therefore lives in cpng.c, inside a function that does its own setjmp and
// returns a status code plus a human-readable message. Swift (Sources/Imaging/PNG.swift)
// only calls the functions declared here.
#ifndef CPNG_H
#define CPNG_H

#include <stddef.h>
#include <stdint.h>

/// The outcome of a cpng call. The message buffer says more.
typedef enum {
    CPNG_OK = 0,
    CPNG_ERR_OPEN = 1,       ///< the file could not be read (message: strerror)
    CPNG_ERR_NOT_PNG = 2,    ///< the file does not start with the PNG signature
    CPNG_ERR_TRUNCATED = 3,  ///< the file ends before the image data does
    CPNG_ERR_CORRUPT = 4,    ///< libpng rejected the data (message: libpng's reason)
    CPNG_ERR_WRITE = 5,      ///< writing the output failed (message: strerror)
    CPNG_ERR_NO_MEMORY = 6,  ///< an allocation failed
    CPNG_ERR_INVALID = 7     ///< bad arguments (size zero, bad keyword…); message says which
} cpng_status;

/// One text chunk. Keys are Latin-1 (1–79 bytes, no NUL).
/// When reading: `is_utf8` is 1 for iTXt (value is UTF-8), 0 for tEXt/zTXt (value is Latin-1).
/// When writing: `is_utf8` 1 writes iTXt, 0 writes tEXt; `compressed` 1 writes zTXt / compressed iTXt.
typedef struct {
    const char *key;
    size_t key_length;
    const char *value;
    size_t value_length;
    int is_utf8;
    int compressed;
} cpng_text;

/// A decoded image: always 8-bit RGB, row-major, `width * height * 3` bytes.
typedef struct {
    uint32_t width;
    uint32_t height;
    uint8_t *pixels;          ///< malloc'd; freed by cpng_image_free
    cpng_text *texts;         ///< malloc'd deep copies; freed by cpng_image_free
    int text_count;
    int source_color_type;    ///< PNG colour type as stored (0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA)
    int source_bit_depth;     ///< bits per sample as stored (1, 2, 4, 8 or 16)
    char warning[160];        ///< libpng's first warning, e.g. "tEXt: CRC error" when it dropped a
                              ///< damaged text chunk; empty when there was none
} cpng_image;

/// Reads any PNG into 8-bit RGB from the open descriptor `fd` (from its current offset; the
/// caller opened and checked the file, and still owns and closes `fd`): palettes and grey are
/// expanded, 16-bit samples are scaled (rounded) to 8 bits, and alpha (an alpha channel or a
/// tRNS chunk) is composited onto black: out = round(c * a / 255). No gamma correction is
/// applied. Text from tEXt, zTXt and iTXt chunks, before and after the image data, is returned
/// in `out->texts`. On failure `out` holds nothing that needs freeing and `message` says why.
int cpng_read_fd(int fd, cpng_image *out, char *message, size_t message_capacity);

/// Frees what cpng_read_fd allocated and zeroes the struct. Safe on a zeroed struct.
void cpng_image_free(cpng_image *image);

/// Encodes 8-bit RGB pixels (`width * height * 3` bytes, row-major) as a non-interlaced PNG
/// with the given text chunks (placed before the image data) into the open descriptor `fd`,
/// flushed. The caller decides where `fd` leads (Swift's `WritableFile`: a temporary file it
/// then syncs and renames, or a stream) and still owns and closes it.
int cpng_write_rgb_fd(int fd, const uint8_t *pixels, uint32_t width, uint32_t height,
                      const cpng_text *texts, int text_count,
                      char *message, size_t message_capacity);

/// libpng's version as a number, e.g. 10639 for 1.6.39.
int cpng_version_number(void);

#endif
