#ifndef NNFAST_MATH_SHIM_H
#define NNFAST_MATH_SHIM_H

// Vector math Swift cannot express without scalarizing. Swift imports a clang float vector of
// 16 as SIMD16<Float>.
typedef float nnfast_float16 __attribute__((ext_vector_type(16)));

// IEEE square root of every lane (exactly rounded, like the scalar sqrt). Swift's
// SIMD16<Float>.squareRoot() becomes 16 calls through glibc's sqrtf (with its errno check);
// this is one vsqrtps per register.
static inline nnfast_float16 nnfast_sqrt16(nnfast_float16 x) {
    return __builtin_elementwise_sqrt(x);
}

typedef unsigned char nnfast_uchar16 __attribute__((ext_vector_type(16)));

// Every lane of 16 u8 values as Float, exactly (vpmovzxbd + vcvtdq2ps per 8 lanes). Swift's
// SIMD16<Float>(SIMD16<Int32>(truncatingIfNeeded:)) became two out-of-line generic calls per
// vector, each ending in vzeroupper (`nnfast bench --filter u8`, 256×1024 pixels, on Zen 3:
// 63-109 µs that way, 20-31 µs this way).
static inline nnfast_float16 nnfast_u8_to_float16(nnfast_uchar16 x) {
    return __builtin_convertvector(x, nnfast_float16);
}

// An unaligned load and store of 16 floats, always inline. Swift's generic
// `loadUnaligned(as: SIMD16<Float>.self)` is a specialization that LLVM may call out of line
// from a large caller: which callers got the call changed with unrelated edits elsewhere in the
// module (once the GEMM tile's bias load, with the accumulators spilled around it).
static inline __attribute__((always_inline)) nnfast_float16 nnfast_load16(const float *source) {
    nnfast_float16 value;
    __builtin_memcpy(&value, source, sizeof value);
    return value;
}

static inline __attribute__((always_inline)) void nnfast_store16(float *destination, nnfast_float16 value) {
    __builtin_memcpy(destination, &value, sizeof value);
}

// Asks for the cache line holding `address` ahead of a write (no fault on any address).
static inline void nnfast_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

// Asks for the cache line holding `address` ahead of a read, into every level down to L2
// (locality 2: the line is wanted soon, not at once). No fault on any address.
static inline void nnfast_prefetch_for_read(const void *address) {
    __builtin_prefetch(address, 0, 2);
}

typedef float nnfast_float8 __attribute__((ext_vector_type(8)));

// Transposes an 8×8 block of floats: element j of source row i (source[i·sourceStride + j])
// goes to destination[j·destinationStride + i].
// The classic AVX sequence — interleave pairs of rows, then pairs of pairs, then exchange the
// 128-bit halves — as 24 two-source shuffles. The same sequence written with Swift's SIMD8
// initializers was re-combined by LLVM into ~70 shuffles, blends and stack spills.
static inline void nnfast_transpose8x8(const float *source, long sourceStride,
                                       float *destination, long destinationStride) {
    nnfast_float8 r0, r1, r2, r3, r4, r5, r6, r7;
    __builtin_memcpy(&r0, source + 0 * sourceStride, sizeof r0);
    __builtin_memcpy(&r1, source + 1 * sourceStride, sizeof r1);
    __builtin_memcpy(&r2, source + 2 * sourceStride, sizeof r2);
    __builtin_memcpy(&r3, source + 3 * sourceStride, sizeof r3);
    __builtin_memcpy(&r4, source + 4 * sourceStride, sizeof r4);
    __builtin_memcpy(&r5, source + 5 * sourceStride, sizeof r5);
    __builtin_memcpy(&r6, source + 6 * sourceStride, sizeof r6);
    __builtin_memcpy(&r7, source + 7 * sourceStride, sizeof r7);
    // (a0 b0 a1 b1 | a4 b4 a5 b5) and (a2 b2 a3 b3 | a6 b6 a7 b7).
    nnfast_float8 t0 = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);
    nnfast_float8 t1 = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);
    nnfast_float8 t2 = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);
    nnfast_float8 t3 = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);
    nnfast_float8 t4 = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);
    nnfast_float8 t5 = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);
    nnfast_float8 t6 = __builtin_shufflevector(r6, r7, 0, 8, 1, 9, 4, 12, 5, 13);
    nnfast_float8 t7 = __builtin_shufflevector(r6, r7, 2, 10, 3, 11, 6, 14, 7, 15);
    // (a0 a1 b0 b1 | a4 a5 b4 b5) and (a2 a3 b2 b3 | a6 a7 b6 b7): columns c and c + 4 of 4 rows.
    nnfast_float8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
    nnfast_float8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    nnfast_float8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    nnfast_float8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    nnfast_float8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
    nnfast_float8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    nnfast_float8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
    nnfast_float8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    // Whole columns: the rows 0-3 half and the rows 4-7 half.
    nnfast_float8 c0 = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
    nnfast_float8 c1 = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
    nnfast_float8 c2 = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
    nnfast_float8 c3 = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
    nnfast_float8 c4 = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
    nnfast_float8 c5 = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
    nnfast_float8 c6 = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
    nnfast_float8 c7 = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
    __builtin_memcpy(destination + 0 * destinationStride, &c0, sizeof c0);
    __builtin_memcpy(destination + 1 * destinationStride, &c1, sizeof c1);
    __builtin_memcpy(destination + 2 * destinationStride, &c2, sizeof c2);
    __builtin_memcpy(destination + 3 * destinationStride, &c3, sizeof c3);
    __builtin_memcpy(destination + 4 * destinationStride, &c4, sizeof c4);
    __builtin_memcpy(destination + 5 * destinationStride, &c5, sizeof c5);
    __builtin_memcpy(destination + 6 * destinationStride, &c6, sizeof c6);
    __builtin_memcpy(destination + 7 * destinationStride, &c7, sizeof c7);
}

