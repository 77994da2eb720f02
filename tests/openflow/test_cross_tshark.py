"""Cross-decoding with tshark's OpenFlow dissector (Wireshark, Debian's tshark package): every
sample message we encode (every 1.0 and 1.3 message type, every action, instruction, OXM
field...) is written into a capture as one TCP segment to port 6653, and tshark must dissect
each with our type, xid and length, report nothing malformed and no expert warning, and show
the distinctive field values we put in (the samples' values are distinct pseudo-random
numbers, so finding them in the dissection means tshark read them from where we wrote them).
Skips, saying so, only when tshark is not installed (scripts/install-deps.sh installs it)."""

import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

import of_cross

TSHARK = shutil.which("tshark")
PROTO = {1: "openflow_v1", 4: "openflow_v4"}
# Header field names of tshark's dissectors: (type, length, xid).
HEADER = {1: ("openflow_1_0.type", "openflow.length", "openflow.xid"),
          4: ("openflow_v4.type", "openflow_v4.length", "openflow_v4.xid")}
SEVERITY_WARN, SEVERITY_ERROR = "6291456", "8388608"  # Wireshark's PI_WARN, PI_ERROR


def pcap(messages):
    """A pcap with one Ethernet/IPv4/TCP segment per message, one TCP stream to port 6653."""
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    seq = 1000
    for i, msg in enumerate(messages):
        tcp = struct.pack("!HHIIBBHHH", 40000, 6653, seq, 1, 5 << 4, 0x18, 65535, 0, 0)
        seq += len(msg)
        total = 20 + len(tcp) + len(msg)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, i & 0xFFFF, 0, 64, 6, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
        frame += ip + tcp + msg
        out += struct.pack("<IIII", i, 0, len(frame), len(frame)) + frame
    return bytes(out)


class Tree(list):
    """A JSON object as tshark prints it: (key, value) pairs, keys repeating (one per OXM
    field, action, instruction...)."""

    def get(self, key):
        return next(v for k, v in self if k == key)


def pairs(items):
    return Tree(items)


def leaves(node, out):
    """Every (key, scalar) pair in tshark's tree."""
    if isinstance(node, Tree):
        for k, v in node:
            if isinstance(v, (Tree, list)):
                leaves(v, out)
            else:
                out.append((k, str(v)))
    elif isinstance(node, list):
        for v in node:
            leaves(v, out)
    return out


def distinctive(node, out):
    """Our integer field values that are unlikely to appear by chance (>= 0x1000)."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, int) and v >= 0x1000 and k not in ("xid",):
                out.append((k, v))
            else:
                distinctive(v, out)
    elif isinstance(node, list):
        for v in node:
            distinctive(v, out)
    return out


def shown(value, texts):
    forms = {str(value), hex(value), f"0x{value:08x}", f"0x{value:016x}", f"0x{value:04x}"}
    if value < 1 << 32:
        forms.add(".".join(str(value >> s & 0xFF) for s in (24, 16, 8, 0)))
    return any(t in forms for t in texts)


@unittest.skipIf(TSHARK is None, "tshark is not installed (scripts/install-deps.sh installs it): "
                 "the tshark cross-check did NOT run")
class OursInTshark(unittest.TestCase):
    def dissect(self, version, messages):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "of.pcap")
            with open(path, "wb") as f:
                f.write(pcap(messages))
            out = subprocess.run([TSHARK, "-r", path, "-T", "json", "-d",
                                  "tcp.port==6653,openflow", "-o",
                                  "tcp.desegment_tcp_streams:FALSE"],
                                 capture_output=True, text=True, check=True, timeout=240)
        return json.loads(out.stdout, object_pairs_hook=pairs)

    def check(self, version):
        proto = PROTO[version]
        samples = of_cross.samples(version)
        frames = self.dissect(version, [buf for buf, _ in samples])
        self.assertEqual(len(frames), len(samples))
        found = total = 0
        unseen = {}
        tshark_gaps = set()
        for (buf, ours), frame in zip(samples, frames):
            name = ours["body"]["_type"]
            layers = frame.get("_source").get("layers")
            with self.subTest(message=name):
                keys = [k for k, _ in layers]
                self.assertIn(proto, keys, f"{name}: not dissected as {proto}")
                found_pairs = leaves(layers, [])
                texts = [v for _, v in found_pairs]
                self.assertNotIn("_ws.malformed", [k for k, _ in found_pairs] + keys,
                                 f"{name}: malformed for tshark")
                # Expert items come as (message, severity, group); tshark's own gaps ("Message
                # data not dissected yet", in 1.0 statistics) are no fault of the bytes.
                experts = [(m, sv) for (km, m), (ks, sv) in zip(found_pairs, found_pairs[1:])
                           if km == "_ws.expert.message" and ks == "_ws.expert.severity"]
                gaps = [m for m, _ in experts if "not dissected yet" in m]
                tshark_gaps.update(name for _ in gaps[:1])
                severities = [sv for m, sv in experts if m not in gaps]
                messages = [m for m, _ in experts]
                self.assertNotIn(SEVERITY_WARN, severities, f"{name}: {messages}")
                self.assertNotIn(SEVERITY_ERROR, severities, f"{name}: {messages}")
                tree = layers.get(proto)
                type_key, length_key, xid_key = HEADER[version]
                self.assertEqual(int(tree.get(type_key)), buf[1])
                self.assertEqual(int(tree.get(length_key)), len(buf))
                self.assertEqual(int(tree.get(xid_key)), ours["xid"])
                if gaps:
                    continue
                for field, value in distinctive(ours["body"], []):
                    total += 1
                    if shown(value, texts):
                        found += 1
                    else:
                        unseen.setdefault(name, []).append(field)
        print(f"\nversion {version}: tshark dissected all {len(samples)} sample messages; "
              f"{found} of {total} distinctive field values shown")
        if tshark_gaps:
            print("  tshark does not dissect the body of: " + " ".join(sorted(tshark_gaps)))
        if unseen:
            print("  not shown by tshark: " +
                  "; ".join(f"{k}: {' '.join(sorted(set(v)))}" for k, v in sorted(unseen.items())))
        return found, total

    def test_of13(self):
        found, total = self.check(4)
        self.assertGreaterEqual(found, total * 0.9)

    def test_of10(self):
        # tshark 4.0's 1.0 dissector leaves most bodies undissected (counted apart above) and
        # shows only the first action of an action list.
        found, total = self.check(1)
        self.assertGreaterEqual(found, total * 0.75)


if __name__ == "__main__":
    unittest.main()
