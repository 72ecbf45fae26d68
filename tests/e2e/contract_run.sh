#!/bin/sh
# Runs an end-to-end test binary with the contract proxy (tests/e2e/contract_proxy.h), or, when
# Prism is not installed (scripts/install-prism.sh), exits 77, which CTest reports as skipped.
# Usage: contract_run.sh PRISM TEST_BINARY [ARGS...]
prism=$1
shift
if [ ! -x "$prism" ]; then
  echo "contract run: SKIPPED (no Prism at $prism; scripts/install-prism.sh installs it)"
  exit 77
fi
VESTIBULE_E2E_PRISM=$prism exec "$@"
