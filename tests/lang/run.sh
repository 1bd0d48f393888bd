#!/bin/bash
# Language tier: builds the language images (cached outside the tree, keyed by
# recipe hash), imports them into a test image store and runs the pytest
# suite against the freshly built coderunner. Needs top_srcdir/top_builddir.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
cache=${CR_IMAGE_CACHE:-/var/cache/coderunner/images}
export CODERUNNER_IMAGE_STORE=${CR_TEST_IMAGE_STORE:-/var/tmp/coderunner-test-images}
export CODERUNNER_DATADIR=$top_srcdir
export CODERUNNER=$top_builddir/coderunner

start=$(date +%s)
"$top_srcdir/rootfs/build-all.sh" --cache "$cache"
echo "# images ready in $(( $(date +%s) - start )) s"
mkdir -p "$CODERUNNER_IMAGE_STORE"
for dir in "$cache"/*/current; do
        name=$(basename "$(dirname "$dir")")
        # identical images are a no-op; a rebuilt one replaces the old tree
        "$CODERUNNER" images import --replace "$dir/$name.tar.zst" >/dev/null
done
"$CODERUNNER" images list
cd "$top_srcdir"
exec /usr/bin/python3 -m pytest -v -p no:cacheprovider tests/lang "$@"
