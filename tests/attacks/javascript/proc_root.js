// SPDX-License-Identifier: MIT
// attack: the host's files through /proc/1/root and /proc/self/root
// expect: OK
// expect-default: OK
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

for (const path of ["/proc/1/root" + P.secret_path, "/proc/self/root/../../.." + P.secret_path, P.secret_path]) {
    try {
        console.log(`read ${path}: ${fs.readFileSync(path, "utf8")}`); // the host checks no secret shows up
    } catch (e) {
        verdict(true, "read " + path, e.code);
    }
}
const dir = P.canary_path.slice(0, P.canary_path.lastIndexOf("/"));
attempt("create a file in the host's directory", () => fs.writeFileSync(`/proc/1/root${dir}/pwned`, "x"));
attempt("truncate the host's canary", () => fs.writeFileSync("/proc/1/root" + P.canary_path, ""));
console.log("attack over");
