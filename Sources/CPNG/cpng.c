// libpng behind setjmp-free entry points; see include/cpng.h for the contract.
//
// Pattern used by both directions: the public function owns a *_state struct on its own
// stack frame and passes a pointer to a helper that calls setjmp and then libpng. Everything
// that changes after setjmp lives in that struct (not in the helper's locals), so its values
// are well defined after a longjmp, and the public function cleans up from it either way.
#include "cpng.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cpng_version_number(void) { return (int)png_access_version_number(); }

// MARK: - Errors

/// Where libpng's error callback leaves its reason, plus what the I/O callbacks observed.
typedef struct {
    char *message;
    size_t capacity;
    int hit_eof;   ///< a read asked for bytes past the end of the file
    int io_errno;  ///< a read or write failed with this errno
    char *warning;            ///< where the first warning goes (reading only), or NULL
    size_t warning_capacity;
} cpng_errors;

static void set_message(char *message, size_t capacity, const char *text) {
    if (message != NULL && capacity > 0) snprintf(message, capacity, "%s", text);
}

static void on_error(png_structp png, png_const_charp text) {
    cpng_errors *errors = (cpng_errors *)png_get_error_ptr(png);
    if (errors != NULL) set_message(errors->message, errors->capacity, text);
    png_longjmp(png, 1);
}

/// libpng's default warning handler prints to stderr; a library must not. The first warning of
/// a read is kept (libpng warns when it drops a damaged ancillary chunk, e.g. "tEXt: CRC error",
/// and the caller may need to say why a text chunk is missing); others are dropped.
static void on_warning(png_structp png, png_const_charp text) {
    cpng_errors *errors = (cpng_errors *)png_get_error_ptr(png);
    if (errors != NULL && errors->warning != NULL && errors->warning[0] == 0) {
        set_message(errors->warning, errors->warning_capacity, text);
    }
}

// MARK: - Reading

typedef struct {
    cpng_errors errors;  // first member: the error pointer and the I/O pointer are both this struct
    FILE *file;
    png_structp png;
    png_infop info;
    uint64_t file_size;  // bytes in the file (0 when unknown): bounds the image its data can hold
    uint8_t *pixels;     // h * rowbytes (3 or 4 channels while decoding, RGB when done)
    png_bytep *rows;
    cpng_text *texts;
    int text_count;
    cpng_image *out;
} read_state;

static void read_data(png_structp png, png_bytep data, size_t length) {
    read_state *st = (read_state *)png_get_io_ptr(png);
    size_t got = fread(data, 1, length, st->file);
    if (got != length) {
        if (ferror(st->file)) {
            st->errors.io_errno = errno ? errno : EIO;
            png_error(png, strerror(st->errors.io_errno));
        }
        st->errors.hit_eof = 1;
        png_error(png, "the file ends before the PNG does (truncated)");
    }
}

static char *copy_bytes(const char *bytes, size_t length) {
    char *copy = (char *)malloc(length + 1);
    if (copy == NULL) return NULL;
    if (length > 0) memcpy(copy, bytes, length);
    copy[length] = '\0';
    return copy;
}

/// Maximum pixels accepted when reading (256 Mpx): larger files are refused, not attempted.
#define CPNG_MAX_PIXELS ((uint64_t)1 << 28)
/// deflate expands at most 1032:1, so a file of N bytes holds at most about 1032·N bytes of
/// filtered rows: an IHDR claiming more is refused before the pixels are allocated (a 100-byte
/// file claiming 16384×16384 used to cost 1.8 GB before failing as truncated).
#define CPNG_MAX_DEFLATE_RATIO 1032
/// The largest buffer libpng may allocate for one chunk (a decompressed text chunk):
/// FlowStudio's own text chunks are a few kB.
#define CPNG_MAX_CHUNK_BYTES ((png_alloc_size_t)16 << 20)

/// Walks the chunk headers of the regular file `fd` of `size` bytes (after the signature) and
/// says whether every chunk fits in the file. libpng allocates a text chunk's claimed length
/// before reading it: a 278-byte file whose iTXt claimed 1.7 GB cost 1.7 GB and seconds of page
/// zeroing before it was found truncated. Returns 1 when the chunks fit (or an IEND ends them).
static int chunks_fit(int fd, uint64_t size) {
    uint64_t offset = 8;
    while (offset + 8 <= size) {
        unsigned char header[8];
        if (pread(fd, header, sizeof header, (off_t)offset) != (ssize_t)sizeof header) return 1;  // libpng reports it
        uint64_t length = ((uint64_t)header[0] << 24) | ((uint64_t)header[1] << 16) | ((uint64_t)header[2] << 8) | header[3];
        if (offset + 12 + length > size) return 0;
        if (memcmp(header + 4, "IEND", 4) == 0) return 1;
        offset += 12 + length;
    }
    return 1;
}

