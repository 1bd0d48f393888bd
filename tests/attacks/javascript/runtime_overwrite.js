// SPDX-License-Identifier: MIT
// attack: overwrite node itself and the program
// expect: OK
// expect-default: OK
// host: image
for (const t of [process.execPath, fs.realpathSync(process.execPath), "/proc/self/exe", process.argv[1]]) {
    attempt(`open ${t} for writing`, () => fs.openSync(t, "r+"));
    attempt(`replace ${t}`, () => fs.renameSync(t, t + ".old"));
}
attempt("install a module globally", () => fs.writeFileSync("/usr/lib/node_modules/evil.js", "x"));
console.log("attack over");
