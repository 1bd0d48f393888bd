// SPDX-License-Identifier: MIT
// attack: connect to the host's loopback listener and abstract unix socket
// expect: SECCOMP_VIOLATION
// expect-default: OK
// host: listener
const net = require("net");
trying("socket");
const targets = [{ port: +P.port, host: "127.0.0.1" }, { port: +P.port, host: "::1" }, { path: "\0" + P.abstract }];
let left = targets.length;
for (const t of targets) {
    const s = net.connect(t);
    s.on("connect", () => { verdict(false, "connect to " + JSON.stringify(t)); s.destroy(); done(); });
    s.on("error", (e) => { verdict(true, "connect to " + JSON.stringify(t), e.code); done(); });
}
function done() {
    if (--left === 0) console.log("attack over");
}
