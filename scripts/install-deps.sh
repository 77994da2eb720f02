#!/usr/bin/env bash
# Installs every Debian package the project needs (build, tests, benchmarks). Idempotent: when
# everything is present it only checks and exits.
set -euo pipefail

packages=(
  # build
  cmake ninja-build pkg-config g++ clang clang-format clang-tidy libclang-rt-14-dev
  libdpdk-dev dpdk dpdk-dev libboost-dev libboost-program-options-dev libfmt-dev
  nlohmann-json3-dev libexpected-dev libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev
  robin-map-dev
  # tests: hosts in network namespaces, traffic, and DPDK's own tools as peers
  iproute2 ethtool iputils-ping netcat-openbsd iperf3 procps python3 coreutils
  # an independent decoder of what goes on the wire (tunnel headers)
  tshark
  # Open vSwitch's own tools as independent clients, and its schema for cross-checks
  openvswitch-common openvswitch-switch
  # peers for vsbench: Open vSwitch with DPDK, and plots of its results
  openvswitch-switch-dpdk python3-matplotlib
  # a real OpenFlow controller framework (and its parsers as an independent decoder)
  python3-os-ken
  # guests for vmctl: QEMU, and what scripts/build-guest-images makes images with
  qemu-system-x86 busybox-static cpio util-linux
  # Debian's LXC, the peer bench/vm/start_to_ping.py compares container start with
  lxc
  # Xen's own xl configuration parser (libxlutil), to check generated xl configs
  libxen-dev
  # libvirt domain XML for vmctl define FILE.xml
  libpugixml-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Packages with services (openvswitch-switch) must not start them: the project runs its peers
# privately. Debian's policy-rc.d convention stops invoke-rc.d, if no policy is in place yet.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  made_policy=1
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
[ -n "$made_policy" ] && $SUDO rm -f "$policy"
true
