import * as fs from "fs";
import * as readline from "readline";
const lines: string[] = fs.readFileSync(0, "utf8").split("\n");
const xs: number[] = lines[1].trim().split(/\s+/).map(Number);
let f: bigint = 1n;
for (let i = 1n; i <= 100n; i++) f *= i;
const m = new Map<number, number>(xs.map((x): [number, number] => [x, x]));
void readline; void m; void process.argv;
console.log(`sum=${xs.reduce((a, b) => a + b, 0)} big=${f} ok`);
