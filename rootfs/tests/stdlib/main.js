const lines = require("fs").readFileSync(0, "utf8").split("\n");
const xs = lines[1].trim().split(/\s+/).map(Number);
let f = 1n; for (let i = 1n; i <= 100n; i++) f *= i;
const m = new Map(xs.map((x) => [x, x])); require("crypto").randomBytes(4); require("util").format("%d", 1);
console.log(`sum=${xs.reduce((a, b) => a + b, 0)} big=${f} ok`);
