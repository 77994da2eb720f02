"""vsctl against a fresh vsdb-server, side by side with the real ovs-vsctl (Debian's
openvswitch-switch): the same reads print the same text, changes made by one are seen by the
other, "--" chains are atomic, errors exit 1 with one line and change nothing, usage errors exit
2, wait-until and the cur_cfg wait (with a stand-in for vswitchd) return when they should."""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from vsenv import BIN_DIR, wait_for

OVS_VSCTL = shutil.which("ovs-vsctl")


class RpcClient:
    """A minimal RFC 7047 client for the stand-in daemon."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = ""
        self.next_id = 0

    def read(self, timeout=10):
        self.sock.settimeout(timeout)
        decoder = json.JSONDecoder()
        while True:
            text = self.buf.lstrip()
            if text:
                try:
                    msg, end = decoder.raw_decode(text)
                    self.buf = text[end:]
                    return msg
                except ValueError:
                    pass
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk.decode()

    def send(self, method, params):
        self.next_id += 1
        self.sock.sendall(json.dumps({"method": method, "params": params,
                                      "id": self.next_id}).encode())
        return self.next_id

    def close(self):
        self.sock.close()


class StandInDaemon(threading.Thread):
    """Stands in for vswitchd in the cur_cfg test only: monitors Open_vSwitch next_cfg and
    copies it to cur_cfg, as the real daemon does once it has applied a configuration."""

    def __init__(self, sock_path):
        super().__init__(daemon=True)
        self.client = RpcClient(sock_path)
        self.stopping = False
        self.applied = []

    def run(self):
        try:
            self.client.send("monitor", ["Open_vSwitch", "cfg",
                                         {"Open_vSwitch": {"columns": ["next_cfg", "cur_cfg"]}}])
            while not self.stopping:
                msg = self.client.read(timeout=30)
                rows = {}
                if msg.get("method") == "update":
                    rows = msg["params"][1].get("Open_vSwitch", {})
                elif "result" in msg and isinstance(msg["result"], dict):
                    rows = msg["result"].get("Open_vSwitch", {})
                for uuid, change in rows.items():
                    new = change.get("new") or {}
                    if new.get("next_cfg", 0) > new.get("cur_cfg", 0):
                        time.sleep(0.2)  # "applying" the configuration takes a moment
                        self.client.send("transact", [
                            "Open_vSwitch",
                            {"op": "update", "table": "Open_vSwitch",
                             "where": [["_uuid", "==", ["uuid", uuid]]],
                             "row": {"cur_cfg": new["next_cfg"]}}])
                        self.applied.append(new["next_cfg"])
        except (OSError, ConnectionError, ValueError):
            pass

    def stop(self):
        self.stopping = True
        self.client.close()


class VsctlTest(unittest.TestCase):
    servers = 0  # servers started by this process, for distinct TCP ports

    def setUp(self):
        if not OVS_VSCTL:
            self.skipTest("ovs-vsctl (openvswitch-switch) is not installed")
        self.dir = tempfile.mkdtemp(prefix="vs-vsctl-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.sock = os.path.join(self.dir, "db.sock")
        VsctlTest.servers += 1
        self.tcp_port = 30000 + (os.getpid() * 16 + VsctlTest.servers) % 20000
        self.proc = subprocess.Popen(self.server_command(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.stop_server)
        wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None, timeout=10,
                 what="db.sock")
        if self.proc.poll() is not None:
            self.fail(f"DB server exited: {self.proc.stderr.read()}")

    def server_command(self):
        return [os.path.join(BIN_DIR, "vsdb-server"), os.path.join(self.dir, "conf.db"),
                f"--remote=punix:{self.sock}", f"--remote=ptcp:{self.tcp_port}:127.0.0.1"]

    def second_server(self):
        """Another fresh server of the same kind, removed with this test even if it fails."""
        other = type(self)("test_reads_print_what_ovs_vsctl_prints")
        self.addCleanup(other.doCleanups)
        other.setUp()
        return other

    def stop_server(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()

    # Runs a tool; returns the CompletedProcess.
    def run_tool(self, tool, args, wait=False, timeout=30):
        cmd = [tool, f"--db=unix:{self.sock}"] + ([] if wait else ["--no-wait"]) + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def vs(self, *args, **kw):
        return self.run_tool(os.path.join(BIN_DIR, "vsctl"), args, **kw)

    def ovs(self, *args, **kw):
        return self.run_tool(OVS_VSCTL, args, **kw)

    def ok(self, result):
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def config(self, tool):
        """A configuration with every kind of object the commands deal with."""
        self.ok(tool("add-br", "br0", "--", "set", "bridge", "br0", "fail-mode=secure",
                     "datapath_type=netdev", "other_config:hwaddr=\"02:00:00:00:00:01\"",
                     "--", "add-port", "br0", "eth0", "tag=5", "trunks=1,2",
                     "--", "set", "interface", "eth0", "type=internal", "options:x=1",
                     "external_ids:\"a b\"=\"c d\"",
                     "--", "set-controller", "br0", "tcp:1.2.3.4:6653", "ptcp:6655",
                     "--", "add-br", "vlan7", "br0", "7",
                     "--", "add-port", "vlan7", "v7p",
                     "--", "add-bond", "br0", "bond0", "a", "b", "lacp=active",
                     "--", "set-manager", "ptcp:6640",
                     "--", "add-br", "br1",
                     "--", "br-set-external-id", "br0", "owner", "me and you",
                     "--", "br-set-external-id", "vlan7", "k", "v",
                     "--", "set", "Open_vSwitch", ".", "ovs_version=\"3.1.0\""))

    def snapshot(self, tool):
        """Everything a configuration means, without UUIDs: per bridge its settings, ports
        and interfaces, as read through `tool`."""
        def table(name):
            out = json.loads(self.ok(tool("--format=json", "list", name)))
            return [dict(zip(out["headings"], row)) for row in out["data"]]

        def ref(v):
            if isinstance(v, list) and v and v[0] == "set":
                return [x[1] for x in v[1]]
            return [v[1]] if isinstance(v, list) and v and v[0] == "uuid" else []

        def plain(v):
            return json.dumps(v, sort_keys=True)

        ifaces = {r["_uuid"][1]: r for r in table("Interface")}
        ports = {r["_uuid"][1]: r for r in table("Port")}
        ctrls = {r["_uuid"][1]: r for r in table("Controller")}
        snap = {}
        for br in table("Bridge"):
            snap[br["name"]] = {
                "fail_mode": plain(br["fail_mode"]), "datapath_type": br["datapath_type"],
                "other_config": plain(br["other_config"]),
                "controllers": sorted(ctrls[u]["target"] for u in ref(br["controller"])),
                "ports": sorted(
                    (ports[p]["name"], plain(ports[p]["tag"]), plain(ports[p]["trunks"]),
                     plain(ports[p]["fake_bridge"]), plain(ports[p]["lacp"]),
                     tuple(sorted((ifaces[i]["name"], ifaces[i]["type"],
                                   plain(ifaces[i]["options"]), plain(ifaces[i]["external_ids"]))
                                  for i in ref(ports[p]["interfaces"]))))
                    for p in ref(br["ports"]))}
        managers = sorted(m["target"] for m in table("Manager"))
        return {"bridges": snap, "managers": managers}

    def assert_same_output(self, *args, sort_records=False):
        mine, theirs = self.vs(*args), self.ovs(*args)
        self.assertEqual((mine.returncode, mine.stderr.replace("vsctl:", "ovs-vsctl:")),
                         (theirs.returncode, theirs.stderr), args)
        a, b = mine.stdout, theirs.stdout
        if sort_records:
            # Rows come in UUID order from vsctl and in hash order from ovs-vsctl.
            a, b = normalize_records(a, args), normalize_records(b, args)
        self.assertEqual(a, b, f"vsctl {' '.join(args)}")

    def test_reads_print_what_ovs_vsctl_prints(self):
        self.config(self.ovs)
        for args in (["show"], ["list-br"], ["--real", "list-br"], ["--fake", "list-br"],
                     ["list-ports", "br0"], ["list-ports", "vlan7"], ["list-ifaces", "br0"],
                     ["br-to-vlan", "vlan7"], ["br-to-vlan", "br0"], ["br-to-parent", "vlan7"],
                     ["br-to-parent", "br1"], ["port-to-br", "v7p"], ["port-to-br", "eth0"],
                     ["iface-to-br", "a"], ["get-controller", "br0"],
                     ["br-get-external-id", "br0"], ["br-get-external-id", "br0", "owner"],
                     ["br-get-external-id", "vlan7"], ["br-get-external-id", "vlan7", "k"],
                     ["get", "port", "vlan7", "external_ids"],
                     ["get-controller", "vlan7"], ["get-fail-mode", "br0"],
                     ["get-fail-mode", "br1"], ["get-manager"],
                     ["get", "port", "eth0", "tag", "trunks", "name"],
                     ["get", "interface", "eth0", "options:x", "external_ids", "type"],
                     ["get", "bridge", "br0", "other_config:hwaddr", "fail_mode"],
                     ["--if-exists", "get", "bridge", "br0", "other_config:nope"],
                     ["get", "Open_vSwitch", ".", "ovs_version", "bridges"],
                     ["list", "bridge", "br0"], ["list", "interface", "eth0"],
                     ["list", "Open_vSwitch", "."], ["list", "controller", "br0"],
                     ["--columns=name,tag", "list", "port", "eth0"],
                     ["--format=csv", "list", "interface", "eth0"],
                     ["--format=json", "list", "port", "eth0"],
                     ["--format=table", "list", "bridge", "br0"],
                     ["--data=bare", "list", "bridge", "br0"],
                     ["--data=json", "list", "interface", "eth0"],
                     ["--bare", "--columns=name", "list", "bridge", "br0"],
                     ["--format=table", "--no-headings", "--columns=name,trunks", "list",
                      "port", "eth0"],
                     ["--format=html", "list", "bridge", "br0"],
                     ["--format=html", "--data=json", "list", "interface", "eth0"],
                     ["--oneline", "list-br", "--", "get", "interface", "eth0", "external_ids",
                      "--", "list-ports", "br1", "--", "show"]):
            with self.subTest(args=args):
                self.assert_same_output(*args)
        for args in (["list", "port"], ["list", "interface"],
                     ["--format=table", "--columns=name,tag,trunks", "list", "port"],
                     ["--format=csv", "--columns=name,tag", "list", "port"],
                     ["--columns=name,tag", "find", "port", "tag=7"],
                     ["--columns=name", "find", "port", "tag!=7"],
                     ["--bare", "--columns=name", "find", "interface", "type=internal"],
                     ["--columns=name", "find", "port", "trunks{>=}1"],
                     ["--columns=name", "find", "interface", "options:x=1"],
                     ["--columns=_uuid,target", "find", "controller", "target=\"ptcp:6655\""],
                     ["--format=table", "list", "manager"]):
            with self.subTest(args=args):
                self.assert_same_output(*args, sort_records=True)

    def test_changes_match_ovs_vsctl_changes(self):
        """The same commands through vsctl here and through ovs-vsctl on a second server
        give the same configuration."""
        self.config(self.vs)
        mine = self.snapshot(self.ovs)
        self.assertEqual(mine, self.snapshot(self.vs))
        other = self.second_server()
        other.config(other.ovs)
        self.assertEqual(mine, other.snapshot(other.ovs))
        self.assertIn("vlan7", [p[0] for p in mine["bridges"]["br0"]["ports"]])
        self.assertEqual(mine["bridges"]["br0"]["controllers"], ["ptcp:6655", "tcp:1.2.3.4:6653"])

    def test_each_tool_sees_the_others_changes(self):
        self.ok(self.vs("add-br", "br0"))
        self.ok(self.ovs("add-port", "br0", "p1"))
        self.assertEqual(self.ok(self.vs("list-ports", "br0")), "p1\n")
        self.ok(self.vs("set", "port", "p1", "tag=9", "--", "set", "interface", "p1",
                        "type=internal"))
        self.assertEqual(self.ok(self.ovs("get", "port", "p1", "tag")), "9\n")
        self.ok(self.ovs("set-fail-mode", "br0", "standalone"))
        self.assertEqual(self.ok(self.vs("get-fail-mode", "br0")), "standalone\n")
        self.ok(self.vs("del-fail-mode", "br0"))
        self.assertEqual(self.ok(self.ovs("get-fail-mode", "br0")), "")
        self.ok(self.vs("set-controller", "br0", "tcp:10.0.0.1:6653"))
        self.assertEqual(self.ok(self.ovs("get-controller", "br0")), "tcp:10.0.0.1:6653\n")
        self.ok(self.vs("del-controller", "br0"))
        self.assertEqual(self.ok(self.ovs("get-controller", "br0")), "")
        self.assertEqual(self.ok(self.ovs("list", "controller")), "")
        self.ok(self.vs("set-manager", "ptcp:6640", "ptcp:6641"))
        self.assertEqual(self.ok(self.ovs("get-manager")), "ptcp:6640\nptcp:6641\n")
        self.ok(self.vs("del-manager"))
        self.assertEqual(self.ok(self.ovs("get-manager")), "")
        self.ok(self.vs("add", "bridge", "br0", "flood_vlans", "3", "1,2"))
        self.ok(self.vs("add", "bridge", "br0", "external_ids", "a=b", "c=d"))
        self.ok(self.vs("remove", "bridge", "br0", "flood_vlans", "2"))
        self.ok(self.vs("remove", "bridge", "br0", "external_ids", "a"))
        self.assertEqual(self.ok(self.ovs("get", "bridge", "br0", "flood_vlans", "external_ids")),
                         "[1, 3]\n{c=d}\n")
        self.ok(self.vs("clear", "bridge", "br0", "flood_vlans", "external_ids"))
        self.assertEqual(self.ok(self.ovs("get", "bridge", "br0", "flood_vlans", "external_ids")),
                         "[]\n{}\n")
        self.ok(self.vs("del-port", "br0", "p1"))
        self.assertEqual(self.ok(self.ovs("list-ports", "br0")), "")
        self.assertEqual(self.ok(self.ovs("--columns=name", "list", "interface")),
                         "name                : br0\n")
        self.ok(self.vs("del-br", "br0"))
        self.assertEqual(self.ok(self.ovs("list-br")), "")
        self.assertEqual(self.ok(self.ovs("list", "port")), "")

    def test_fake_bridges_and_bonds(self):
        self.ok(self.vs("add-br", "br0", "--", "add-br", "v5", "br0", "5", "--",
                        "add-port", "v5", "p5", "--", "add-bond", "br0", "b0", "x", "y"))
        self.assertEqual(self.ok(self.ovs("get", "port", "p5", "tag")), "5\n")
        self.assertEqual(self.ok(self.ovs("list-ports", "v5")), "p5\n")
        self.assertEqual(self.ok(self.ovs("list-ifaces", "br0")), "x\ny\n")
        self.assertEqual(self.ok(self.vs("br-to-parent", "v5")), "br0\n")
        r = self.vs("del-port", "v5", "b0")
        self.assertEqual((r.returncode, r.stderr), (1, "vsctl: bridge v5 does not have a port b0\n"))
        self.ok(self.vs("--with-iface", "del-port", "x"))
        self.assertEqual(self.ok(self.ovs("list-ports", "br0")), "")
        self.ok(self.vs("del-br", "v5"))
        self.assertEqual(self.ok(self.ovs("list-br")), "br0\n")
        self.assertEqual(self.ok(self.ovs("--columns=name", "--bare", "list", "port")), "br0\n")

    def test_chain_is_atomic(self):
        self.ok(self.vs("add-br", "br0"))
        before = self.ok(self.ovs("show"))
        for chain in (["add-br", "br1", "--", "add-port", "br9", "p1"],
                      ["add-port", "br0", "p1", "--", "add-port", "br0", "p1"],
                      ["set-manager", "ptcp:1", "--", "set", "port", "br0", "tag=5000"],
                      ["add-br", "br2", "--", "set", "bridge", "br2", "nocolumn=1"]):
            with self.subTest(chain=chain):
                r = self.vs(*chain)
                self.assertEqual(r.returncode, 1)
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
                self.assertTrue(r.stderr.startswith("vsctl: "), r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertEqual(self.ok(self.ovs("show")), before)
        self.ok(self.vs("add-br", "br1", "--", "add-port", "br1", "p1", "--",
                        "set", "port", "p1", "tag=3"))
        self.assertEqual(self.ok(self.ovs("get", "port", "p1", "tag")), "3\n")

    def test_errors_match_ovs_vsctl_and_change_nothing(self):
        self.config(self.ovs)
        before = self.snapshot(self.ovs)
        for args in (["add-br", "br0"], ["add-br", "eth0"], ["add-br", "a"], ["del-br", "br9"],
                     ["add-port", "br9", "x"], ["add-port", "br0", "eth0"],
                     ["add-port", "br0", "a"], ["add-port", "br0", "br1"],
                     ["del-port", "br0", "nope"], ["del-port", "nope"],
                     ["del-port", "vlan7", "eth0"], ["list-ports", "br9"],
                     ["port-to-br", "zz"], ["iface-to-br", "zz"], ["br-to-vlan", "zz"],
                     ["get", "bridge", "br9", "name"], ["get", "bridge", "br0", "nocol"],
                     ["get", "nosuchtable", "x", "y"], ["get", "port", "eth0", "tag:5"],
                     ["get", "bridge", "br0", "other_config:foo"],
                     ["set", "bridge", "br0", "stp_enable=maybe"],
                     ["set", "port", "eth0", "tag=5000"],
                     ["add-br", "fake2", "br0", "5000"], ["add-br", "fake2", "br9", "5"],
                     ["add-br", "fake2", "vlan7", "5"],
                     ["set-fail-mode", "br0", "bogus"], ["list", "bridge", "br9"],
                     ["find", "port", "nope=1"], ["set", "port", "eth0", "qos=@x"],
                     ["--may-exist", "add-br", "vlan7", "br0", "8"],
                     ["--may-exist", "add-br", "vlan7"],
                     ["--may-exist", "add-port", "br0", "v7p"],
                     ["--may-exist", "add-bond", "br0", "bond0", "a", "c"],
                     ["set-controller", "br9", "tcp:1.1.1.1"], ["get-controller", "br9"]):
            with self.subTest(args=args):
                self.assert_same_output(*args)
                self.assertEqual(self.vs(*args).returncode, 1)
        self.assertEqual(self.snapshot(self.ovs), before)

    def test_may_exist_and_if_exists(self):
        self.ok(self.vs("add-br", "br0", "--", "add-port", "br0", "p1"))
        before = self.ok(self.ovs("show"))
        for args in (["--may-exist", "add-br", "br0"], ["--may-exist", "add-port", "br0", "p1"],
                     ["--if-exists", "del-br", "nope"], ["--if-exists", "del-port", "nope"],
                     ["--if-exists", "set", "bridge", "nope", "stp_enable=true"],
                     ["--if-exists", "destroy", "bridge", "nope"],
                     ["--if-exists", "get", "bridge", "nope", "name"]):
            with self.subTest(args=args):
                self.assertEqual(self.ok(self.vs(*args)), "")
                self.assertEqual(self.ok(self.ovs("show")), before)
        r = self.vs("add-br", "br0")
        self.assertEqual(r.returncode, 1)

    def test_id_create_and_references(self):
        self.ok(self.vs("add-br", "br0", "--", "add-port", "br0", "p1"))
        out = self.ok(self.vs("--id=@q", "create", "QoS", "type=linux-htb",
                              "other_config:max-rate=1000000", "--", "set", "port", "p1",
                              "qos=@q"))
        qos = out.strip()
        self.assertEqual(self.ok(self.ovs("get", "port", "p1", "qos")), qos + "\n")
        self.assertEqual(self.ok(self.ovs("get", "qos", qos, "type")), "linux-htb\n")
        # The printed UUID is the server's, and a 4-digit prefix names the row too.
        self.assertEqual(self.ok(self.vs("get", "qos", qos[:8], "other_config:max-rate")),
                         "\"1000000\"\n")
        self.assertEqual(self.ok(self.vs("get", "qos", "p1", "type")), "linux-htb\n")
        self.ok(self.vs("--id=@c", "create", "Controller", "target=\"tcp:1.2.3.4:6653\"", "--",
                        "add", "bridge", "br0", "controller", "@c"))
        self.assertEqual(self.ok(self.ovs("get-controller", "br0")), "tcp:1.2.3.4:6653\n")
        r = self.vs("set", "port", "p1", "qos=@nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is referenced but never created", r.stderr)
        self.ok(self.vs("clear", "port", "p1", "qos", "--", "destroy", "qos", qos))
        self.assertEqual(self.ok(self.ovs("list", "qos")), "")

    def test_wait_until_returns_when_another_client_sets_the_value(self):
        self.ok(self.vs("add-br", "br0"))
        proc = subprocess.Popen([os.path.join(BIN_DIR, "vsctl"), f"--db=unix:{self.sock}",
                                 "--timeout=20", "wait-until", "bridge", "br0",
                                 "other_config:ready=yes", "--", "get", "bridge", "br0",
                                 "other_config:ready"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.5)
            self.assertIsNone(proc.poll(), "wait-until returned before the value was set")
            self.ok(self.ovs("set", "bridge", "br0", "other_config:ready=yes"))
            out, err = proc.communicate(timeout=10)
            self.assertEqual((proc.returncode, out, err), (0, "yes\n", ""))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        # A row that appears later is waited for too.
        proc = subprocess.Popen([os.path.join(BIN_DIR, "vsctl"), f"--db=unix:{self.sock}",
                                 "--timeout=20", "wait-until", "bridge", "br7"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(0.3)
            self.assertIsNone(proc.poll())
            self.ok(self.ovs("add-br", "br7"))
            self.assertEqual(proc.wait(timeout=10), 0)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()

    def test_wait_for_cur_cfg_with_stand_in_daemon(self):
        daemon = StandInDaemon(self.sock)
        daemon.start()
        self.addCleanup(daemon.stop)
        self.ok(self.vs("init"))
        start = time.time()
        self.ok(self.vs("--timeout=10", "add-br", "br0", wait=True))
        self.assertGreaterEqual(time.time() - start, 0.2)  # it waited for the daemon
        cfg = self.ok(self.ovs("get", "Open_vSwitch", ".", "next_cfg", "cur_cfg"))
        next_cfg, cur_cfg = (int(x) for x in cfg.split())
        self.assertGreaterEqual(next_cfg, 1)
        self.assertEqual(cur_cfg, next_cfg)
        self.assertIn(next_cfg, daemon.applied)
        # Read-only commands neither bump next_cfg nor wait.
        self.assertEqual(self.ok(self.vs("--timeout=10", "list-br", wait=True)), "br0\n")
        self.assertEqual(self.ok(self.ovs("get", "Open_vSwitch", ".", "next_cfg")),
                         f"{next_cfg}\n")
        # Real ovs-vsctl waits on the same protocol.
        self.ok(self.ovs("--timeout=10", "add-br", "br1", wait=True))
        self.assertEqual(self.ok(self.vs("list-br")), "br0\nbr1\n")

    def test_timeout_without_daemon(self):
        self.ok(self.vs("init"))
        start = time.time()
        r = self.vs("--timeout=1", "add-br", "br0", wait=True)
        self.assertLess(time.time() - start, 5)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("timed out", r.stderr)
        # As with ovs-vsctl, the change itself is committed; only the switch is late.
        self.assertEqual(self.ok(self.ovs("list-br")), "br0\n")

    def contents(self, tool, tables=("Open_vSwitch", "Bridge", "Port", "Interface", "Controller",
                                      "Manager", "QoS", "Queue", "SSL")):
        """Every row of `tables` with UUIDs blanked, sorted: configurations compare equal
        across servers."""
        def blank(v):
            if isinstance(v, list) and len(v) == 2 and v[0] == "uuid":
                return "UUID"
            if isinstance(v, list):
                return [blank(x) for x in v]
            return v
        out = {}
        for table in tables:
            data = json.loads(self.ok(tool("--format=json", "list", table)))
            out[table] = sorted(json.dumps(dict(zip(data["headings"], blank(row))),
                                           sort_keys=True) for row in data["data"])
        return out

    def test_emer_reset_matches_ovs_vsctl(self):
        setup = ("set-manager", "ptcp:6640", "--", "set-ssl", "/k", "/c", "/ca", "--",
                 "set", "bridge", "br0", "other_config:hwaddr=\"02:00:00:00:00:01\"",
                 "other_config:x=1", "flood_vlans=3", "--",
                 "set", "port", "eth0", "other_config:y=2", "--",
                 "set", "interface", "eth0", "ingress_policing_rate=100",
                 "ingress_policing_burst=10", "--",
                 "--id=@q", "create", "QoS", "type=linux-htb", "queues:0=@u", "--",
                 "--id=@u", "create", "Queue", "other_config:min-rate=1", "--",
                 "set", "port", "eth0", "qos=@q")
        self.config(self.ovs)
        self.ok(self.ovs(*setup))
        self.ok(self.vs("emer-reset"))
        mine = self.contents(self.ovs)
        other = self.second_server()
        other.config(other.ovs)
        other.ok(other.ovs(*setup))
        other.ok(other.ovs("emer-reset"))
        theirs = other.contents(other.ovs)
        for table in mine:
            self.assertEqual(mine[table], theirs[table], table)
        self.assertEqual(self.ok(self.ovs("get-manager")), "")
        self.assertEqual(self.ok(self.ovs("get", "bridge", "br0", "other_config")),
                         "{hwaddr=\"02:00:00:00:00:01\"}\n")

    def test_ssl(self):
        self.assertEqual(self.ok(self.vs("get-ssl")), "")
        self.ok(self.vs("set-ssl", "/k", "/c", "/ca"))
        self.assertEqual(self.ok(self.vs("get-ssl")), self.ok(self.ovs("get-ssl")))
        self.ok(self.vs("--bootstrap", "set-ssl", "/k2", "/c2", "/ca2"))
        self.assertEqual(self.ok(self.vs("get-ssl")),
                         "Private key: /k2\nCertificate: /c2\nCA Certificate: /ca2\n"
                         "Bootstrap: true\n")
        self.assertEqual(self.ok(self.vs("get-ssl")), self.ok(self.ovs("get-ssl")))
        self.assertEqual(len(self.ok(self.ovs("--bare", "--columns=_uuid", "list", "SSL")).split()),
                         1)
        self.ok(self.vs("del-ssl"))
        self.assertEqual(self.ok(self.ovs("get-ssl")), "")
        self.assertEqual(self.ok(self.ovs("list", "SSL")), "")

    def test_dry_run_destroy_all_and_partial_names(self):
        self.ok(self.vs("add-br", "br0"))
        self.assertEqual(self.ok(self.vs("--dry-run", "add-br", "br1", "--", "list-br")),
                         "br0\nbr1\n")
        self.assertEqual(self.ok(self.ovs("list-br")), "br0\n")
        self.ok(self.vs("--id=@a", "create", "Queue", "other_config:min-rate=1", "--",
                        "--id=@b", "create", "Queue", "other_config:min-rate=2"))
        self.assertEqual(len(self.ok(self.ovs("--bare", "--columns=_uuid", "list", "Queue"))
                             .split()), 2)
        # Table and column names may be abbreviated and use - for _.
        args = ("--bare", "--columns=other-config", "list", "queu")
        self.assertEqual(normalize_records(self.ok(self.vs(*args)), args),
                         normalize_records(self.ok(self.ovs(*args)), args))
        self.ok(self.vs("--all", "destroy", "Queue"))
        self.assertEqual(self.ok(self.ovs("list", "Queue")), "")
        self.assertEqual(self.vs("destroy", "Queue").returncode, 1)

    def test_usage_errors_exit_2(self):
        for args in (["frobnicate"], ["add-br"], ["list-br", "extra"], ["add-br", "a", "b"],
                     ["--columns=name", "add-br", "x"], ["--format=xml", "list-br"], [],
                     ["--bogus-option", "list-br"]):
            with self.subTest(args=args):
                r = self.vs(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertEqual(self.ok(self.ovs("list-br")), "")

    def test_br_exists_help_version_and_connection_errors(self):
        self.ok(self.vs("add-br", "br0"))
        self.assertEqual(self.vs("br-exists", "br0").returncode, 0)
        self.assertEqual(self.vs("br-exists", "nope").returncode, 2)
        self.assertEqual(self.ovs("br-exists", "nope").returncode, 2)
        self.assertIn("add-br", self.ok(self.vs("--help")))
        self.assertIn("vsctl", self.ok(self.vs("--version")))
        r = subprocess.run([os.path.join(BIN_DIR, "vsctl"),
                            f"--db=unix:{self.dir}/missing.sock", "list-br"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        theirs = subprocess.run([OVS_VSCTL, f"--db=unix:{self.dir}/missing.sock", "list-br"],
                                capture_output=True, text=True, timeout=10)
        self.assertEqual(r.stderr, theirs.stderr.replace("ovs-vsctl:", "vsctl:"))

    def test_tcp_remote_and_default_socket(self):
        r = subprocess.run([os.path.join(BIN_DIR, "vsctl"), f"--db=tcp:127.0.0.1:{self.tcp_port}",
                            "--no-wait", "add-br", "br0"], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        env = dict(os.environ, VS_RUNDIR=self.dir)
        r = subprocess.run([os.path.join(BIN_DIR, "vsctl"), "list-br"], capture_output=True,
                           text=True, timeout=10, env=env)
        self.assertEqual((r.returncode, r.stdout), (0, "br0\n"), r.stderr)

    def test_concurrent_clients_all_commit(self):
        """Parallel vsctl runs conflict on Bridge.ports; the verifying waits make the losers
        run again, so every port ends up on the bridge."""
        self.ok(self.vs("add-br", "br0"))
        procs = [subprocess.Popen([os.path.join(BIN_DIR, "vsctl"), f"--db=unix:{self.sock}",
                                   "--no-wait", "--timeout=30", "add-port", "br0", f"p{i}"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(8)]
        for p in procs:
            out, err = p.communicate(timeout=40)
            self.assertEqual(p.returncode, 0, err)
        self.assertEqual(self.ok(self.ovs("list-ports", "br0")).split(),
                         sorted(f"p{i}" for i in range(8)))


OVSDB_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


@unittest.skipUnless(shutil.which("ovsdb-server") and os.path.exists(OVSDB_SCHEMA),
                     "Open vSwitch's ovsdb-server is not installed")
class VsctlAgainstOvsdbServer(VsctlTest):
    """Every test above again with Open vSwitch's own ovsdb-server as the database: vsctl speaks
    plain RFC 7047, nothing specific to vsdb-server."""

    def server_command(self):
        db = os.path.join(self.dir, "ovs.db")
        subprocess.run(["ovsdb-tool", "create", db, OVSDB_SCHEMA], check=True,
                       capture_output=True)
        return ["ovsdb-server", db, f"--remote=punix:{self.sock}",
                f"--remote=ptcp:{self.tcp_port}:127.0.0.1", "--no-chdir",
                f"--unixctl={os.path.join(self.dir, 'ovsdb-server.ctl')}",
                f"--log-file={os.path.join(self.dir, 'ovsdb-server.log')}"]


class VsctlWithVswitchd(unittest.TestCase):
    """vsctl WITHOUT --no-wait against the real daemon and its embedded DB: each change returns
    once vswitchd has applied it (cur_cfg = next_cfg) and the ports get OpenFlow numbers."""

    def setUp(self):
        vswitchd = os.path.join(BIN_DIR, "vswitchd")
        if os.geteuid() != 0 or not os.path.exists(vswitchd):
            self.skipTest("needs root and a built vswitchd")
        self.rundir = tempfile.mkdtemp(prefix="vs-vsctl-rd-")
        self.dbdir = tempfile.mkdtemp(prefix="vs-vsctl-db-")
        self.addCleanup(shutil.rmtree, self.rundir, True)
        self.addCleanup(shutil.rmtree, self.dbdir, True)
        self.sock = os.path.join(self.rundir, "db.sock")
        env = dict(os.environ, VS_RUNDIR=self.rundir, VS_DBDIR=self.dbdir)
        self.proc = subprocess.Popen([vswitchd, "--log-file", os.path.join(self.rundir, "log"),
                                      "--dpdk-mem", "512", "--mbufs", "16384"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        self.addCleanup(self.stop)
        wait_for(lambda: self.proc.poll() is not None or os.path.exists(self.sock), timeout=30,
                 what="vswitchd db.sock")
        self.assertIsNone(self.proc.poll(), "vswitchd exited")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def vs(self, *args):
        r = subprocess.run([os.path.join(BIN_DIR, "vsctl"), f"--db=unix:{self.sock}",
                            "--timeout=20", *args], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout

    def test_changes_wait_until_applied(self):
        self.vs("add-br", "brv", "--", "add-port", "brv", "vp1", "--",
                "set", "interface", "vp1", "type=internal")
        next_cfg, cur_cfg = self.vs("get", "Open_vSwitch", ".", "next_cfg", "cur_cfg").split()
        self.assertEqual(cur_cfg, next_cfg)
        self.assertNotIn(self.vs("get", "interface", "vp1", "ofport").strip(), ("[]", "-1"))
        self.vs("del-port", "brv", "vp1")
        self.assertEqual(self.vs("list-ports", "brv"), "")
        self.vs("del-br", "brv")
        self.assertEqual(self.vs("list-br"), "")


def normalize_records(text, args):
    """Sorts the records of list/find output so row order does not matter."""
    fmt = next((a.split("=", 1)[1] for a in args if a.startswith("--format=")), "list")
    if "--bare" in args:
        fmt = "list"
    if fmt == "list":
        return sorted(text.rstrip("\n").split("\n\n"))
    lines = text.splitlines()
    head = 2 if fmt == "table" and "--no-headings" not in args else (
        1 if fmt == "csv" and "--no-headings" not in args else 0)
    return lines[:head] + sorted(lines[head:])


if __name__ == "__main__":
    unittest.main()
