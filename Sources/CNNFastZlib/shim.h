#ifndef NNFAST_ZLIB_SHIM_H
#define NNFAST_ZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a C macro, which Swift does not import: expose it as a real function.
static inline int nnfast_inflateInit2(z_stream *stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}

#endif
