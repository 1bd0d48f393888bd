// SPDX-License-Identifier: MIT
// attack: spawn shells and setuid tools from node, mount from them
// expect: SECCOMP_VIOLATION
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

const cp = require("child_process");
trying("spawn");
for (const argv of [["/bin/sh", "-c", "id -u"], ["/bin/mount", "-t", "tmpfs", "none", "/tmp"], ["/usr/bin/sudo", "id"],
                    ["/bin/su", "-c", "id"]]) {
    const r = cp.spawnSync(argv[0], argv.slice(1), { encoding: "utf8" });
    if (r.error) {
        verdict(true, "run " + argv.join(" "), r.error.code);
    } else {
        const out = (r.stdout + r.stderr).trim();
        console.log(`${argv.join(" ")}: exit ${r.status} signal ${r.signal}: ${out}`);
        verdict(r.status !== 0 || out !== "0" || r.signal !== null, "run " + argv.join(" ") + " as root");
    }
}
console.log("attack over");
