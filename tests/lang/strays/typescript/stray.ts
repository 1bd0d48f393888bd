// A syscall no TypeScript program needs: the typescript profile kills it.
// Not setgroups as for javascript: Node 20.19+ refuses process.setgroups
// before making the call while libuv may use io_uring (CVE-2024-22017).
import * as os from "os";
console.log("calling setpriority");
try { os.setPriority(0, 19); } catch (e) {}
console.log("still alive");
