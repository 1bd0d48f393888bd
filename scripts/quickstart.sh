#!/bin/bash
# Builds CodeRunner and starts its main job on the embedded defaults.
# Today that is one sandboxed run of a sample program with `coderunner run`
# in the small busybox rootfs the test suite uses; once the daemon exists it
# becomes `coderunner serve`.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
./scripts/setup.sh
./autogen.sh >/dev/null 2>&1
mkdir -p build/gcc
cd build/gcc
[ -f Makefile ] || "$top/configure" -q
make -s -j"$(nproc)" coderunner tests/probes/probe

rootfs=/var/tmp/coderunner-sample-rootfs
"$top/tests/integration/make-rootfs.sh" "$rootfs" tests/probes/probe >/dev/null
cat >/tmp/coderunner-sample.sh <<'SAMPLE'
echo "hello from the sandbox: $(id)"
echo "hostname: $(hostname), pid: $$"
echo "processes I can see:"; ls /proc | grep -E '^[0-9]+$'
SAMPLE

echo "\$ coderunner run --rootfs $rootfs --workdir-file /tmp/coderunner-sample.sh:sample.sh --env PATH=/bin --json -- /bin/sh sample.sh"
CODERUNNER_DATADIR="$top" ./coderunner run --rootfs "$rootfs" \
        --workdir-file /tmp/coderunner-sample.sh:sample.sh --env PATH=/bin --json -- /bin/sh sample.sh
