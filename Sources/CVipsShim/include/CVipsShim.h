#ifndef CVIPSSHIM_H
#define CVIPSSHIM_H
#include <vips/vips.h>
int tl_shim_placeholder(void);
#endif
