#ifndef CVIPSTESTSHIM_H
#define CVIPSTESTSHIM_H
/*
 * libvips entry points that only the tests use, to make fixtures and reference
 * images (never linked into the server).
 */
#include <stddef.h>
#include <vips/vips.h>

/* Full-resolution Lanczos-3 resize: the reference the resampler is compared with. */
int tl_resize_lanczos3(VipsImage *in, VipsImage **out, double hscale, double vscale);
/* libvips' own EXIF autorotation, to cross-check orientation handling. */
int tl_autorot(VipsImage *in, VipsImage **out);
/* quality 1..100; strip != 0 drops all metadata. Free *buf with g_free. */
int tl_jpegsave_buffer(VipsImage *in, void **buf, size_t *len, int quality, int strip);
/* Attaches libvips' built-in sRGB profile (to make ICC-tagged input). */
int tl_icc_export_srgb(VipsImage *in, VipsImage **out);

#endif
