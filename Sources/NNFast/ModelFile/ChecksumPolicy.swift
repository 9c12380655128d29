/// Whether readers verify checksums (the `.nnw` CRC-32, PNG's chunk CRCs). Always, except in a
/// fuzzing build (compiled with `-D FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION`, the flag OSS-Fuzz
/// uses): there a checksum would reject nearly every mutated input before the checks behind it
/// were reached, so `tools/fuzz.sh` turns them off, as libpng's and zlib's fuzzers do.
#if FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
let verifiesChecksums = false
#else
let verifiesChecksums = true
#endif
