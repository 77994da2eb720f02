"""The two switches the OpenFlow benchmarks compare, started privately in a scratch directory:
our vswitchd (embedded DB) and Open vSwitch 3.1's ovs-vswitchd (userspace, dummy datapath, its
own ovsdb-server). Each has bridge br0, `target` (its BR.mgmt for ovs-ofctl), `db` (its DB
socket, for ovs-vsctl), `pid` and stop(). With `port=True` each also gets port 5: a DPDK
net_null device on ours (no-rx=1: it receives nothing, drops what it sends and counts it), a
dummy port on Open vSwitch."""

import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("VS_BIN_DIR", os.path.join(ROOT, "build", "bin"))
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
PORT = 5


def wait_path(path, proc, what, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path):
            return
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited")
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up")


def vsctl(db, *args):
    subprocess.run(["ovs-vsctl", f"--db=unix:{db}", "--timeout=20", *args], check=True,
                   capture_output=True)


class Ours:
    name = "vswitch"

    def __init__(self, work, port=False):
        self.run = os.path.join(work, "vs")
        os.makedirs(self.run)
        env = dict(os.environ, VS_RUNDIR=self.run, VS_DBDIR=self.run)
        self.proc = subprocess.Popen(
            [os.path.join(BIN, "vswitchd"), "--bridge", "br0", "--dpdk-mem", "512",
             "--mbufs", "16384", "--log-file", os.path.join(self.run, "vswitchd.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        self.db = f"{self.run}/db.sock"
        self.target = f"unix:{self.run}/br0.mgmt"
        self.pid = self.proc.pid
        try:
            wait_path(f"{self.run}/br0.mgmt", self.proc, "vswitchd")
        except RuntimeError:
            with open(os.path.join(self.run, "vswitchd.log"), errors="replace") as f:
                raise RuntimeError("vswitchd: " + f.read()[-600:]) from None
        if port:
            vsctl(self.db, "add-port", "br0", "p1", "--", "set", "Interface", "p1", "type=dpdk",
                  "options:dpdk-devargs=net_null0,no-rx=1", f"ofport_request={PORT}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


class OpenVSwitch:
    name = "ovs"

    def __init__(self, work, port=False):
        self.run = os.path.join(work, "ovs")
        os.makedirs(self.run)
        self.env = dict(os.environ, OVS_RUNDIR=self.run, OVS_DBDIR=self.run,
                        OVS_LOGDIR=self.run)
        db = os.path.join(self.run, "conf.db")
        self.db = os.path.join(self.run, "db.sock")
        subprocess.run(["ovsdb-tool", "create", db, OVS_SCHEMA], check=True, env=self.env)
        subprocess.run(["ovsdb-server", db, f"--remote=punix:{self.db}", "--detach",
                        "--no-chdir", f"--pidfile={self.run}/ovsdb-server.pid",
                        f"--unixctl={self.run}/ovsdb-server.ctl",
                        f"--log-file={self.run}/ovsdb-server.log"], check=True, env=self.env)
        vsctl(self.db, "--no-wait", "init")
        subprocess.run(["ovs-vswitchd", f"unix:{self.db}", "--enable-dummy=override",
                        "--detach", "--no-chdir", f"--pidfile={self.run}/ovs-vswitchd.pid",
                        f"--unixctl={self.run}/ovs-vswitchd.ctl",
                        f"--log-file={self.run}/ovs-vswitchd.log"], check=True, env=self.env)
        port_args = ["--", "add-port", "br0", "p1", "--", "set", "Interface", "p1",
                     "type=dummy", f"ofport_request={PORT}"] if port else []
        vsctl(self.db, "add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=dummy",
              *port_args)
        self.target = f"unix:{self.run}/br0.mgmt"
        wait_path(f"{self.run}/br0.mgmt", None, "ovs-vswitchd")
        with open(f"{self.run}/ovs-vswitchd.pid") as f:
            self.pid = int(f.read().strip())

    def stop(self):
        # ovsdb-server's exit takes no --cleanup (with it, the server stays up).
        for ctl, args in (("ovs-vswitchd.ctl", ["--cleanup"]), ("ovsdb-server.ctl", [])):
            subprocess.run(["ovs-appctl", "-t", os.path.join(self.run, ctl), "exit", *args],
                           capture_output=True, env=self.env)
