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

#endif
