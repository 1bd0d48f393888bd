#!/bin/bash
# Builds CodeRunner and starts its main job on the embedded defaults: the
# daemon, `coderunner serve`, with gRPC on :9084 and the default language
# images (built on first use, about 3-4 minutes, then cached by recipe hash
# under /var/cache/coderunner/images and imported into
# /var/lib/coderunner/images), HTTP health and metrics on :8084, jobs in
# SQLite (/var/lib/coderunner/coderunner.db) and events in the JSON-lines
# file /var/lib/coderunner/events/events.jsonl. Stop it with Ctrl-C
# (SIGTERM/SIGINT drain running work).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
./scripts/setup.sh
./autogen.sh >/dev/null 2>&1
mkdir -p build/gcc
cd build/gcc
[ -f Makefile ] || "$top/configure" -q
make -s -j"$(nproc)" coderunner coderunner-serve coderunner-executor

# run from the build tree, coderunner finds the profiles and catalogue in $top
"$top/rootfs/build-all.sh"
"$top/rootfs/build-all.sh" --print-dirs | while read -r name dir; do
        ./coderunner images import --replace "$dir/$name.tar.zst" >/dev/null
done
./coderunner images list
./coderunner runtimes
echo "Starting coderunner serve on :${GRPC_PORT:-9084} (Ctrl-C to stop)"
exec ./coderunner serve
