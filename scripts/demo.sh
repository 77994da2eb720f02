#!/usr/bin/env bash
# The main job on a fresh machine: installs the Debian packages, builds, starts vswitchd with a
# bridge br0, attaches two containers (network namespaces with veth pairs) as `system` ports,
# sends traffic between them (ping and an iperf3 TCP run), and shows the port counters, the
# learned MAC table, the megaflows and the PMD statistics. Everything is removed at the end.
# Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release

bin=$PWD/build/bin
run=$(mktemp -d /tmp/vs-demo-XXXX)
export VS_RUNDIR=$run VS_DBDIR=$run  # the config DB goes with the run directory
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  for c in c1 c2; do ip netns del "vsdemo-$c" 2>/dev/null || true; ip link del "vsdemo-$c" 2>/dev/null || true; done
  rm -rf "$run"
}
trap cleanup EXIT

echo "== two containers: vsdemo-c1 (10.0.0.1) and vsdemo-c2 (10.0.0.2)"
n=1
for c in c1 c2; do
  ip netns add "vsdemo-$c"
  ip link add "vsdemo-$c" type veth peer name eth0 netns "vsdemo-$c"
  ip -n "vsdemo-$c" link set lo up
  ip -n "vsdemo-$c" link set eth0 address "02:00:00:00:00:0$n" up
  ip -n "vsdemo-$c" addr add "10.0.0.$n/24" dev eth0
  ip netns exec "vsdemo-$c" ethtool -K eth0 tx off tso off gso off >/dev/null 2>&1 || true
  ip link set "vsdemo-$c" up
  n=$((n + 1))
done

echo "== vswitchd: bridge br0 with ports vsdemo-c1, vsdemo-c2 (run dir $run)"
"$bin/vswitchd" --bridge br0 --port "vsdemo-c1 type=system" --port "vsdemo-c2 type=system" \
  --log-file "$run/vswitchd.log" &
pid=$!
for _ in $(seq 100); do "$bin/appctl" version >/dev/null 2>&1 && break; sleep 0.1; done

echo "== ping c1 -> c2"
ip netns exec vsdemo-c1 ping -c 3 -i 0.2 10.0.0.2
echo "== iperf3 TCP c1 -> c2 (3 s)"
ip netns exec vsdemo-c2 iperf3 -s -1 -D >/dev/null 2>&1 || ip netns exec vsdemo-c2 iperf3 -s -1 &
sleep 0.5
ip netns exec vsdemo-c1 iperf3 -c 10.0.0.2 -t 3 | tail -4

echo "== appctl dpctl/show -s"; "$bin/appctl" dpctl/show -s
echo "== appctl fdb/show br0"; "$bin/appctl" fdb/show br0
echo "== appctl dpctl/dump-flows"; "$bin/appctl" dpctl/dump-flows
echo "== appctl dpif-netdev/pmd-stats-show"; "$bin/appctl" dpif-netdev/pmd-stats-show
