"""Shared helpers of the cross-decoder tests: run of_tool (our codec on the command line) and
compare our JSON view of a message with os-ken's parsed objects, field by field.

Our field names come from the specification (as do os-ken's), so most fields compare by name;
ALIASES and the special cases below cover where os-ken models a field differently."""

import json
import os
import struct
import subprocess

OF_TOOL = os.environ.get("OF_TOOL", "")


def tool(command, version, stdin=None):
    out = subprocess.run([OF_TOOL, command, str(version)], input=stdin, capture_output=True,
                         text=True, check=True, timeout=120)
    return out.stdout.splitlines()


def samples(version, for_osken=False):
    """Our sample messages: [(bytes, json)]. for_osken: without the experimenter instructions
    os-ken's FLOW_MOD and flow stats parsers loop forever on (an os-ken bug)."""
    result = []
    for line in tool("samples-osken" if for_osken else "samples", version):
        hexs, js = line.split(" ", 1)
        result.append((bytes.fromhex(hexs), json.loads(js)))
    return result


def decode(version, blobs):
    """Our decoder on each blob: [("OK", bytes re-encoded, json) | ("ERR", type, code, text)]."""
    lines = tool("decode", version, "".join(b.hex() + "\n" for b in blobs))
    result = []
    for line in lines:
        if line.startswith("OK "):
            parts = line.split(" ", 2)
            result.append(("OK", bytes.fromhex(parts[1]), json.loads(parts[2])))
        else:
            parts = line.split(" ", 3)
            result.append(("ERR", int(parts[1]), int(parts[2]), parts[3]))
    return result


class Datapath:
    """The little of a datapath that os-ken's parsers and serializers use."""

    def __init__(self, ofproto, parser):
        self.ofproto = ofproto
        self.ofproto_parser = parser
        self.id = 1


def osken_parse(dp, buf):
    version, msg_type, msg_len, xid = struct.unpack_from("!BBHI", buf)
    cls_parser = dp.ofproto_parser._MSG_PARSERS.get(msg_type)  # noqa: SLF001
    if cls_parser is None:
        return None
    return cls_parser(dp, version, msg_type, msg_len, xid, buf)


# (our type, our field) -> os-ken attribute; None: os-ken does not keep it.
ALIASES = {
    ("FeaturesReply", "reserved"): None,
    ("FeaturesReply", "actions"): "actions",
    ("Error", "type"): "type",
    ("ActionSetTpSrc", "tp_port"): "tp",
    ("ActionSetTpDst", "tp_port"): "tp",
    ("ActionSetNwTos", "nw_tos"): "tos",
}

# Fields os-ken does not keep (it ignores 1.0 HELLO bodies, vendor stats, empty data).
NOT_IN_OSKEN = {"MeterBandExperimenter.data", "FeatureId.experimenter_data", "Hello.data",
                "VendorStatsReply.vendor", "VendorStatsReply.data"}

LIST_BODIES = ("stats", "ports", "tables")