// Interleaves 8 steps of 6 rows, as a GEMM A panel holds them: element j of source row i
// (source[i·sourceStride + j]) goes to destination[j·6 + i], 48 contiguous floats. Pairs of rows
// are interleaved within each 128-bit half, the pairs merged into 4-float chunks (steps 0-3 in the
// low halves, 4-7 in the high ones), and the halves joined: 18 two-source shuffles, 6 loads and
// 6 stores where a float-by-float copy makes 48 loads and 48 strided stores.
static inline void nnfast_interleave6x8(const float *source, long sourceStride, float *destination) {
    nnfast_float8 r0, r1, r2, r3, r4, r5;
    __builtin_memcpy(&r0, source + 0 * sourceStride, sizeof r0);
    __builtin_memcpy(&r1, source + 1 * sourceStride, sizeof r1);
    __builtin_memcpy(&r2, source + 2 * sourceStride, sizeof r2);
    __builtin_memcpy(&r3, source + 3 * sourceStride, sizeof r3);
    __builtin_memcpy(&r4, source + 4 * sourceStride, sizeof r4);
    __builtin_memcpy(&r5, source + 5 * sourceStride, sizeof r5);
    // (a0 b0 a1 b1 | a4 b4 a5 b5) and (a2 b2 a3 b3 | a6 b6 a7 b7) for the row pairs.
    nnfast_float8 p01 = __builtin_shufflevector(r0, r1, 0, 8, 1, 9, 4, 12, 5, 13);
    nnfast_float8 q01 = __builtin_shufflevector(r0, r1, 2, 10, 3, 11, 6, 14, 7, 15);
    nnfast_float8 p23 = __builtin_shufflevector(r2, r3, 0, 8, 1, 9, 4, 12, 5, 13);
    nnfast_float8 q23 = __builtin_shufflevector(r2, r3, 2, 10, 3, 11, 6, 14, 7, 15);
    nnfast_float8 p45 = __builtin_shufflevector(r4, r5, 0, 8, 1, 9, 4, 12, 5, 13);
    nnfast_float8 q45 = __builtin_shufflevector(r4, r5, 2, 10, 3, 11, 6, 14, 7, 15);
    // The six 4-float chunks of steps 0-3 (low halves) and of steps 4-7 (high halves): rows 0-3
    // of step s; rows 4, 5 of s and 0, 1 of s+1; rows 2-5 of s+1; the same for s+2 and s+3.
    nnfast_float8 x0 = __builtin_shufflevector(p01, p23, 0, 1, 8, 9, 4, 5, 12, 13);
    nnfast_float8 x1 = __builtin_shufflevector(p45, p01, 0, 1, 10, 11, 4, 5, 14, 15);
    nnfast_float8 x2 = __builtin_shufflevector(p23, p45, 2, 3, 10, 11, 6, 7, 14, 15);
    nnfast_float8 x3 = __builtin_shufflevector(q01, q23, 0, 1, 8, 9, 4, 5, 12, 13);
    nnfast_float8 x4 = __builtin_shufflevector(q45, q01, 0, 1, 10, 11, 4, 5, 14, 15);
    nnfast_float8 x5 = __builtin_shufflevector(q23, q45, 2, 3, 10, 11, 6, 7, 14, 15);
    nnfast_float8 o0 = __builtin_shufflevector(x0, x1, 0, 1, 2, 3, 8, 9, 10, 11);
    nnfast_float8 o1 = __builtin_shufflevector(x2, x3, 0, 1, 2, 3, 8, 9, 10, 11);
    nnfast_float8 o2 = __builtin_shufflevector(x4, x5, 0, 1, 2, 3, 8, 9, 10, 11);
    nnfast_float8 o3 = __builtin_shufflevector(x0, x1, 4, 5, 6, 7, 12, 13, 14, 15);
    nnfast_float8 o4 = __builtin_shufflevector(x2, x3, 4, 5, 6, 7, 12, 13, 14, 15);
    nnfast_float8 o5 = __builtin_shufflevector(x4, x5, 4, 5, 6, 7, 12, 13, 14, 15);
    __builtin_memcpy(destination + 0, &o0, sizeof o0);
    __builtin_memcpy(destination + 8, &o1, sizeof o1);
    __builtin_memcpy(destination + 16, &o2, sizeof o2);
    __builtin_memcpy(destination + 24, &o3, sizeof o3);
    __builtin_memcpy(destination + 32, &o4, sizeof o4);
    __builtin_memcpy(destination + 40, &o5, sizeof o5);
}

#endif
