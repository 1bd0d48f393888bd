// A syscall no JavaScript program needs: the javascript profile kills it.
console.log("calling setgroups");
try { process.setgroups([1000]); } catch (e) {}
console.log("still alive");
