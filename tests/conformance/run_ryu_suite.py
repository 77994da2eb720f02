#!/usr/bin/python3
"""Runs the Ryu/os-ken switch conformance suite against our vswitchd.

The JSON patterns in ../shared/conformance/ryu-switch-tests/{of10,of13}/<group>/ run with the
tester app of Debian's python3-os-ken (os_ken/tests/switch/tester.py): our bridge is the target
(datapath id 1), a private userspace Open vSwitch bridge the tester switch (datapath id 2), and
target port N is wired to tester port N (N = 1..3) by veth pairs (ours as `system` ports, Open
vSwitch's as its netdev ports). Everything runs inside a network namespace of its own (so Open
vSwitch's `ovs-netdev` tap and the controller's TCP port clash with nothing on the host), and
everything this script starts or creates is removed at the end, even on failure.

Prints pass/fail counts per version and group and the reason of every failure; with --json FILE
also writes them as JSON. Needs root, ovs-vsctl, ovsdb-server, ovs-vswitchd and osken-manager.
Only one Open vSwitch with the netdev datapath may run per host: it waits for another
ovs-vswitchd to end first (--ovs-wait seconds). test_ryu_conformance.py (the CTest) runs a
subset through run_suite().

  sudo tests/conformance/run_ryu_suite.py [--bin-dir build-conf/bin] [--versions of13,of10]
      [--groups match,action,group,meter] [--exclude 'of13/group/01_SELECT_*']
      [--json out.json] [--tester-flow-cache]
"""

