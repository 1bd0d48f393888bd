#!/bin/bash
# System tier: a real `coderunner serve` driven by python3-grpcio, on the
# language images of this tree (built and imported by cr_test_images; a no-op
# when the language tier already did it). Needs top_srcdir/top_builddir.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
export CODERUNNER_DATADIR=$top_srcdir
export CODERUNNER=$top_builddir/coderunner
# shellcheck source=tests/lib/test-images.sh
. "$top_srcdir/tests/lib/test-images.sh"
cr_test_images >/dev/null
cd "$top_srcdir"
exec /usr/bin/python3 -m pytest -v -p no:cacheprovider tests/system "$@"
