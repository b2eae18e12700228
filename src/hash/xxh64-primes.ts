// XXH64's five primes, from the xxHash specification: one copy for both
// engines (the WebAssembly module and the pure-JS fallback).

/** PRIME64_1. */
export const P1 = 0x9e3779b185ebca87n;
/** PRIME64_2. */
export const P2 = 0xc2b2ae3d27d4eb4fn;
/** PRIME64_3. */
export const P3 = 0x165667b19e3779f9n;
/** PRIME64_4. */
export const P4 = 0x85ebca77c2b2ae63n;
/** PRIME64_5. */
export const P5 = 0x27d4eb2f165667c5n;
