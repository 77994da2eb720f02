#!/usr/bin/env python3
# Writes the packet_parse fuzz seed corpus: a dozen valid frames, one binary file each, into
# tests/fuzz/corpus/packet_parse/. Rerun after changing it; the outputs are committed.
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "packet_parse")
DST, SRC = bytes.fromhex("021122334455"), bytes.fromhex("000000000001")
IP4A, IP4B = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
IP6A = bytes.fromhex("fe800000000000000000000000000001")
IP6B = bytes.fromhex("20010db8000000000000000000000002")


def eth(t, tags=b""):
    return DST + SRC + tags + struct.pack("!H", t)


def ip4(proto, payload, frag=0, ihl=5):
    opts = b"\x01" * (ihl * 4 - 20)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + len(payload), 1, frag,
                      64, proto, 0, IP4A, IP4B)
    return hdr + opts + payload


def ip6(nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000 | 0x12345, len(payload), nh, 64, IP6A,
                       IP6B) + payload


def tcp(flags=0x02):
    return struct.pack("!HHIIHHHH", 1234, 80, 1, 0, 5 << 12 | flags, 8192, 0, 0)


def udp(n=4):
    return struct.pack("!HHHH", 1000, 53, 8 + n, 0) + bytes(n)


def pad(frame):
    return frame + bytes(max(0, 60 - len(frame)))


arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, SRC, IP4A, bytes(6), IP4B)
ns = struct.pack("!BBHI", 135, 0, 0, 0) + IP6B + bytes([1, 1]) + SRC
na = struct.pack("!BBHI", 136, 0, 0, 0x60000000) + IP6B + bytes([2, 1]) + DST
frames = {
    "arp": pad(eth(0x0806) + arp),
    "udp4": pad(eth(0x0800) + ip4(17, udp())),
    "tcp4_opts": eth(0x0800) + ip4(6, tcp(0x12), ihl=6),
    "icmp4": pad(eth(0x0800) + ip4(1, struct.pack("!BBHI", 8, 0, 0, 7))),
    "sctp4": pad(eth(0x0800) + ip4(132, struct.pack("!HHII", 1, 2, 3, 0))),
    "frag4_later": pad(eth(0x0800) + ip4(17, udp(), frag=0x0010)),
    "vlan_udp4": pad(eth(0x0800, struct.pack("!HH", 0x8100, 0x200a)) + ip4(17, udp())),
    "qinq_tcp4": eth(0x0800, struct.pack("!HHHH", 0x88a8, 100, 0x8100, 10)) + ip4(6, tcp()),
    "tcp6_hbh": eth(0x86dd) + ip6(0, bytes([6, 0]) + bytes(6) + tcp()),
    "udp6_frag_ah": eth(0x86dd) + ip6(44, struct.pack("!BBHI", 51, 0, 1, 9) +
                                     bytes([17, 2]) + bytes(14) + udp()),
    "nd_ns": eth(0x86dd) + ip6(58, ns),
    "nd_na": eth(0x86dd) + ip6(58, na),
    "llc": pad(DST + SRC + struct.pack("!H", 38) + b"\x42\x42\x03"),
}

os.makedirs(OUT, exist_ok=True)
for name, frame in frames.items():
    with open(os.path.join(OUT, name + ".bin"), "wb") as f:
        f.write(frame)
