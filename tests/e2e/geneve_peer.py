"""A minimal Geneve endpoint written from RFC 8926 alone, independent of the switch's code, for
interop tests (this machine's kernel has no geneve device): it listens on UDP port 6081 and
answers, as one host with address --ip, the ARP requests and ICMP echo requests it receives for
VNI --vni. Every datagram it sends carries a (non-critical) option, so the receiver must skip
options by their length. Prints one line per answer; runs until killed.

Usage: geneve_peer.py --ip 10.0.0.2 --vni 4242 [--port 6081] [--mac 02:..]"""

import argparse
import socket
import struct
import sys

ETH_P_ARP, ETH_P_IP, ETH_P_TEB = 0x0806, 0x0800, 0x6558


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def geneve_header(vni):
    # One option: class 0x0102, type 0x03 (C bit of the type clear), one 4-byte word of data.
    option = struct.pack("!HBB", 0x0102, 0x03, 1) + b"\xde\xad\xbe\xef"
    opt_words = len(option) // 4
    # Ver 0 | Opt Len; O=0 C=0; Protocol Type; VNI (24 bits) + reserved.
    return struct.pack("!BBH", opt_words, 0, ETH_P_TEB) + struct.pack("!I", vni << 8) + option


def parse_geneve(data):
    """(vni, inner frame) or None."""
    if len(data) < 8:
        return None
    first, flags, proto = struct.unpack("!BBH", data[:4])
    if first >> 6 != 0 or proto != ETH_P_TEB or flags & 0xC0:
        return None
    header_len = 8 + (first & 0x3F) * 4
    if len(data) < header_len + 14:
        return None
    return struct.unpack("!I", data[4:8])[0] >> 8, data[header_len:]


def answer(frame, my_ip, my_mac):
    """The reply frame to an ARP request or ICMP echo request for my_ip, or None."""
    src_mac, ethertype = frame[6:12], struct.unpack("!H", frame[12:14])[0]
    body = frame[14:]
    if ethertype == ETH_P_ARP and len(body) >= 28:
        op = struct.unpack("!H", body[6:8])[0]
        sha, spa, tpa = body[8:14], body[14:18], body[24:28]
        if op == 1 and tpa == my_ip:
            arp = struct.pack("!HHBBH", 1, ETH_P_IP, 6, 4, 2) + my_mac + my_ip + sha + spa
            return src_mac + my_mac + struct.pack("!H", ETH_P_ARP) + arp, "arp"
    if ethertype == ETH_P_IP and len(body) >= 20:
        ihl = (body[0] & 0x0F) * 4
        total = struct.unpack("!H", body[2:4])[0]
        src, dst, proto = body[12:16], body[16:20], body[9]
        icmp = body[ihl:total]
        if dst == my_ip and proto == 1 and len(icmp) >= 8 and icmp[0] == 8:
            reply = b"\x00\x00\x00\x00" + icmp[4:]
            reply = reply[:2] + struct.pack("!H", checksum(reply)) + reply[4:]
            ip = bytearray(body[:ihl])
            ip[2:4] = struct.pack("!H", ihl + len(reply))
            ip[8] = 64
            ip[10:12] = b"\0\0"
            ip[12:16], ip[16:20] = dst, src
            ip[10:12] = struct.pack("!H", checksum(bytes(ip)))
            return src_mac + my_mac + struct.pack("!H", ETH_P_IP) + bytes(ip) + reply, "icmp"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ip", required=True)
    ap.add_argument("--vni", type=int, required=True)
    ap.add_argument("--port", type=int, default=6081)
    ap.add_argument("--mac", default="02:91:00:00:00:99")
    args = ap.parse_args()
    my_ip = socket.inet_aton(args.ip)
    my_mac = bytes.fromhex(args.mac.replace(":", ""))
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", args.port))
    print("listening", flush=True)
    while True:
        data, (src_ip, _) = sock.recvfrom(65535)
        parsed = parse_geneve(data)
        if not parsed or parsed[0] != args.vni:
            print(f"ignored datagram from {src_ip}", flush=True)
            continue
        reply = answer(parsed[1], my_ip, my_mac)
        if reply:
            sock.sendto(geneve_header(args.vni) + reply[0], (src_ip, args.port))
            print(f"answered {reply[1]} from {src_ip}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
