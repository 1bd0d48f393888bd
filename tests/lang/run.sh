#!/bin/bash
# Language tier and the attack suite (tests/attacks): builds the language images (cached outside the tree, keyed by
# recipe hash), imports them into a test image store and runs the pytest
# suite against the freshly built coderunner. Needs top_srcdir/top_builddir.
set -euo pipefail
: "${top_srcdir:?}" "${top_builddir:?}"
export CODERUNNER_DATADIR=$top_srcdir
export CODERUNNER=$top_builddir/coderunner
# shellcheck source=tests/lib/test-images.sh
. "$top_srcdir/tests/lib/test-images.sh"
cr_test_images
"$CODERUNNER" images list
cd "$top_srcdir"
# CR_TIER_PATHS narrows it (make check-attacks: the attack suite alone).
# shellcheck disable=SC2086
exec /usr/bin/python3 -m pytest -v -p no:cacheprovider ${CR_TIER_PATHS:-tests/lang tests/attacks} "$@"
