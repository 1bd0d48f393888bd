/* SPDX-License-Identifier: MIT */
#pragma once

/* Gives "others" read access (and search/execute where the owner has it) to
 * every regular file and directory below dirfd, up to 32 levels deep.
 * Symbolic links and every other kind of entry are left alone, and no name
 * is followed: each entry is pinned by an O_PATH descriptor opened with
 * O_NOFOLLOW, and its mode is changed through that descriptor, so a name
 * swapped for a symlink between the look and the change cannot redirect the
 * chmod outside the tree. Best effort: entries it cannot open are skipped.
 * Returns 0 or -errno for dirfd itself. */
int fs_share_tree_with_others(int dirfd);
