# shellcheck shell=bash
# Sourced by the tiers that run language images (tests/lang, tests/system).
# cr_test_images: builds this tree's images (cached outside the tree, keyed by
# recipe hash) and imports them into a test image store keyed by those hashes,
# so checkouts with different recipes can test side by side on one host.
# Needs top_srcdir and CODERUNNER; exports CODERUNNER_IMAGE_STORE.
cr_test_images() {
        local cache=${CR_IMAGE_CACHE:-/var/cache/coderunner/images}
        local build=$top_srcdir/rootfs/build-all.sh dirs key start root
        start=$(date +%s)
        "$build" --cache "$cache"
        echo "# images ready in $(($(date +%s) - start)) s"
        dirs=$("$build" --cache "$cache" --print-dirs)
        # "RECIPE DIR" of every build unit: the lang tier checks that each
        # one's image and version reach the catalogue
        export CR_TEST_IMAGE_DIRS=$dirs
        key=$(sha256sum <<<"$dirs" | cut -c1-12)
        root=/var/tmp/coderunner-test-images
        export CODERUNNER_IMAGE_STORE=${CR_TEST_IMAGE_STORE:-$root/$key}
        mkdir -p "$CODERUNNER_IMAGE_STORE"
        touch "$CODERUNNER_IMAGE_STORE"
        # stores of recipes nobody has tested for two days
        find "$root" -mindepth 1 -maxdepth 1 -type d -name '????????????' -mtime +2 \
                -exec rm -rf --one-file-system {} + 2>/dev/null || true
        while read -r name dir; do
                # identical images are a no-op; a rebuilt one replaces the old tree
                "$CODERUNNER" images import --replace "$dir/$name.tar.zst" >/dev/null
        done <<<"$dirs"
}
