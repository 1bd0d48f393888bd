// A syscall no TypeScript program needs: the typescript profile kills it.
console.log("calling setgroups");
try { process.setgroups!([1000]); } catch (e) {}
console.log("still alive");
