"""Bad command lines and bad requests: one clear line on stderr, exit 2 for usage errors and 1
for failed operations, and a running switch unharmed by what a client sends."""

import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from vsenv import BIN_DIR, Switch, SwitchTest


def run_bin(*args):
    # A private run and DB directory: vswitchd keeps bridges in its DB, and a test must not
    # leave them in the system's default one.
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, VS_RUNDIR=home, VS_DBDIR=home)
        return subprocess.run([os.path.join(BIN_DIR, args[0]), *args[1:]], capture_output=True,
                              text=True, timeout=60, env=env)


class CommandLineErrors(unittest.TestCase):
    def test_help_and_version(self):
        for prog in ("vswitchd", "appctl"):
            self.assertEqual(run_bin(prog, "--help").returncode, 0)
            v = run_bin(prog, "--version")
            self.assertEqual(v.returncode, 0)
            self.assertIn("0.1.0", v.stdout)

    def test_usage_errors_exit_2(self):
        for args in (("vswitchd", "--no-such-flag"), ("vswitchd", "--port", "p0 color=blue"),
                     ("appctl",), ("appctl", "--bogus", "version")):
            p = run_bin(*args)
            self.assertEqual(p.returncode, 2, args)
            self.assertTrue(p.stderr.strip(), args)

    def test_unreachable_daemon_exits_1(self):
        p = run_bin("appctl", "-t", "/nonexistent/vswitchd.ctl", "version")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        self.assertIn("/nonexistent/vswitchd.ctl", p.stderr)


class DaemonErrors(SwitchTest):
    def test_missing_interface_is_a_clear_failure(self):
        with tempfile.TemporaryDirectory() as rundir:
            p = run_bin("vswitchd", "--rundir", rundir, "--no-internal-port", "--dpdk-mem", "256",
                        "--mbufs", "4095", "--port", "nosuchif0 type=system")
        self.assertEqual(p.returncode, 1)
        last = p.stderr.strip().splitlines()[-1]
        self.assertIn("nosuchif0", last)
        self.assertIn("no such network device", last)

    def test_bad_requests_leave_the_switch_running(self):
        self.switch = Switch([])
        bad = self.switch.appctl("no/such-command", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("not a valid command", bad.stderr)
        bad = self.switch.appctl("dpctl/add-flow", "in_port(1),bogus(2)", "1", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("bogus", bad.stderr)
        bad = self.switch.appctl("fdb/show", "no-such-br", check=False)
        self.assertEqual(bad.returncode, 1)
        bad = self.switch.appctl("vswitchd/add-port", "x0 type=warp", check=False)
        self.assertIn("warp", bad.stderr)
        # Garbage on the control socket closes that connection only.
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.switch.ctl)
            s.sendall(b"\x00\x01garbage{{{")
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.switch.ctl)
            s.sendall(b'{"method":"version","params":[1],"id":5}')
            reply = s.recv(4096).decode()
        self.assertIn('"id":5', reply)
        self.assertIn("arguments must be strings", reply)
        self.assertIn("0.1.0", self.switch.appctl("version"))
        self.assertIsNone(self.switch.proc.poll())


class OvsAppctlSpeaksToUs(SwitchTest):
    """Open vSwitch's own ovs-appctl (Debian's openvswitch-common) against our control socket:
    the same unixctl protocol, the same answers as our appctl."""

    def test_ovs_appctl(self):
        if shutil.which("ovs-appctl") is None:
            self.skipTest("ovs-appctl not installed (scripts/install-deps.sh installs it)")
        self.switch = Switch([])
        ours = self.switch.appctl("dpctl/show")
        theirs = subprocess.run(["ovs-appctl", "-t", self.switch.ctl, "dpctl/show"],
                                capture_output=True, text=True, timeout=30)
        self.assertEqual(theirs.returncode, 0, theirs.stderr)
        self.assertEqual(theirs.stdout.rstrip("\n"), ours.rstrip("\n"))
        bad = subprocess.run(["ovs-appctl", "-t", self.switch.ctl, "no/such"],
                             capture_output=True, text=True, timeout=30)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("not a valid command", bad.stderr)


if __name__ == "__main__":
    unittest.main()