import argparse
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_SUITE = os.path.normpath(os.path.join(REPO, "..", "shared", "conformance",
                                              "ryu-switch-tests"))
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
OF_PORT = 6653
STALL_SECONDS = 90
OVS_WAIT_SECONDS = 600
VERSIONS = {"of10": "openflow10", "of13": "openflow13"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def other_ovs_vswitchd():
    """'pid command line' of every running ovs-vswitchd that may use the netdev datapath (Open
    vSwitch's test builds with --enable-dummy do not)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if not f.read().startswith("ovs-vswitchd"):
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "--enable-dummy" not in cmdline:
            found.append(f"{pid} {cmdline}")
    return found


def wait_for_no_ovs(timeout):
    """Only one Open vSwitch with the netdev datapath per host (PEERS.md): waits for others."""
    deadline, others, said = time.time() + timeout, other_ovs_vswitchd(), False
    while others and time.time() < deadline:
        if not said:
            log(f"waiting up to {timeout} s for another ovs-vswitchd to end: {others[0][:120]}")
            said = True
        time.sleep(2)
        others = other_ovs_vswitchd()
    if others:
        raise RuntimeError(f"another ovs-vswitchd still runs after {timeout} s (only one Open "
                           f"vSwitch with the netdev datapath per host): {others[0][:120]}")


class Env:
    """The namespace, veths, Open vSwitch and vswitchd; stop() undoes whatever was made."""

    def __init__(self, bin_dir, keep_logs=None, tester_flow_cache=False,
                 ovs_wait=OVS_WAIT_SECONDS):
        self.bin_dir = bin_dir
        self.ovs_wait = ovs_wait
        self.keep_logs = keep_logs
        self.tester_flow_cache = tester_flow_cache
        self.tag = os.getpid() % 100000
        self.ns = f"ryuconf{self.tag}"
        self.work = tempfile.mkdtemp(prefix="vs-ryu-")
        self.ovs_dir = os.path.join(self.work, "ovs")
        self.vs_dir = os.path.join(self.work, "vs")
        os.makedirs(self.ovs_dir)
        os.makedirs(self.vs_dir)
        self.ns_made = False
        self.ovs_started = False
        self.vswitchd = None
        self.controller = None

    # -- helpers --------------------------------------------------------------------------
    def sh(self, cmd, check=True, timeout=60, env=None):
        p = subprocess.run(["ip", "netns", "exec", self.ns, "sh", "-c", cmd], capture_output=True,
                           text=True, timeout=timeout, env=env)
        if check and p.returncode != 0:
            raise RuntimeError(f"failed ({p.returncode}): {cmd}\n{p.stdout}{p.stderr}")
        return p.stdout

    def ovs_env(self):
        return dict(os.environ, OVS_RUNDIR=self.ovs_dir, OVS_DBDIR=self.ovs_dir,
                    OVS_LOGDIR=self.ovs_dir, OVS_SYSCONFDIR=self.ovs_dir)

    def ovs_vsctl(self, *args):
        db = f"unix:{self.ovs_dir}/db.sock"
        q = " ".join(f"'{a}'" for a in args)
        return self.sh(f"ovs-vsctl --db={db} --timeout=20 {q}", env=self.ovs_env())

    def vs_vsctl(self, *args):
        db = f"unix:{self.vs_dir}/db.sock"
        q = " ".join(f"'{a}'" for a in args)
        return self.sh(f"ovs-vsctl --db={db} --timeout=20 {q}")

    # -- setup ----------------------------------------------------------------------------
    def start(self):
        subprocess.run(["ip", "netns", "add", self.ns], check=True)
        self.ns_made = True
        self.sh("ip link set lo up; sysctl -qw net.ipv6.conf.all.disable_ipv6=1;"
                " sysctl -qw net.ipv6.conf.default.disable_ipv6=1")
        for n in (1, 2, 3):
            # tN: target (our bridge) port N; oN: tester (Open vSwitch) port N.
            self.sh(f"ip link add t{n} type veth peer name o{n}")
            for dev in (f"t{n}", f"o{n}"):
                self.sh(f"ethtool -K {dev} tx off rx off tso off gso off gro off"
                        f" rxvlan off txvlan off >/dev/null 2>&1 || true; ip link set {dev} up")
        self._start_ovs()
        self._start_vswitchd()

    def _start_ovs(self):
        d, env = self.ovs_dir, self.ovs_env()
        wait_for_no_ovs(self.ovs_wait)
        subprocess.run(["ovsdb-tool", "create", f"{d}/conf.db", OVS_SCHEMA], check=True,
                       env=env, capture_output=True)
        self.sh(f"ovsdb-server {d}/conf.db --remote=punix:{d}/db.sock --pidfile={d}/ovsdb.pid"
                f" --unixctl={d}/ovsdb.ctl --detach --log-file={d}/ovsdb.log", env=env)
        self.ovs_started = True
        self.sh(f"ovs-vswitchd unix:{d}/db.sock --pidfile={d}/vswitchd.pid"
                f" --unixctl={d}/vswitchd.ctl --detach --log-file={d}/vswitchd.log", env=env)
        # No datapath flow cache: stale megaflows would outlive the BARRIER (see PEERS.md).
        # Without it the tester receives at most ~7 000 pkt/s of 1500-byte frames, too few for
        # the meter tests at 100 Mbit/s and 10 000 pkt/s: --tester-flow-cache keeps the cache.
        if not self.tester_flow_cache:
            self.ovs_vsctl("set", "Open_vSwitch", ".", "other_config:flow-limit=0")

    def _start_vswitchd(self):
        d = self.vs_dir
        env = dict(os.environ, VS_RUNDIR=d, VS_DBDIR=d)
        args = ["ip", "netns", "exec", self.ns, os.path.join(self.bin_dir, "vswitchd"),
                "--log-file", f"{d}/vswitchd.log", "--dpdk-mem", "512", "--mbufs", "16384"]
        self.vswitchd_out = open(f"{d}/stdout.log", "w")
        self.vswitchd = subprocess.Popen(args, stdout=self.vswitchd_out,
                                         stderr=subprocess.STDOUT, env=env)
        ctl = f"{d}/vswitchd.ctl"
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.vswitchd.poll() is not None:
                raise RuntimeError("vswitchd exited:\n" + self.tail(f"{d}/vswitchd.log"))
            if os.path.exists(f"{d}/db.sock") and os.path.exists(ctl) and subprocess.run(
                    [os.path.join(self.bin_dir, "appctl"), "-t", ctl, "version"],
                    capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("vswitchd did not come up:\n" + self.tail(f"{d}/vswitchd.log"))

    def wire(self, version):
        """(Re)creates both bridges for `version` with their controller."""
        proto = {"of10": "OpenFlow10", "of13": "OpenFlow13"}[version]
        ctl = f"tcp:127.0.0.1:{OF_PORT}"
        self.ovs_vsctl("--if-exists", "del-br", "tester")
        self.ovs_vsctl("add-br", "tester", "--", "set", "bridge", "tester",
                       "datapath_type=netdev", "other-config:datapath-id=0000000000000002",
                       "other-config:disable-in-band=true", "fail_mode=secure",
                       f"protocols={proto}")
        for n in (1, 2, 3):
            self.ovs_vsctl("add-port", "tester", f"o{n}", "--", "set", "interface", f"o{n}",
                           f"ofport_request={n}")
        self.ovs_vsctl("set-controller", "tester", ctl)
        self.vs_vsctl("--if-exists", "del-br", "target")
        # One transaction, and the bridge's internal port out of the way: ports 1..3 must be
        # the veths.
        args = ["add-br", "target", "--", "set", "bridge", "target",
                "other-config:datapath-id=0000000000000001", "fail_mode=secure",
                f"protocols={proto}", "--", "set", "interface", "target", "ofport_request=100"]
        for n in (1, 2, 3):
            args += ["--", "add-port", "target", f"t{n}", "--", "set", "interface", f"t{n}",
                     f"ofport_request={n}"]
        self.vs_vsctl(*args)
        self.vs_vsctl("set-controller", "target", ctl)
        self.vs_vsctl("set", "Controller", "target", "max_backoff=1000")
        self.ovs_vsctl("set", "Controller", "tester", "max_backoff=1000")

    @staticmethod
    def tail(path, n=3000):
        try:
            with open(path, errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return ""

    # -- teardown -------------------------------------------------------------------------
    def stop(self):
        if self.controller is not None and self.controller.poll() is None:
            self.controller.kill()
            self.controller.wait()
        if self.vswitchd is not None:
            if self.vswitchd.poll() is None:
                self.vswitchd.send_signal(signal.SIGTERM)
                try:
                    self.vswitchd.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.vswitchd.kill()
                    self.vswitchd.wait()
            self.vswitchd_out.close()
        if self.ovs_started:
            d, env = self.ovs_dir, self.ovs_env()
            for ctl, pidfile in ((f"{d}/vswitchd.ctl", f"{d}/vswitchd.pid"),
                                 (f"{d}/ovsdb.ctl", f"{d}/ovsdb.pid")):
                args = ["ovs-appctl", "-t", ctl, "exit"]
                if "vswitchd" in ctl:
                    args.append("--cleanup")
                try:
                    subprocess.run(["ip", "netns", "exec", self.ns, *args],
                                   capture_output=True, env=env, timeout=30)
                except subprocess.TimeoutExpired:
                    pass
                # Whatever did not exit: kill it by the pid it wrote (only ours).
                try:
                    with open(pidfile) as f:
                        pid = int(f.read().strip())
                    for _ in range(50):
                        os.kill(pid, 0)
                        time.sleep(0.1)
                    os.kill(pid, signal.SIGKILL)
                except (OSError, ValueError):
                    pass
        if self.ns_made:
            for n in (1, 2, 3):
                subprocess.run(["ip", "netns", "exec", self.ns, "ip", "link", "del", f"t{n}"],
                               capture_output=True)
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
        if self.keep_logs:
            for src in ("ovs/vswitchd.log", "vs/vswitchd.log"):
                p = os.path.join(self.work, src)
                if os.path.exists(p):
                    shutil.copy(p, os.path.join(self.keep_logs, src.replace("/", "-")))
        shutil.rmtree(self.work, ignore_errors=True)


def prepare_dir(src, dst, key="", exclude=()):
    """Copies a group's patterns (subdirectories too, as of13/action/25_SET_FIELD); the tester
    keys files by their description, so a description used twice is made unique (else one file
    is silently skipped). Files whose KEY/relative path matches a glob of `exclude` are left
    out; returns their paths."""
    seen, excluded = set(), []
    for root, dirs, files in os.walk(src):
        dirs.sort()
        out_dir = os.path.join(dst, os.path.relpath(root, src))
        os.makedirs(out_dir, exist_ok=True)
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            rel = os.path.normpath(os.path.join(key, os.path.relpath(root, src), name))
            if any(fnmatch.fnmatch(rel, pattern) for pattern in exclude):
                excluded.append(rel)
                continue
            with open(os.path.join(root, name)) as f:
                data = json.load(f)
            if isinstance(data, list) and data and isinstance(data[0], str):
                if data[0] in seen:
                    data[0] = f"{data[0]} ({name[:-5]})"
                seen.add(data[0])
            with open(os.path.join(out_dir, name), "w") as f:
                json.dump(data, f)
    return excluded


LINE_RE = re.compile(r"^    (\S.*?)\s+(OK|ERROR)$")


def parse_output(text):
    """[(file description, test description, 'OK' | reason)] from the tester's log."""
    results, current_file, lines = [], None, text.splitlines()
    for i, line in enumerate(lines):
        m = LINE_RE.match(line)
        if m:
            status = "OK"
            if m.group(2) == "ERROR":
                status = lines[i + 1].strip() if i + 1 < len(lines) else "ERROR"
            results.append((current_file, m.group(1), status))
            continue
        if re.match(r"^[a-z]+: \S", line):
            current_file = line.strip()
    return results


def run_group(env, version, group, pattern_dir, timeout):
    proto = VERSIONS[version]
    logfile = os.path.join(env.work, f"tester-{version}-{group}.log")
    args = ["/usr/bin/python3", "/usr/bin/osken-manager", "--ofp-listen-host", "127.0.0.1",
            "--ofp-tcp-listen-port", str(OF_PORT), "--test-switch-dir", pattern_dir,
            "--test-switch-target-version", proto, "--test-switch-tester-version", proto,
            "os_ken.tests.switch.tester"]
    with open(logfile, "w") as out:
        env.controller = subprocess.Popen(["ip", "netns", "exec", env.ns, *args], stdout=out,
                                          stderr=subprocess.STDOUT)
        # The tester can hang (an exception in its test thread leaves it waiting): give up
        # when its log stops growing, or after `timeout`.
        deadline, last_size, last_change = time.time() + timeout, -1, time.time()
        while env.controller.poll() is None:
            size = os.path.getsize(logfile)
            if size != last_size:
                last_size, last_change = size, time.time()
            if time.time() > deadline or time.time() - last_change > STALL_SECONDS:
                log(f"{version}/{group}: tester stalled or timed out; stopped")
                env.controller.kill()
                env.controller.wait()
                break
            time.sleep(1)
        env.controller = None
    with open(logfile, errors="replace") as f:
        text = f.read()
    if env.keep_logs:
        shutil.copy(logfile, env.keep_logs)
    return parse_output(text), text


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin-dir", default=os.environ.get("VS_BIN_DIR",
                                                        os.path.join(REPO, "build", "bin")))
    ap.add_argument("--suite", default=DEFAULT_SUITE)
    ap.add_argument("--versions", default="of13,of10")
    ap.add_argument("--groups", default="match,action,group,meter")
    ap.add_argument("--exclude", action="append", default=[],
                    help="leave out the pattern files matching this glob on "
                         "VERSION/GROUP/FILE.json (repeatable; e.g. 'of13/group/01_SELECT_*')")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--logs", help="keep the tester's and switches' logs in this directory")
    ap.add_argument("--timeout", type=int, default=1800, help="per group, seconds")
    ap.add_argument("--deadline", type=int, default=0,
                    help="seconds for all groups together (0: none); a group still running "
                         "then is stopped and counts what it reported")
    ap.add_argument("--ovs-wait", type=int, default=OVS_WAIT_SECONDS,
                    help="seconds to wait for another ovs-vswitchd to end")
    ap.add_argument("--tester-flow-cache", action="store_true",
                    help="leave the tester Open vSwitch's datapath flow cache on (throughput "
                         "tests above ~7 000 pkt/s; stale megaflows may fail other groups)")
    return ap.parse_args(argv)


