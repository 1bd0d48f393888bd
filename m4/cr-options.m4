dnl CodeRunner configure options (curl-confopts.m4 style).
AC_DEFUN([CR_OPTIONS], [
AC_ARG_ENABLE([werror],
        [AS_HELP_STRING([--disable-werror], [do not treat warnings as errors])],
        [], [enable_werror=yes])
AC_ARG_ENABLE([sanitizers],
        [AS_HELP_STRING([--enable-sanitizers], [build with AddressSanitizer and UndefinedBehaviorSanitizer])],
        [], [enable_sanitizers=no])
AC_ARG_ENABLE([coverage],
        [AS_HELP_STRING([--enable-coverage], [build with gcov instrumentation])],
        [], [enable_coverage=no])
AC_ARG_ENABLE([fuzzing],
        [AS_HELP_STRING([--enable-fuzzing], [build libFuzzer harnesses (needs clang)])],
        [], [enable_fuzzing=no])
AC_ARG_ENABLE([debug],
        [AS_HELP_STRING([--enable-debug], [debug build; exports statics to unit tests])],
        [], [enable_debug=no])

CR_CFLAGS="-Wall -Wextra -Wshadow -Wformat=2 -Wno-missing-field-initializers -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -fno-strict-aliasing -fstack-protector-strong"
AS_IF([test "x$enable_werror" = xyes], [CR_CFLAGS="$CR_CFLAGS -Werror"])
AS_IF([test "x$enable_sanitizers" = xyes], [
        CR_CFLAGS="$CR_CFLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
        CR_LDFLAGS="$CR_LDFLAGS -fsanitize=address,undefined"])
AS_IF([test "x$enable_coverage" = xyes], [
        CR_CFLAGS="$CR_CFLAGS --coverage -O0"
        CR_LDFLAGS="$CR_LDFLAGS --coverage"])
AS_IF([test "x$enable_debug" = xyes], [
        AC_DEFINE([UNITTESTS], [1], [export statics to unit tests])
        CR_CFLAGS="$CR_CFLAGS -g -O0"])
AS_IF([test "x$enable_fuzzing" = xyes], [
        dnl Instrument everything the harnesses link so libFuzzer sees coverage
        dnl inside libcr.a too; only the harness binaries link the fuzzer main.
        CR_CFLAGS="$CR_CFLAGS -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
        CR_LDFLAGS="$CR_LDFLAGS -fsanitize=address,undefined"])
AM_CONDITIONAL([ENABLE_FUZZING], [test "x$enable_fuzzing" = xyes])

dnl Programs that start sandboxes bind every symbol at start (full RELRO):
dnl each sandbox's init is a copy-on-write clone of its supervisor, and a
dnl symbol it resolved lazily wrote the clone's GOT, a copy-on-write fault
dnl per page and run (docs/internals/performance.md, lever 13).
AC_MSG_CHECKING([whether the linker takes -z now -z relro])
cr_save_LDFLAGS=$LDFLAGS
LDFLAGS="$LDFLAGS -Wl,-z,now -Wl,-z,relro"
AC_LINK_IFELSE([AC_LANG_PROGRAM([], [])],
        [CR_NOW_LDFLAGS="-Wl,-z,now -Wl,-z,relro"; AC_MSG_RESULT([yes])],
        [CR_NOW_LDFLAGS=; AC_MSG_RESULT([no])])
LDFLAGS=$cr_save_LDFLAGS
AC_SUBST([CR_NOW_LDFLAGS])
AC_SUBST([CR_CFLAGS])
AC_SUBST([CR_LDFLAGS])
])
