declare var require: any;
declare var process: any;
process.stdout.write(require("fs").readFileSync(0));
