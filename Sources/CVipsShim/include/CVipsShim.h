#ifndef CVIPSSHIM_H
#define CVIPSSHIM_H
/*
 * Fixed-arity wrappers around libvips' variadic entry points, which Swift
 * cannot call. Nothing else lives in C: all logic is in the Imaging module.
 */
#include <stddef.h>
#include <vips/vips.h>

/* vips_init + cache off + one libvips worker thread per pipeline + block
 * untrusted loaders. Returns 0 on success. Call once (Imaging guards it). */
int tl_vips_startup(const char *argv0);

/* Copies and clears libvips' (global, accumulating) error buffer. The caller
 * frees the result with tl_free. Never NULL. */
char *tl_vips_error_take(void);
void tl_free(void *p);
void tl_unref(VipsImage *image);

/* JPEG loader only (never the generic sniffing loaders). shrink: 1, 2, 4, 8.
 * fail_on_truncated != 0 makes a truncated stream an error (lazily: at
 * write_to_memory / save time). Sequential access. */
int tl_jpegload_buffer(const void *buf, size_t len, int shrink,
                       int fail_on_truncated, VipsImage **out);

int tl_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation space);
/* Embedded profile (or the interpretation's fallback) -> sRGB, relative intent. */
int tl_icc_to_srgb(VipsImage *in, VipsImage **out);
int tl_cast_uchar(VipsImage *in, VipsImage **out);
int tl_extract_bands(VipsImage *in, VipsImage **out, int first, int n);

/* Lossy WebP of packed 8-bit RGB (w * h * 3 bytes) at quality q (1-100); the
 * caller frees *buf with tl_free. Returns 0 on success. */
int tl_webpsave_rgb(const void *rgb, int w, int h, int q, void **buf, size_t *len);

int tl_image_width(const VipsImage *image);
int tl_image_height(const VipsImage *image);
int tl_image_bands(const VipsImage *image);
VipsBandFormat tl_image_format(const VipsImage *image);
VipsInterpretation tl_image_interpretation(const VipsImage *image);
int tl_image_has_icc(VipsImage *image);

#endif
