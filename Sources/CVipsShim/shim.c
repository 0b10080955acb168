#include "CVipsShim.h"
int tl_shim_placeholder(void) { return 0; }
