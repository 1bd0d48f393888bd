#!/bin/bash
# Banned functions (curl checksrc, systemd, crun sc_prohibit_*): fails on any
# use in src/. exit() is allowed only in main() files.
set -uo pipefail
top=${1:-.}
cd "$top"
status=0
check() { # check REGEX WHY [EXCLUDE-REGEX]
        local hits
        hits=$(grep -rnE "$1" src --include='*.c' --include='*.h' | grep -vE "${3:-^$}" | grep -vE '^\S+:[0-9]+:\s*(/\*|\*)')
        if [ -n "$hits" ]; then
                echo "syntax-check: $2"
                echo "$hits"
                status=1
        fi
}
check '\b(sprintf|vsprintf|strcpy|strcat|gets|fgets|atoi|atol|atoll|strtol|basename|dirname|system|popen)\(' 'banned function'
check '\bgetenv\(' 'use secure_getenv()'
check '\b(usleep|sleep)\(' 'no sleeping outside tests'
check '\bexit\(' 'exit() only in main()' '^src/(coderunner|executor/main)\.c:'
# JSON in one place: json/ owns json-c; everyone else uses json/json.h.
check '#\s*include\s*[<"]json-c/' 'json-c is included by src/json/ only (docs/internals/json.md)' '^src/json/'
[ $status -eq 0 ] && echo "syntax-check: ok"
exit $status
