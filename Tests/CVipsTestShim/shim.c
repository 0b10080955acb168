#include "CVipsTestShim.h"

int tl_resize_lanczos3(VipsImage *in, VipsImage **out, double hscale, double vscale)
{
    return vips_resize(in, out, hscale, "vscale", vscale,
                       "kernel", VIPS_KERNEL_LANCZOS3, NULL);
}

int tl_autorot(VipsImage *in, VipsImage **out)
{
    return vips_autorot(in, out, NULL);
}

int tl_jpegsave_buffer(VipsImage *in, void **buf, size_t *len, int quality, int strip)
{
    return vips_jpegsave_buffer(in, buf, len, "Q", quality, "strip", strip ? TRUE : FALSE, NULL);
}

int tl_icc_export_srgb(VipsImage *in, VipsImage **out)
{
    return vips_icc_export(in, out, "output_profile", "srgb", NULL);
}
