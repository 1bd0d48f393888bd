import * as fs from "fs";
const name: string = fs.readFileSync(0, "utf8").split("\n")[0].trim();
console.log(`Hello, ${name}!`);
