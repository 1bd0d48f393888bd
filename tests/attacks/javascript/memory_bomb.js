// SPDX-License-Identifier: MIT
// attack: fill memory with buffers outside the JavaScript heap
// expect: MEMORY_LIMIT
// expect-default: MEMORY_LIMIT
// limits: --memory-limit 128M
const hog = [];
for (;;) hog.push(Buffer.alloc(1 << 20, 1));
