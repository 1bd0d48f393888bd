// SPDX-License-Identifier: MIT
// attack: fill memory with buffers outside the JavaScript heap
// expect: MEMORY_LIMIT
// expect-default: MEMORY_LIMIT
// limits: --memory-limit 128M
"use strict";
const fs = require("fs");
const P = Object.fromEntries(fs.readFileSync(0, "utf8").split("\n").filter((l) => l.includes("="))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

function verdict(failed, what, err) {
    console.log(failed ? `HELD: ${what} (${err})` : `BROKEN: ${what}`);
}

// Calls fn; an exception means the sandbox held.
function attempt(what, fn) {
    try {
        fn();
    } catch (e) {
        verdict(true, what, e.code || e.message);
        return;
    }
    verdict(false, what);
}

function trying(what) {
    console.log("trying: " + what);
}

const hog = [];
for (;;) hog.push(Buffer.alloc(1 << 20, 1));
