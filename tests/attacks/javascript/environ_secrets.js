// SPDX-License-Identifier: MIT
// attack: other processes' environment and command line, the supervisor's included
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

const pids = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p));
for (const pid of pids) {
    for (const what of ["environ", "cmdline"]) {
        try {
            console.log(pid, what, fs.readFileSync(`/proc/${pid}/${what}`, "latin1").replace(/\0/g, " "));
        } catch (e) {
            verdict(true, `read /proc/${pid}/${what}`, e.code);
        }
    }
}
console.log(JSON.stringify(process.env));
verdict(pids.length < 8, `${pids.length} processes visible`);
console.log("attack over");
