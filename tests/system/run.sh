#!/bin/bash
# System tier: a real `coderunner serve` driven by python3-grpcio. Uses the
# language images the language tier built and imported (tests/lang/run.sh
# runs first in scripts/test.sh; it is idempotent, so run it here too when
# invoked alone). Needs top_srcdir/top_builddir.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
export CODERUNNER_IMAGE_STORE=${CR_TEST_IMAGE_STORE:-/var/tmp/coderunner-test-images}
export CODERUNNER_DATADIR=$top_srcdir
export CODERUNNER=$top_builddir/coderunner
if [ -z "$("$CODERUNNER" images list --json 2>/dev/null | grep -o '"name"' | head -1)" ]; then
        echo "# no images in $CODERUNNER_IMAGE_STORE: building and importing them first"
        "$top_srcdir/tests/lang/run.sh" -q -k runtimes_listing >/dev/null
fi
cd "$top_srcdir"
exec /usr/bin/python3 -m pytest -v -p no:cacheprovider tests/system "$@"
