// A syscall no JavaScript program needs: the javascript profile kills it.
// Not setgroups: Node 20.19+ refuses process.setgroups before making the
// call while libuv may use io_uring (CVE-2024-22017), so nothing reaches the
// kernel there. os.setPriority is libuv's uv_os_setpriority: setpriority(2)
// in every Node version.
const os = require("os");
console.log("calling setpriority");
try { os.setPriority(0, 19); } catch (e) {}
console.log("still alive");
