// SPDX-License-Identifier: MIT
// attack: overwrite node itself and the program
// expect: OK
// expect-default: OK
// host: image
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

for (const t of [process.execPath, fs.realpathSync(process.execPath), "/proc/self/exe", process.argv[1]]) {
    attempt(`open ${t} for writing`, () => fs.openSync(t, "r+"));
    attempt(`replace ${t}`, () => fs.renameSync(t, t + ".old"));
}
attempt("install a module globally", () => fs.writeFileSync("/usr/lib/node_modules/evil.js", "x"));
console.log("attack over");
