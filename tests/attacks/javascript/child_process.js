// SPDX-License-Identifier: MIT
// attack: spawn shells and setuid tools from node, mount from them
// expect: SECCOMP_VIOLATION
// expect-default: OK
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