static int decode(read_state *st) {
    st->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st->errors, on_error, on_warning);
    if (st->png == NULL) return CPNG_ERR_NO_MEMORY;
    st->info = png_create_info_struct(st->png);
    if (st->info == NULL) return CPNG_ERR_NO_MEMORY;
    png_set_chunk_malloc_max(st->png, CPNG_MAX_CHUNK_BYTES);

    if (setjmp(png_jmpbuf(st->png))) {
        if (st->errors.hit_eof) return CPNG_ERR_TRUNCATED;
        if (st->errors.io_errno) return CPNG_ERR_OPEN;
        return CPNG_ERR_CORRUPT;
    }

    png_set_read_fn(st->png, st, read_data);
    png_set_sig_bytes(st->png, 8);
    png_read_info(st->png, st->info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(st->png, st->info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    st->out->source_color_type = color_type;
    st->out->source_bit_depth = bit_depth;
    if ((uint64_t)width * (uint64_t)height > CPNG_MAX_PIXELS) {
        set_message(st->errors.message, st->errors.capacity, "the image is too large (more than 256 Mpx)");
        return CPNG_ERR_INVALID;
    }

    if (st->file_size > 0) {
        // The filtered rows the IDAT stream must inflate to: one filter byte + the packed pixels per row.
        uint64_t row = 1 + ((uint64_t)width * (uint64_t)png_get_channels(st->png, st->info) * (uint64_t)bit_depth + 7) / 8;
        if (row * (uint64_t)height > st->file_size * CPNG_MAX_DEFLATE_RATIO + 65536) {
            set_message(st->errors.message, st->errors.capacity,
                        "the file is too small to hold the image its header claims (damaged or truncated)");
            return CPNG_ERR_CORRUPT;
        }
    }

    // Everything becomes 8-bit RGB or RGBA.
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(st->png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(st->png);
    if (png_get_valid(st->png, st->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(st->png);
    if (bit_depth == 16) png_set_scale_16(st->png);
    if (color_type == PNG_COLOR_TYPE_GRAY || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(st->png);
    (void)png_set_interlace_handling(st->png);
    png_read_update_info(st->png, st->info);

    int channels = png_get_channels(st->png, st->info);
    size_t rowbytes = png_get_rowbytes(st->png, st->info);
    if ((channels != 3 && channels != 4) || png_get_bit_depth(st->png, st->info) != 8
        || rowbytes != (size_t)width * (size_t)channels) {
        set_message(st->errors.message, st->errors.capacity, "unexpected pixel layout after conversion to 8-bit RGB");
        return CPNG_ERR_CORRUPT;
    }

    st->pixels = (uint8_t *)malloc(rowbytes * height > 0 ? rowbytes * height : 1);
    st->rows = (png_bytep *)malloc(sizeof(png_bytep) * (height > 0 ? height : 1));
    if (st->pixels == NULL || st->rows == NULL) return CPNG_ERR_NO_MEMORY;
    for (png_uint_32 y = 0; y < height; y++) st->rows[y] = st->pixels + (size_t)y * rowbytes;
    png_read_image(st->png, st->rows);
    png_read_end(st->png, st->info);  // collects text chunks that follow the image data

    png_textp text = NULL;
    int count = png_get_text(st->png, st->info, &text, NULL);
    if (count > 0) {
        st->texts = (cpng_text *)calloc((size_t)count, sizeof(cpng_text));
        if (st->texts == NULL) return CPNG_ERR_NO_MEMORY;
        for (int i = 0; i < count; i++) {
            size_t key_length = strlen(text[i].key);
            // iTXt keeps its length in itxt_length; tEXt/zTXt in text_length.
            int is_utf8 = text[i].compression == PNG_ITXT_COMPRESSION_NONE
                       || text[i].compression == PNG_ITXT_COMPRESSION_zTXt;
            size_t value_length = text[i].text == NULL ? 0 : strlen(text[i].text);
            cpng_text *t = &st->texts[i];
            t->key = copy_bytes(text[i].key, key_length);
            t->value = copy_bytes(text[i].text == NULL ? "" : text[i].text, value_length);
            st->text_count = i + 1;
            if (t->key == NULL || t->value == NULL) return CPNG_ERR_NO_MEMORY;
            t->key_length = key_length;
            t->value_length = value_length;
            t->is_utf8 = is_utf8;
            t->compressed = text[i].compression == PNG_TEXT_COMPRESSION_zTXt
                         || text[i].compression == PNG_ITXT_COMPRESSION_zTXt;
        }
    }

    // Alpha: composite onto black, in place (the RGB output never overtakes the RGBA input).
    if (channels == 4) {
        size_t n = (size_t)width * height;
        uint8_t *p = st->pixels;
        for (size_t i = 0; i < n; i++) {
            unsigned a = p[i * 4 + 3];
            p[i * 3 + 0] = (uint8_t)((p[i * 4 + 0] * a + 127) / 255);
            p[i * 3 + 1] = (uint8_t)((p[i * 4 + 1] * a + 127) / 255);
            p[i * 3 + 2] = (uint8_t)((p[i * 4 + 2] * a + 127) / 255);
        }
    }
    st->out->width = width;
    st->out->height = height;
    return CPNG_OK;
}

static void free_texts(cpng_text *texts, int count) {
    if (texts == NULL) return;
    for (int i = 0; i < count; i++) {
        free((void *)texts[i].key);
        free((void *)texts[i].value);
    }
    free(texts);
}

int cpng_read_fd(int fd, cpng_image *out, char *message, size_t message_capacity) {
    memset(out, 0, sizeof *out);
    set_message(message, message_capacity, "");

    // A stream of our own over a duplicate: closing it leaves the caller's descriptor open.
    int copy = dup(fd);
    FILE *file = copy < 0 ? NULL : fdopen(copy, "rb");
    if (file == NULL) {
        int error = errno;
        if (copy >= 0) close(copy);
        set_message(message, message_capacity, strerror(error));
        return CPNG_ERR_OPEN;
    }
    unsigned char signature[8];
    size_t got = fread(signature, 1, sizeof signature, file);
    if (got < sizeof signature) {
        int status;
        if (ferror(file)) {
            set_message(message, message_capacity, strerror(errno ? errno : EIO));
            status = CPNG_ERR_OPEN;
        } else if (got == 0) {
            set_message(message, message_capacity, "the file is empty, not a PNG");
            status = CPNG_ERR_NOT_PNG;
        } else if (png_sig_cmp(signature, 0, got) == 0) {
            set_message(message, message_capacity, "the file ends inside the PNG signature (truncated)");
            status = CPNG_ERR_TRUNCATED;
        } else {
            set_message(message, message_capacity, "the file does not start with the PNG signature");
            status = CPNG_ERR_NOT_PNG;
        }
        fclose(file);
        return status;
    }
    if (png_sig_cmp(signature, 0, sizeof signature) != 0) {
        set_message(message, message_capacity, "the file does not start with the PNG signature");
        fclose(file);
        return CPNG_ERR_NOT_PNG;
    }

    read_state st;
    memset(&st, 0, sizeof st);
    st.errors.message = message;
    st.errors.capacity = message_capacity;
    memset(out->warning, 0, sizeof out->warning);
    st.errors.warning = out->warning;
    st.errors.warning_capacity = sizeof out->warning;
    st.file = file;
    st.out = out;
    struct stat status_of_file;
    if (fstat(fd, &status_of_file) == 0 && S_ISREG(status_of_file.st_mode)) st.file_size = (uint64_t)status_of_file.st_size;
    if (st.file_size > 0 && !chunks_fit(fd, st.file_size)) {
        set_message(message, message_capacity, "a chunk is longer than the rest of the file (truncated)");
        fclose(file);
        return CPNG_ERR_TRUNCATED;
    }
    int status = decode(&st);

    if (st.png != NULL) png_destroy_read_struct(&st.png, st.info != NULL ? &st.info : NULL, NULL);
    free(st.rows);
    fclose(file);
    if (status != CPNG_OK) {
        if (status == CPNG_ERR_NO_MEMORY) set_message(message, message_capacity, "out of memory");
        free(st.pixels);
        free_texts(st.texts, st.text_count);
        memset(out, 0, sizeof *out);
        return status;
    }
    out->pixels = st.pixels;
    out->texts = st.texts;
    out->text_count = st.text_count;
    return CPNG_OK;
}

void cpng_image_free(cpng_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    free_texts(image->texts, image->text_count);
    memset(image, 0, sizeof *image);
}

// MARK: - Writing

typedef struct {
    cpng_errors errors;  // first member, as in read_state
    FILE *file;
    png_structp png;
    png_infop info;
    png_bytep *rows;
    png_textp texts;
    int text_count;
} write_state;

static void write_data(png_structp png, png_bytep data, size_t length) {
    write_state *st = (write_state *)png_get_io_ptr(png);
    if (fwrite(data, 1, length, st->file) != length) {
        st->errors.io_errno = errno ? errno : EIO;
        png_error(png, strerror(st->errors.io_errno));
    }
}

static void flush_data(png_structp png) {
    write_state *st = (write_state *)png_get_io_ptr(png);
    if (fflush(st->file) != 0) {
        st->errors.io_errno = errno ? errno : EIO;
        png_error(png, strerror(st->errors.io_errno));
    }
}

static int encode(write_state *st, const uint8_t *pixels, uint32_t width, uint32_t height,
                  const cpng_text *texts, int text_count) {
    st->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &st->errors, on_error, on_warning);
    if (st->png == NULL) return CPNG_ERR_NO_MEMORY;
    st->info = png_create_info_struct(st->png);
    if (st->info == NULL) return CPNG_ERR_NO_MEMORY;
    st->rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (st->rows == NULL) return CPNG_ERR_NO_MEMORY;
    for (uint32_t y = 0; y < height; y++) st->rows[y] = (png_bytep)(pixels + (size_t)y * width * 3);

    if (text_count > 0) {
        st->texts = (png_textp)calloc((size_t)text_count, sizeof(png_text));
        if (st->texts == NULL) return CPNG_ERR_NO_MEMORY;
        for (int i = 0; i < text_count; i++) {
            png_textp t = &st->texts[i];
            t->key = copy_bytes(texts[i].key, texts[i].key_length);
            t->text = copy_bytes(texts[i].value, texts[i].value_length);
            st->text_count = i + 1;
            if (t->key == NULL || t->text == NULL) return CPNG_ERR_NO_MEMORY;
            if (texts[i].is_utf8) {
                t->compression = texts[i].compressed ? PNG_ITXT_COMPRESSION_zTXt : PNG_ITXT_COMPRESSION_NONE;
                t->itxt_length = texts[i].value_length;
            } else {
                t->compression = texts[i].compressed ? PNG_TEXT_COMPRESSION_zTXt : PNG_TEXT_COMPRESSION_NONE;
                t->text_length = texts[i].value_length;
            }
        }
    }

    if (setjmp(png_jmpbuf(st->png))) {
        return st->errors.io_errno ? CPNG_ERR_WRITE : CPNG_ERR_INVALID;
    }
    png_set_write_fn(st->png, st, write_data, flush_data);
    png_set_IHDR(st->png, st->info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (st->text_count > 0) png_set_text(st->png, st->info, st->texts, st->text_count);
    png_write_info(st->png, st->info);
    png_write_image(st->png, st->rows);
    png_write_end(st->png, NULL);
    return CPNG_OK;
}

// MARK: - Writing into a descriptor

int cpng_write_rgb_fd(int fd, const uint8_t *pixels, uint32_t width, uint32_t height,
                      const cpng_text *texts, int text_count,
                      char *message, size_t message_capacity) {
    set_message(message, message_capacity, "");
    if (width == 0 || height == 0) {
        set_message(message, message_capacity, "the image has zero width or height");
        return CPNG_ERR_INVALID;
    }
    // A stream of our own over a duplicate ("w" on an existing descriptor truncates nothing):
    // closing it leaves the caller's descriptor open for its fsync and rename.
    int copy = dup(fd);
    FILE *file = copy < 0 ? NULL : fdopen(copy, "wb");
    if (file == NULL) {
        int error = errno;
        if (copy >= 0) close(copy);
        set_message(message, message_capacity, strerror(error));
        return CPNG_ERR_WRITE;
    }

    write_state st;
    memset(&st, 0, sizeof st);
    st.errors.message = message;
    st.errors.capacity = message_capacity;
    st.file = file;
    int status = encode(&st, pixels, width, height, texts, text_count);

    if (st.png != NULL) png_destroy_write_struct(&st.png, st.info != NULL ? &st.info : NULL);
    free(st.rows);
    if (st.texts != NULL) {
        for (int i = 0; i < st.text_count; i++) {
            free(st.texts[i].key);
            free(st.texts[i].text);
        }
        free(st.texts);
    }
    if (status == CPNG_OK && fflush(file) != 0) {
        set_message(message, message_capacity, strerror(errno));
        status = CPNG_ERR_WRITE;
    }
    if (fclose(file) != 0 && status == CPNG_OK) {
        set_message(message, message_capacity, strerror(errno));
        status = CPNG_ERR_WRITE;
    }
    if (status == CPNG_ERR_NO_MEMORY) set_message(message, message_capacity, "out of memory");
    return status;
}
