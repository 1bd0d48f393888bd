// SPDX-License-Identifier: MIT
// attack: other processes' environment and command line, the supervisor's included
// expect: OK
// expect-default: OK
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
