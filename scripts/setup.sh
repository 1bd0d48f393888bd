#!/bin/bash
# Installs every Debian package CodeRunner needs to build, test and run.
# Idempotent: only missing packages are installed, nothing installed is
# upgraded (PostgreSQL clusters in particular are never touched).
set -euo pipefail

BUILD_DEPS=(
        build-essential autoconf automake autoconf-archive pkg-config clang
        libseccomp-dev libcap-dev libnl-3-dev libnl-route-3-dev libjson-c-dev
        libarchive-dev libssl-dev libprotobuf-c-dev protobuf-c-compiler
        libgrpc-dev protobuf-compiler libprotobuf-dev grpc-proto libsqlite3-dev libpq-dev librdkafka-dev
        libmicrohttpd-dev libcurl4-openssl-dev
)
TEST_DEPS=(
        busybox-static bubblewrap python3-pytest python3-grpcio protobuf-compiler-grpc
        python3-prometheus-client curl systemd man-db python3-psycopg2
        # the real Kafka consumer of tests/events (the broker is librdkafka's mock cluster)
        python3-confluent-kafka
        qemu-system-x86 cpio zstd xz-utils bc util-linux
        # what tests/unit/test-funcmode compiles against, and the toolchains
        # tests/unit/test-seccomp runs under the default profile on the host
        doctest-dev g++ golang-go mono-mcs mono-runtime openjdk-17-jdk-headless nodejs rustc
)
IMAGE_DEPS=(
        # curl and openssl fetch and check the npm packages of the TypeScript images
        mmdebstrap eatmydata zstd jq curl openssl debian-archive-keyring
)

if [ "$(id -u)" -ne 0 ]; then
        echo "setup.sh: must run as root (installs packages)" >&2
        exit 1
fi

missing=()
for p in "${BUILD_DEPS[@]}" "${TEST_DEPS[@]}" "${IMAGE_DEPS[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
                missing+=("$p")
        fi
done

if [ ${#missing[@]} -gt 0 ]; then
        echo "setup.sh: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        # --no-upgrade: a package that is already installed is left alone.
        apt-get install -y -q --no-install-recommends --no-upgrade "${missing[@]}"
else
        echo "setup.sh: all packages present"
fi