def check_prerequisites():
    """None when the suite can run here, else why not."""
    if os.geteuid() != 0:
        return "needs root (network namespace, veths)"
    for tool in ("ovs-vsctl", "ovsdb-server", "ovs-vswitchd", "ovsdb-tool", "ethtool",
                 "/usr/bin/osken-manager"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/install-deps.sh installs it)"
    return None


def run_suite(opts):
    """Runs the selected groups; {"seconds": s, "groups": {"of13/match": {...}}}. Whatever it
    started or created is gone when it returns or raises (SIGTERM included)."""
    if opts.logs:
        os.makedirs(opts.logs, exist_ok=True)
    summary, started, wired = {}, time.time(), None
    begun = started
    # Cleanup runs on SIGTERM/SIGINT too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    env = Env(os.path.abspath(opts.bin_dir), opts.logs, opts.tester_flow_cache, opts.ovs_wait)
    try:
        env.start()
        begun = time.time()  # the deadline counts from here, not from the wait for Open vSwitch
        for version in opts.versions.split(","):
            for group in opts.groups.split(","):
                src = os.path.join(opts.suite, version, group)
                if not os.path.isdir(src):
                    continue
                pattern_dir = os.path.join(env.work, "patterns", version, group)
                excluded = prepare_dir(src, pattern_dir, f"{version}/{group}", opts.exclude)
                if not any(f.endswith(".json") for _, _, fs in os.walk(pattern_dir) for f in fs):
                    log(f"{version}/{group}: every file excluded")
                    continue
                if wired != version:
                    env.wire(version)
                    wired = version
                timeout = opts.timeout
                if opts.deadline:
                    timeout = min(timeout, max(1, int(begun + opts.deadline - time.time())))
                t0 = time.time()
                results, text = run_group(env, version, group, pattern_dir, timeout)
                passed = sum(1 for r in results if r[2] == "OK")
                summary[f"{version}/{group}"] = {
                    "passed": passed, "total": len(results), "seconds": round(time.time() - t0),
                    "excluded": excluded,
                    "failures": [{"file": f, "test": t, "reason": s}
                                 for f, t, s in results if s != "OK"],
                    "ok": [{"file": f, "test": t} for f, t, s in results if s == "OK"]}
                log(f"{version}/{group}: {passed}/{len(results)} in {time.time() - t0:.0f}s")
                if not results:
                    log(text[-3000:])
    finally:
        env.stop()
    # setup_seconds: the namespace, both switches and the wait for another ovs-vswitchd.
    return {"seconds": round(time.time() - started), "setup_seconds": round(begun - started),
            "groups": summary}


def print_summary(result):
    groups = result["groups"]
    print(f"{'group':<14} {'passed':>6} {'total':>6} {'seconds':>7}")
    for key, r in groups.items():
        print(f"{key:<14} {r['passed']:>6} {r['total']:>6} {r['seconds']:>7}")
    print(f"(suite took {result['seconds']}s, {result.get('setup_seconds', 0)}s of them setting "
          "up and waiting for another ovs-vswitchd)")
    for key, r in groups.items():
        for f in r["failures"]:
            print(f"FAIL {key} {f['file']} | {f['test']} | {f['reason']}")


def main():
    opts = parse_args()
    problem = check_prerequisites()
    if problem:
        sys.exit(problem)
    result = run_suite(opts)
    print_summary(result)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
