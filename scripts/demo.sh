#!/usr/bin/env bash
# The main job on a fresh machine: installs the Debian packages, builds, starts vswitchd with its
# embedded config DB, and then drives it through the DB as a user would: `vsctl add-br br0` and
# `vsctl add-port` for two containers (network namespaces with veth pairs, attached as `system`
# ports). Sends traffic between them (ping and an iperf3 TCP run) and shows the configuration, the
# interface counters, the learned MAC table, the megaflows and the PMD statistics. Everything is
# removed at the end. Then a QEMU guest (vhost-user) and a container (veth) join br0 through vmctl,
# from images that scripts/build-guest-images makes out of Debian packages. Needs root. With VS_BIN_DIR set, uses the programs there and skips the
# installation and the build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VS_BIN_DIR:-}" ]; then
  bash scripts/install-deps.sh
  bash scripts/build.sh release
fi
bin=${VS_BIN_DIR:-$PWD/build/bin}
run=$(mktemp -d /tmp/vs-demo-XXXX)
export VS_RUNDIR=$run VS_DBDIR=$run  # the config DB goes with the run directory
pid=""
cleanup() {
  for g in vm1 ct1; do "$bin/vmctl" destroy "$g" >/dev/null 2>&1 || true; done
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  for c in c1 c2; do ip netns del "vsdemo-$c" 2>/dev/null || true; ip link del "vsdemo-$c" 2>/dev/null || true; done
  rm -rf "$run"
}
trap cleanup EXIT
show() { echo; echo "== $(basename "$1") ${*:2}"; "$@"; }

echo "== two containers: vsdemo-c1 (10.0.0.1) and vsdemo-c2 (10.0.0.2)"
n=1
for c in c1 c2; do
  ip netns add "vsdemo-$c"
  ip link add "vsdemo-$c" type veth peer name eth0 netns "vsdemo-$c"
  ip -n "vsdemo-$c" link set lo up
  ip -n "vsdemo-$c" link set eth0 address "02:00:00:00:00:0$n" up
  ip -n "vsdemo-$c" addr add "10.0.0.$n/24" dev eth0
  ip netns exec "vsdemo-$c" ethtool -K eth0 tx off tso off gso off >/dev/null 2>&1 || true
  # No IPv6 chatter from either end: the MAC table then shows just the two containers.
  ip netns exec "vsdemo-$c" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  sysctl -qw "net.ipv6.conf.vsdemo-$c.disable_ipv6=1"
  ip link set "vsdemo-$c" up
  n=$((n + 1))
done

echo "== vswitchd with its embedded config DB (run dir $run)"
"$bin/vswitchd" --log-file "$run/vswitchd.log" --pidfile "$run/vswitchd.pid" &
pid=$!
for _ in $(seq 100); do [ -S "$run/db.sock" ] && "$bin/appctl" version >/dev/null 2>&1 && break; sleep 0.1; done

# Like ovs-vsctl, vsctl returns once vswitchd has applied the change.
show "$bin/vsctl" add-br br0
sysctl -qw net.ipv6.conf.br0.disable_ipv6=1 2>/dev/null || true  # br0's internal port: quiet
show "$bin/vsctl" add-port br0 vsdemo-c1
show "$bin/vsctl" add-port br0 vsdemo-c2
"$bin/vsctl" set Open_vSwitch . other_config:stats-update-interval=1000

echo; echo "== ping c1 -> c2"
ip netns exec vsdemo-c1 ping -c 3 -i 0.2 10.0.0.2
echo; echo "== iperf3 TCP c1 -> c2 (3 s)"
ip netns exec vsdemo-c2 iperf3 -s -1 -D >/dev/null 2>&1 || ip netns exec vsdemo-c2 iperf3 -s -1 &
sleep 0.5
ip netns exec vsdemo-c1 iperf3 -c 10.0.0.2 -t 3 | tail -4

echo; echo "== guests on br0: vm1 (QEMU, vhost-user, 10.0.0.11) and ct1 (container, veth, 10.0.0.12)"
img=${VS_GUEST_IMAGES:-$bin/../guest-images}
bash scripts/build-guest-images "$img"
show "$bin/vmctl" define --name vm1 --memory 256 --kernel "$img/vmlinux" --initrd "$img/initrd.img" \
  --cmdline quiet --network bridge=br0,type=vhostuser,ip=10.0.0.11/24
show "$bin/vmctl" define --name ct1 --type lxc --memory 64 --rootfs "$img/rootfs" \
  --network bridge=br0,ip=10.0.0.12/24
show "$bin/vmctl" start vm1
show "$bin/vmctl" start ct1
for _ in $(seq 60); do "$bin/vmctl" exec ct1 -- ping -c 1 -W 1 10.0.0.11 >/dev/null 2>&1 && break; done
show "$bin/vmctl" exec ct1 -- ping -c 3 -i 0.2 10.0.0.11
echo; echo "== ping c1 -> vm1"
ip netns exec vsdemo-c1 ping -c 3 -i 0.2 10.0.0.11
show "$bin/vmctl" list --all
show "$bin/vmctl" dominfo vm1
show "$bin/vmctl" domiflist vm1
sleep 1.5  # Interface statistics reach the DB once a second

show "$bin/vsctl" show
show "$bin/vsctl" --columns=name,ofport,link_state,statistics list Interface
show "$bin/appctl" dpctl/show -s
show "$bin/appctl" fdb/show br0
show "$bin/appctl" dpctl/dump-flows
show "$bin/appctl" dpif-netdev/pmd-stats-show