class Comparer:
    def __init__(self, ofproto):
        self.ofproto = ofproto
        self.mismatches = []
        self.missing = []
        self.compared = 0

    def message(self, ours, theirs):
        self.value(ours["xid"], theirs.xid, "xid")
        body = ours["body"]
        name = body["_type"]
        theirs_body = getattr(theirs, "body", None)
        multipart = "flags" in body and theirs_body is not None and hasattr(theirs, "type")
        if not multipart:
            self.obj(body, theirs, name)
            return
        self.value(body["flags"], theirs.flags, name + ".flags")
        rest = {k: v for k, v in body.items() if k not in ("flags",)}
        lists = [k for k in rest if k in LIST_BODIES]
        if lists:
            self.value(rest[lists[0]], theirs_body, name + "." + lists[0])
        else:
            if isinstance(theirs_body, list) and len(theirs_body) == 1:
                theirs_body = theirs_body[0]  # os-ken lists some single-struct bodies
            self.obj(rest, theirs_body, name)

    def obj(self, ours, theirs, path):
        t = ours.get("_type", "")
        if t == "Match" and "fields" in ours:
            return self.oxm_match(ours, theirs, path)
        if t == "ActionSetField":
            return self.set_field(ours, theirs, path)
        if t == "HelloElemVersionBitmap":
            versions = [i * 32 + b for i, w in enumerate(ours["bitmaps"]) for b in range(32)
                        if w >> b & 1]
            return self.value(versions, theirs.versions, path + ".versions")
        for k, v in ours.items():
            if k == "_type":
                continue
            attr = ALIASES.get((t, k), k)
            if attr is None:
                continue
            if not hasattr(theirs, attr):
                self.missing.append(f"{t}.{k}")
                continue
            self.value(v, getattr(theirs, attr), f"{path}.{k}")

    def value(self, ours, theirs, path):
        self.compared += 1
        if isinstance(ours, dict):
            return self.obj(ours, theirs, path)
        if isinstance(ours, list):
            theirs = list(theirs.values()) if isinstance(theirs, dict) else list(theirs)
            if len(ours) != len(theirs):
                self.mismatches.append(f"{path}: {len(ours)} items vs {len(theirs)}")
                return None
            for i, (a, b) in enumerate(zip(ours, theirs)):
                self.value(a, b, f"{path}[{i}]")
            return None
        if isinstance(ours, int):
            if hasattr(theirs, "hasmask"):
                # an OXM id (table features): our u32 header vs os-ken's parsed object
                # (os-ken keeps no length byte: compare class, field and mask bit)
                header = struct.unpack_from("!I", theirs.serialize())[0]
                theirs = (header & ~0x1ff) | (theirs.hasmask << 8)
                ours &= ~0xff
            if ours != theirs:
                self.mismatches.append(f"{path}: {ours!r} vs {theirs!r}")
            return None
        if isinstance(ours, str):
            if self.same_text(ours, theirs):
                return None
            self.mismatches.append(f"{path}: {ours!r} vs {theirs!r}")
        return None

    @staticmethod
    def same_text(ours, theirs):
        if isinstance(theirs, str):
            return ours.lower() == theirs.lower()
        if isinstance(theirs, list) and all(isinstance(x, int) for x in theirs):
            # os-ken keeps some opaque data as a list of bytes or of 32-bit words
            raw = bytes.fromhex(ours)
            words = [int.from_bytes(raw[i:i + 4], "big") for i in range(0, len(raw), 4)]
            return theirs in (list(raw), words)
        if isinstance(theirs, (bytes, bytearray)):
            theirs = bytes(theirs)
            if ours.encode() == theirs.rstrip(b"\0"):
                return True
            if len(theirs) == 6 and ours.count(":") == 5:
                return ours == ":".join(f"{b:02x}" for b in theirs)
            try:
                return bytes.fromhex(ours) == theirs
            except ValueError:
                return False
        return False

    def oxm_bytes(self, name, value):
        _, v, m = self.ofproto.oxm_from_user(name, value)
        return v, m

    def oxm_match(self, ours, theirs, path):
        items = list(theirs._fields2)  # noqa: SLF001 - (name, value | (value, mask))
        if len(items) != len(ours["fields"]):
            self.mismatches.append(f"{path}: {len(ours['fields'])} OXMs vs {len(items)}")
            return
        for oxm, (name, val) in zip(ours["fields"], items):
            self.one_oxm(oxm, name, val, f"{path}.{name}")

    def one_oxm(self, oxm, name, val, path):
        self.compared += 1
        if oxm["name"] != name:
            self.mismatches.append(f"{path}: field {oxm['name']} vs {name}")
            return
        v, m = self.oxm_bytes(name, val)
        if bytes.fromhex(oxm["value"]) != v:
            self.mismatches.append(f"{path}: value {oxm['value']} vs {v.hex()}")
        if bytes.fromhex(oxm.get("mask", "")) != (m or b""):
            self.mismatches.append(f"{path}: mask {oxm.get('mask')} vs {m}")

    def set_field(self, ours, theirs, path):
        self.one_oxm(ours["field"], theirs.key, theirs.value, path + ".field")
