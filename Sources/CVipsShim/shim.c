#include "CVipsShim.h"

int tl_vips_startup(const char *argv0)
{
    if (vips_init(argv0) != 0)
        return -1;
    vips_cache_set_max(0);
    vips_concurrency_set(1);
    vips_block_untrusted_set(TRUE);
    return 0;
}

char *tl_vips_error_take(void)
{
    char *copy = vips_error_buffer_copy();
    return copy ? copy : g_strdup("");
}

void tl_free(void *p) { g_free(p); }

void tl_unref(VipsImage *image)
{
    if (image)
        g_object_unref(image);
}

int tl_jpegload_buffer(const void *buf, size_t len, int shrink,
                       int fail_on_truncated, VipsImage **out)
{
    return vips_jpegload_buffer((void *) buf, len, out,
                                "shrink", shrink,
                                "fail_on", fail_on_truncated ? VIPS_FAIL_ON_TRUNCATED : VIPS_FAIL_ON_NONE,
                                "access", VIPS_ACCESS_SEQUENTIAL,
                                NULL);
}

int tl_colourspace(VipsImage *in, VipsImage **out, VipsInterpretation space)
{
    return vips_colourspace(in, out, space, NULL);
}

int tl_icc_to_srgb(VipsImage *in, VipsImage **out)
{
    return vips_icc_transform(in, out, "srgb",
                              "embedded", TRUE,
                              "intent", VIPS_INTENT_RELATIVE,
                              NULL);
}

int tl_cast_uchar(VipsImage *in, VipsImage **out)
{
    return vips_cast(in, out, VIPS_FORMAT_UCHAR, "shift", TRUE, NULL);
}

int tl_extract_bands(VipsImage *in, VipsImage **out, int first, int n)
{
    return vips_extract_band(in, out, first, "n", n, NULL);
}

int tl_webpsave_rgb(const void *rgb, int w, int h, int q, void **buf, size_t *len)
{
    VipsImage *image = vips_image_new_from_memory(rgb, (size_t) w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
    if (!image)
        return -1;
    int rc = vips_webpsave_buffer(image, buf, len, "Q", q, NULL);
    g_object_unref(image);
    return rc;
}

int tl_image_width(const VipsImage *image) { return vips_image_get_width(image); }
int tl_image_height(const VipsImage *image) { return vips_image_get_height(image); }
int tl_image_bands(const VipsImage *image) { return vips_image_get_bands(image); }
VipsBandFormat tl_image_format(const VipsImage *image) { return vips_image_get_format(image); }
VipsInterpretation tl_image_interpretation(const VipsImage *image)
{
    return vips_image_get_interpretation(image);
}
int tl_image_has_icc(VipsImage *image)
{
    return vips_image_get_typeof(image, VIPS_META_ICC_NAME) != 0;
}
