"""vsdb-server over its unix socket: RFC 7047 methods from a raw JSON-RPC client (list_dbs,
get_schema, echo, transact, monitor with updates before the transact reply, locks, garbage), and
the real ovs-vsctl (Debian's openvswitch-switch) with --no-wait."""

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


class Client:
    def __init__(self, path=None, tcp_port=None):
        if tcp_port is not None:
            self.sock = socket.create_connection(("127.0.0.1", tcp_port), timeout=10)
        else:
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(path)
        self.buf = b""
        self.next_id = 0
        self.notes = []

    def _read_message(self, timeout=10):
        self.sock.settimeout(timeout)
        decoder = json.JSONDecoder()
        while True:
            text = self.buf.decode(errors="replace").lstrip()
            if text:
                try:
                    msg, end = decoder.raw_decode(text)
                    self.buf = text[end:].encode()
                    return msg
                except ValueError:
                    pass
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            self.buf += chunk

    def call(self, method, *params):
        self.next_id += 1
        my_id = self.next_id
        self.sock.sendall(json.dumps({"method": method, "params": list(params),
                                      "id": my_id}).encode())
        while True:
            msg = self._read_message()
            if msg.get("id") == my_id:
                return msg
            self.notes.append(msg)

    def close(self):
        self.sock.close()


