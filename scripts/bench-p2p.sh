#!/usr/bin/env bash
# Port-to-port packet rate (64-byte, vhost-user, 1 PMD core) of vswitchd beside dpdk-testpmd
# io-forward in the same run. Arguments go to bench/p2p/p2p.py (--flows, --duration, --runs,
# --json). Needs root and a release build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/p2p/p2p.py "$@"
