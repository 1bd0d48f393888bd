// Timers, promises, a scratch file in /tmp, clocks, randomness, BigInt,
// sorting, a big allocation, stdin to the end, some output (see workload.c).
const fs = require("fs");
const crypto = require("crypto");
async function main() {
    fs.writeFileSync("/tmp/workload.txt", "42\n");
    if (fs.readFileSync("/tmp/workload.txt", "utf8").trim() !== "42") process.exit(1);
    fs.unlinkSync("/tmp/workload.txt");
    process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, 1));
    const xs = Array.from({ length: 100000 }, () => crypto.randomBytes(4).readUInt32LE(0) ^ Math.floor(Math.random() * 1e9));
    xs.sort((a, b) => a - b);
    let f = 1n;
    for (let i = 1n; i <= 100n; i++) f *= i;
    const big = Buffer.alloc(64 << 20, 1);
    const input = fs.readFileSync(0, "utf8");
    const lines = input.split("\n").length - 1;
    const out = [];
    for (let i = 0; i < 300; i++) out.push("line " + i + " " + Math.sqrt(i).toFixed(3));
    out.push("stdin lines " + lines, "workload ok");
    console.log(out.join("\n"));
    return big.length + Number(f % 7n);
}
main();
