// SPDX-License-Identifier: MIT
// attack: the host's files through /proc/1/root and /proc/self/root
// expect: OK
// expect-default: OK
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