class VsdbServer(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="vs-db-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.sock = os.path.join(self.dir, "db.sock")
        self.db = os.path.join(self.dir, "conf.db")
        self.start()

    def start(self):
        if os.path.exists(self.sock):
            os.unlink(self.sock)  # left by a killed server; wait for the new one's
        self.tcp_port = 20000 + os.getpid() % 20000
        self.proc = subprocess.Popen([os.path.join(BIN_DIR, "vsdb-server"), self.db,
                                      f"--remote=punix:{self.sock}",
                                      f"--remote=ptcp:{self.tcp_port}:127.0.0.1"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self.stop)
        wait_for(lambda: os.path.exists(self.sock) or self.proc.poll() is not None, timeout=10,
                 what="db.sock")
        if self.proc.poll() is not None:
            self.fail(f"vsdb-server exited: {self.proc.stderr.read()}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        if self.proc.stderr:
            self.proc.stderr.close()

    def test_methods(self):
        c = Client(self.sock)
        self.assertEqual(c.call("list_dbs")["result"], ["Open_vSwitch"])
        schema = c.call("get_schema", "Open_vSwitch")["result"]
        self.assertIn("Bridge", schema["tables"])
        self.assertEqual(c.call("echo", "x", 1)["result"], ["x", 1])
        self.assertEqual(c.call("get_schema", "nope")["error"]["error"], "unknown database")
        self.assertEqual(
            c.call("monitor_cond_since", "Open_vSwitch", None, {}, None)["error"]["error"],
            "unknown method")

        watcher = Client(self.sock)
        initial = watcher.call("monitor", "Open_vSwitch", "m1",
                               {"Bridge": {"columns": ["name"]}})
        self.assertEqual(initial["result"], {})
        r = c.call("transact", "Open_vSwitch",
                   {"op": "insert", "table": "Open_vSwitch", "row": {"bridges": ["named-uuid", "b"]}},
                   {"op": "insert", "table": "Bridge", "uuid-name": "b", "row": {"name": "br0"}})
        self.assertIsNone(r["error"])
        self.assertEqual(len(r["result"]), 2)
        bridge_uuid = r["result"][1]["uuid"][1]
        # The watcher is told about the new bridge.
        note = watcher._read_message()
        self.assertEqual(note["method"], "update")
        self.assertEqual(note["params"][0], "m1")
        self.assertEqual(note["params"][1]["Bridge"][bridge_uuid]["new"], {"name": "br0"})

        # A client monitoring itself gets the update before its transact reply.
        c.call("monitor", "Open_vSwitch", "self", {"Bridge": {"columns": ["fail_mode"]}})
        r = c.call("transact", "Open_vSwitch",
                   {"op": "update", "table": "Bridge", "where": [["name", "==", "br0"]],
                    "row": {"fail_mode": "secure"}})
        self.assertEqual(r["result"], [{"count": 1}])
        updates = [n for n in c.notes if n.get("method") == "update"]
        self.assertTrue(updates, "the update did not arrive before the reply")
        change = updates[0]["params"][1]["Bridge"][bridge_uuid]
        self.assertEqual(change["new"], {"fail_mode": "secure"})
        self.assertEqual(change["old"], {"fail_mode": ["set", []]})
        # Bridge.name is immutable in the schema: refused, and nothing else in it ran.
        r = c.call("transact", "Open_vSwitch",
                   {"op": "update", "table": "Bridge", "where": [], "row": {"name": "x"}},
                   {"op": "comment", "comment": "never reached"})
        self.assertEqual(r["result"][0]["error"], "constraint violation")
        self.assertIsNone(r["result"][1])

        bad = c.call("transact", "Open_vSwitch",
                     {"op": "insert", "table": "Bridge", "row": {"name": 7}})
        self.assertIn("error", bad["result"][0])
        sel = c.call("transact", "Open_vSwitch",
                     {"op": "select", "table": "Bridge", "where": [], "columns": ["name"]})
        self.assertEqual(sel["result"][0]["rows"], [{"name": "br0"}])

        # Locks: the second asker waits, then gets "locked" when the first unlocks.
        self.assertEqual(c.call("lock", "L")["result"], {"locked": True})
        self.assertEqual(watcher.call("lock", "L")["result"], {"locked": False})
        c.call("unlock", "L")
        note = watcher._read_message()
        self.assertEqual(note["method"], "locked")

        # Garbage from one client does not hurt the others.
        junk = socket.socket(socket.AF_UNIX)
        junk.connect(self.sock)
        junk.sendall(b"not json at all")
        junk.close()
        self.assertEqual(c.call("echo", "still here")["result"], ["still here"])
        c.close()
        watcher.close()

    def test_many_clients_over_tcp_and_unix(self):
        first = Client(self.sock)
        first.call("transact", "Open_vSwitch", {"op": "insert", "table": "Open_vSwitch", "row": {}})
        clients = [Client(tcp_port=self.tcp_port) if i % 2 else Client(self.sock)
                   for i in range(40)]
        hog = socket.socket(socket.AF_UNIX)  # sends half a request and never finishes it
        hog.connect(self.sock)
        hog.sendall(b'{"method":"transact","params":["Open_vSwitch",{"op":')
        for i, c in enumerate(clients):
            r = c.call("transact", "Open_vSwitch",
                       {"op": "mutate", "table": "Open_vSwitch", "where": [],
                        "mutations": [["external_ids", "insert", ["map", [[f"c{i}", "x"]]]]]})
            self.assertEqual(r["result"], [{"count": 1}])
        sel = first.call("transact", "Open_vSwitch",
                         {"op": "select", "table": "Open_vSwitch", "where": [],
                          "columns": ["external_ids"]})
        self.assertEqual(len(sel["result"][0]["rows"][0]["external_ids"][1]), 40)
        hog.close()
        for c in clients + [first]:
            c.close()

    def test_survives_restart(self):
        c = Client(self.sock)
        # Bridge is not a root table: a bridge nothing refers to would be collected at once.
        c.call("transact", "Open_vSwitch",
               {"op": "insert", "table": "Open_vSwitch", "row": {"bridges": ["named-uuid", "k"]}},
               {"op": "insert", "table": "Bridge", "uuid-name": "k", "row": {"name": "keep"}})
        c.close()
        self.stop()
        self.start()
        c = Client(self.sock)
        sel = c.call("transact", "Open_vSwitch",
                     {"op": "select", "table": "Bridge", "where": [], "columns": ["name"]})
        self.assertEqual(sel["result"][0]["rows"], [{"name": "keep"}])
        c.close()

    def test_kill_9_loses_no_acknowledged_transaction(self):
        c = Client(self.sock)
        c.call("transact", "Open_vSwitch", {"op": "insert", "table": "Open_vSwitch", "row": {}})
        acked = []
        # The kill lands at an arbitrary point of a stream of commits, possibly inside one.
        killer = threading.Timer(0.3, os.kill, (self.proc.pid, 9))
        killer.start()
        self.addCleanup(killer.cancel)
        for i in range(100000):
            try:
                r = c.call("transact", "Open_vSwitch",
                           {"op": "mutate", "table": "Open_vSwitch", "where": [],
                            "mutations": [["external_ids", "insert",
                                           ["map", [[f"k{i}", f"v{i}"]]]]]})
            except (ConnectionError, OSError, socket.timeout):
                break
            if r.get("error") is None and r["result"][0].get("count") == 1:
                acked.append(f"k{i}")
        self.assertGreater(len(acked), 10, "the server died before the test began")
        self.proc.wait(timeout=10)
        self.start()
        c = Client(self.sock)
        sel = c.call("transact", "Open_vSwitch",
                     {"op": "select", "table": "Open_vSwitch", "where": [],
                      "columns": ["external_ids"]})
        stored = dict(sel["result"][0]["rows"][0]["external_ids"][1])
        missing = [k for k in acked if k not in stored]
        self.assertEqual(missing, [], "acknowledged transactions lost")
        # Consistent: every stored key is one the client sent, with its value.
        for k, v in stored.items():
            self.assertEqual(v, "v" + k[1:])
        c.close()

    def test_requests_sent_together_commit_together(self):
        """Requests that arrive in one read run as separate transactions committed to the file
        together (group commit): replies in request order, each one atomic, monitors told
        before the replies, and none acknowledged before it is in the file (kill -9)."""
        c = Client(self.sock)
        c.call("transact", "Open_vSwitch", {"op": "insert", "table": "Open_vSwitch", "row": {}})
        watcher = Client(self.sock)
        watcher.call("monitor", "Open_vSwitch", "w", {"Open_vSwitch": {"columns": ["external_ids"]}})

        def mutate(key):
            return {"op": "mutate", "table": "Open_vSwitch", "where": [],
                    "mutations": [["external_ids", "insert", ["map", [[key, "v" + key[1:]]]]]]}

        def send_all(requests):
            c.sock.sendall(b"".join(json.dumps(r).encode() for r in requests))

        requests = []
        for i in range(20):
            if i == 7:  # fails at its second operation: its first must not stay
                ops = [mutate("kbad"), {"op": "insert", "table": "Bridge", "row": {"name": 7}}]
            elif i == 12:
                requests.append({"method": "echo", "params": ["e"], "id": 1000})
                ops = [mutate(f"k{i}")]
            else:
                ops = [mutate(f"k{i}")]
            requests.append({"method": "transact", "params": ["Open_vSwitch"] + ops, "id": i})
        send_all(requests)
        replies = []
        while len(replies) < len(requests):
            msg = c._read_message()
            if msg.get("id") is not None:
                replies.append(msg)
        self.assertEqual([r["id"] for r in replies], [r["id"] for r in requests])
        for r in replies:
            if r["id"] == 7:
                self.assertEqual(r["result"][0], {"count": 1})
                self.assertIn("error", r["result"][1])
            elif r["id"] == 1000:
                self.assertEqual(r["result"], ["e"])
            else:
                self.assertEqual(r["result"], [{"count": 1}], r)
        sel = c.call("transact", "Open_vSwitch",
                     {"op": "select", "table": "Open_vSwitch", "where": [],
                      "columns": ["external_ids"]})
        stored = dict(sel["result"][0]["rows"][0]["external_ids"][1])
        self.assertEqual(sorted(stored), sorted(f"k{i}" for i in range(20) if i != 7))
        # The watcher heard of every committed one, in commit order.
        heard = []
        while len(heard) < 19:
            note = watcher._read_message()
            for row in note["params"][1]["Open_vSwitch"].values():
                new, old = dict(row["new"]["external_ids"][1]), dict(row["old"]["external_ids"][1])
                heard += sorted(set(new) - set(old))
        self.assertEqual(heard, [f"k{i}" for i in range(20) if i != 7])

        # kill -9 in the middle of a stream of requests sent 16 at a time.
        acked = []
        killer = threading.Timer(0.3, os.kill, (self.proc.pid, 9))
        killer.start()
        self.addCleanup(killer.cancel)
        n = 100
        try:
            while True:
                keys = [f"k{n + j}" for j in range(16)]
                send_all({"method": "transact", "params": ["Open_vSwitch", mutate(k)], "id": k}
                         for k in keys)
                for _ in keys:
                    msg = c._read_message()
                    if msg.get("id") is not None and msg["result"] == [{"count": 1}]:
                        acked.append(msg["id"])
                n += 16
        except (ConnectionError, OSError, socket.timeout):
            pass
        self.assertGreater(len(acked), 10, "the server died before the test began")
        c.close()
        watcher.close()
        self.proc.wait(timeout=10)
        self.start()
        c = Client(self.sock)
        sel = c.call("transact", "Open_vSwitch",
                     {"op": "select", "table": "Open_vSwitch", "where": [],
                      "columns": ["external_ids"]})
        stored = dict(sel["result"][0]["rows"][0]["external_ids"][1])
        self.assertEqual([k for k in acked if k not in stored], [],
                         "acknowledged transactions lost")
        for k, v in stored.items():
            self.assertEqual(v, "v" + k[1:])
        c.close()

    def test_monitor_cond(self):
        """monitor_cond: conditions select rows; update2 says initial/insert/delete/modify, with
        defaults left out of rows and only differences in a modify; monitor_cond_change moves
        rows in and out of the selection."""
        c = Client(self.sock)
        r = c.call("transact", "Open_vSwitch",
                   {"op": "insert", "table": "Open_vSwitch", "row": {"bridges": ["set", [
                       ["named-uuid", "a"], ["named-uuid", "b"]]]}},
                   {"op": "insert", "table": "Bridge", "uuid-name": "a",
                    "row": {"name": "br-a", "flood_vlans": ["set", [1, 2]]}},
                   {"op": "insert", "table": "Bridge", "uuid-name": "b", "row": {"name": "br-b"}})
        self.assertIsNone(r["error"])
        a, b = r["result"][1]["uuid"][1], r["result"][2]["uuid"][1]
        w = Client(self.sock)
        initial = w.call("monitor_cond", "Open_vSwitch", "w",
                         {"Bridge": [{"columns": ["name", "flood_vlans", "external_ids"],
                                      "where": [["name", "==", "br-a"]]}]})["result"]
        self.assertEqual(initial, {"Bridge": {a: {"initial": {
            "name": "br-a", "flood_vlans": ["set", [1, 2]]}}}})
        # A modify carries only the differences: the set's toggled elements, the map's new pair.
        c.call("transact", "Open_vSwitch",
               {"op": "update", "table": "Bridge", "where": [["name", "==", "br-a"]],
                "row": {"flood_vlans": ["set", [2, 3]], "external_ids": ["map", [["k", "v"]]]}})
        note = w._read_message()
        self.assertEqual(note["method"], "update2")
        self.assertEqual(note["params"][0], "w")
        modify = note["params"][1]["Bridge"][a]["modify"]
        self.assertEqual(modify["flood_vlans"], ["set", [1, 3]])
        self.assertEqual(modify["external_ids"], ["map", [["k", "v"]]])
        self.assertNotIn("name", modify)
        # Changes to a row outside the selection are not sent; the next note is about br-a.
        c.call("transact", "Open_vSwitch",
               {"op": "update", "table": "Bridge", "where": [["name", "==", "br-b"]],
                "row": {"flood_vlans": 7}})
        c.call("transact", "Open_vSwitch",
               {"op": "update", "table": "Bridge", "where": [["name", "==", "br-a"]],
                "row": {"external_ids": ["map", []]}})
        note = w._read_message()
        self.assertEqual(list(note["params"][1]["Bridge"]), [a])
        self.assertEqual(note["params"][1]["Bridge"][a]["modify"]["external_ids"],
                         ["map", [["k", "v"]]])
        # Widen the selection: br-b comes in as an insert under the new monitor id.
        r = w.call("monitor_cond_change", "w", "w2",
                   {"Bridge": [{"where": [["name", "==", "br-a"], ["name", "==", "br-b"]]}]})
        self.assertEqual(r["result"], {})
        note = w._read_message()
        self.assertEqual(note["params"][0], "w2")
        self.assertEqual(note["params"][1]["Bridge"][b]["insert"],
                         {"name": "br-b", "flood_vlans": 7})
        # Deleting br-b (dropped from the root set, then collected) is a delete with a null row.
        c.call("transact", "Open_vSwitch",
               {"op": "mutate", "table": "Open_vSwitch", "where": [],
                "mutations": [["bridges", "delete", ["uuid", b]]]})
        note = w._read_message()
        self.assertEqual(note["params"][1]["Bridge"], {b: {"delete": None}})
        self.assertEqual(w.call("monitor_cond_change", "nope", "x", {})["error"]["error"],
                         "unknown monitor")
        self.assertEqual(w.call("monitor_cond", "Open_vSwitch", "w3",
                                {"Bridge": [{"where": [["nosuch", "==", 1]]}]})["error"]["error"],
                         "unknown column")
        w.sock.close()
        c.sock.close()

    def test_real_ovs_vsctl(self):
        if shutil.which("ovs-vsctl") is None:
            self.skipTest("ovs-vsctl not installed (scripts/install-deps.sh installs it)")

        def vsctl(*args):
            p = subprocess.run(["ovs-vsctl", f"--db=unix:{self.sock}", "--no-wait",
                                "--timeout=20", *args], capture_output=True, text=True,
                               timeout=30)
            self.assertEqual(p.returncode, 0, f"ovs-vsctl {' '.join(args)}: {p.stderr}")
            return p.stdout

        vsctl("init")
        vsctl("add-br", "br0")
        vsctl("add-port", "br0", "p1")
        self.assertEqual(vsctl("list-br").split(), ["br0"])
        self.assertEqual(vsctl("list-ports", "br0").split(), ["p1"])
        self.assertIn('Bridge br0', vsctl("show"))
        vsctl("del-br", "br0")
        self.assertEqual(vsctl("list-br").strip(), "")


if __name__ == "__main__":
    unittest.main()
