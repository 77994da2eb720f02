#!/usr/bin/python3
"""OpenFlow codec generator: one declarative description per version (openflow/defs/*.ofdef)
in, one C++ header and source out (types, encode, decode, to_string, spec error mapping).

Standard library only; CMake runs it at build time:
    ofgen.py DEFS.ofdef OUT_DIR     ->  OUT_DIR/<ns>.hpp, OUT_DIR/<ns>.cpp (the codec),
                                        OUT_DIR/<ns>_testing.hpp/.cpp (test samples, JSON)
The description language is documented in openflow/README.md.
"""

import os
import re
import sys

INT_WIDTH = {"u8": 1, "u16": 2, "u32": 4, "u64": 8}
CXX_INT = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t"}
OXM_KINDS = {"u8": 1, "u16": 2, "u24": 3, "u32": 4, "u64": 8, "ipv4": 4, "mac": 6, "ipv6": 16}
KINDS = {"truncated": "kTruncated", "bad_length": "kBadLength", "bad_type": "kBadType",
         "bad_value": "kBadValue", "bad_version": "kBadVersion"}
CONTEXTS = {"message": "kMessage", "multipart": "kMultipart", "action": "kAction",
            "instruction": "kInstruction", "match": "kMatch", "oxm": "kOxm",
            "hello_elem": "kHelloElem", "bucket": "kBucket", "queue_prop": "kQueueProp",
            "table_feature_prop": "kTableFeatureProp", "meter_band": "kMeterBand"}


class DefError(Exception):
    pass


def const_name(upper):
    """HELLO_FAILED -> kHelloFailed (STYLE.md: kConstant)."""
    return "k" + "".join(p[:1].upper() + p[1:].lower() for p in upper.split("_") if p)


def value(text):
    if not re.fullmatch(r"[0-9a-fA-FxX<>() |+-]+", text):
        raise DefError(f"bad number {text!r}")
    return int(eval(text, {"__builtins__": {}}))  # digits and << | + - only, checked above


class Field:
    def __init__(self, kind, name=None, **kw):
        self.kind = kind
        self.name = name
        self.__dict__.update(kw)

    def fixed_size(self):
        """Bytes this field always takes (0 for lists, data and alignment)."""
        k = self.kind
        if k in ("int", "const", "len", "lenof"):
            return INT_WIDTH[self.t]
        if k == "array":
            return INT_WIDTH[self.t] * self.n
        if k in ("str", "bytes", "pad"):
            return self.n
        if k == "mac":
            return 6
        if k == "struct":
            return None  # resolved by the caller
        if k == "oxm":
            return 4
        return 0


class Composite:
    """A struct, a union member or a message body: an ordered list of fields."""

    def __init__(self, name, fields, lenx8=False, ctx=None):
        self.name = name
        self.fields = fields
        self.lenx8 = lenx8
        self.ctx = ctx


class Union:
    def __init__(self, name, ctx, hdr, lenx8, unknown):
        self.name, self.ctx, self.hdr, self.lenx8, self.unknown = name, ctx, hdr, lenx8, unknown
        self.members = []  # (value, Composite)


class Spec:
    def __init__(self):
        self.version = None
        self.ns = None
        self.mp = None  # (request type, reply type, pad)
        self.enums = []  # (name, type, [(item, value)])
        self.consts = []
        self.structs = {}
        self.order = []  # declaration order of structs and unions: ("struct"|"union", name)
        self.unions = {}
        self.oxm = None  # (class, [(name, num, kind, maskable)])
        self.messages = []  # (wire name, type, Composite)
        self.mpreqs = []  # (name, mptype, Composite)
        self.mpreplies = []
        self.errmap = []  # (ctx, kind, type, code)
        self.errdefault = None


def tokenize(path):
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if line:
                yield lineno, line.split()


def parse_field(toks, spec):
    t = toks[0]
    if t in INT_WIDTH and len(toks) in (2, 4):
        enum = toks[3] if len(toks) == 4 and toks[2] == ":" else None
        return Field("int", toks[1], t=t, enum=enum)
    m = re.fullmatch(r"(u8|u16|u32|u64)\[(\d+)\]", t)
    if m:
        return Field("array", toks[1], t=m.group(1), n=int(m.group(2)))
    if t == "mac":
        return Field("mac", toks[1])
    if t in ("str", "bytes"):
        return Field(t, toks[2], n=value(toks[1]))
    if t == "pad":
        return Field("pad", n=value(toks[1]))
    if t == "align":
        return Field("align", n=value(toks[1]))
    if t == "const":
        return Field("const", t=toks[1], v=value(toks[2]))
    if t == "len":
        return Field("len", toks[2], t=toks[1])
    if t == "lenof":
        return Field("lenof", toks[2], t=toks[1], target=toks[3])
    if t == "list":
        return Field("list", toks[2], elem=toks[1])
    if t == "oxm":
        return Field("oxm", toks[1])
    if t == "data":
        return Field("data", toks[1])
    if len(toks) == 2:
        return Field("struct", toks[1], t=t)
    raise DefError(f"cannot parse field {' '.join(toks)!r}")


def parse(path):
    spec = Spec()
    lines = list(tokenize(path))
    i = 0

    def block():
        """Lines up to the next 'end' (union members have no 'end' of their own)."""
        nonlocal i
        out = []
        while True:
            if i >= len(lines):
                raise DefError("missing 'end'")
            ln, toks = lines[i]
            i += 1
            if toks[0] == "end":
                return out
            out.append((ln, toks))

    def fields_of(body):
        return [parse_field(t, spec) for _, t in body]

    while i < len(lines):
        ln, toks = lines[i]
        i += 1
        try:
            kw = toks[0]
            opts = dict(t.split("=", 1) for t in toks if "=" in t)
            flags = {t for t in toks if "=" not in t}
            if kw == "version":
                spec.version, spec.ns = value(toks[1]), toks[2]
            elif kw == "multipart":
                spec.mp = (value(toks[1]), value(toks[2]), value(toks[4]))
            elif kw in ("enum", "consts"):
                items = [(t[0], value(t[1])) for _, t in block()]
                (spec.enums if kw == "enum" else spec.consts).append((toks[1], toks[2], items))
            elif kw == "struct":
                c = Composite(toks[1], fields_of(block()), "lenx8" in flags, opts.get("ctx"))
                spec.structs[c.name] = c
                spec.order.append(("struct", c.name))
            elif kw == "union":
                u = Union(toks[1], opts["ctx"], opts.get("hdr", "tl16"), "lenx8" in flags,
                          opts.get("unknown"))
                body = block()
                j = 0
                while j < len(body):
                    _, mt = body[j]
                    if mt[0] != "member":
                        raise DefError(f"union {u.name}: expected member, got {mt}")
                    k = j + 1
                    mf = []
                    while k < len(body) and body[k][1][0] != "member":
                        mf.append(parse_field(body[k][1], spec))
                        k += 1
                    u.members.append((value(mt[1]), Composite(mt[2], mf)))
                    j = k
                spec.unions[u.name] = u
                spec.order.append(("union", u.name))
            elif kw == "oxm":
                items = []
                for _, t in block():
                    items.append((t[0], value(t[1]), t[2], len(t) > 3 and t[3] == "mask"))
                spec.oxm = (value(toks[1]), items)
            elif kw == "message":
                spec.messages.append((toks[1], value(toks[2]),
                                      Composite(toks[3], fields_of(block()))))
            elif kw in ("mpreq", "mpreply"):
                lst = spec.mpreqs if kw == "mpreq" else spec.mpreplies
                lst.append((toks[1], value(toks[2]), Composite(toks[3], fields_of(block()))))
            elif kw == "errmap":
                for _, t in block():
                    if t[0] == "default":
                        spec.errdefault = (t[1], t[2])
                    else:
                        spec.errmap.append((t[0], t[1], t[2], t[3]))
            else:
                raise DefError(f"unknown statement {kw!r}")
        except (DefError, KeyError, IndexError, ValueError) as e:
            raise DefError(f"{path}:{ln}: {e}") from e
    return spec


class Gen:
    def __init__(self, spec):
        self.s = spec
        self.enum_names = {e[0] for e in spec.enums}
        self.h = []
        self.c = []

    # ---- sizes and types -------------------------------------------------------------------
    def fixed(self, f):
        if f.kind == "struct":
            return self.min_size(self.s.structs[f.t])
        return f.fixed_size()

    def min_size(self, comp):
        return sum(self.fixed(f) for f in comp.fields)

    def cxx_type(self, f):
        k = f.kind
        if k == "int":
            return f.enum if f.enum else CXX_INT[f.t]
        if k == "array":
            return f"std::array<{CXX_INT[f.t]}, {f.n}>"
        if k == "mac":
            return "openflow::MacAddr"
        if k == "str":
            return "std::string"
        if k == "bytes":
            return f"std::array<uint8_t, {f.n}>"
        if k == "list":
            elem = "Oxm" if f.elem == "oxm" else CXX_INT.get(f.elem, f.elem)
            return f"std::vector<{elem}>"
        if k == "struct":
            return f.t
        if k == "oxm":
            return "Oxm"
        if k == "data":
            return "std::vector<uint8_t>"
        return None

    def check(self):
        names = set()
        for kind, n in self.s.order:
            names.add(n)
            if kind == "union":
                for _, m in self.s.unions[n].members:
                    if m.name in names:
                        raise DefError(f"duplicate type name {m.name}")
                    names.add(m.name)
        for lst in (self.s.messages, self.s.mpreqs, self.s.mpreplies):
            for _, _, c in lst:
                if c.name in names:
                    raise DefError(f"duplicate type name {c.name}")
                names.add(c.name)
        for c in self.all_composites():
            for f in c.fields:
                if f.kind == "list" and f.elem in self.s.structs:
                    if self.min_size(self.s.structs[f.elem]) == 0:
                        raise DefError(f"{c.name}.{f.name}: list of zero-size elements")
                if f.kind == "int" and f.enum and f.enum not in self.enum_names:
                    raise DefError(f"{c.name}.{f.name}: unknown enum {f.enum}")

    def all_composites(self):
        for kind, n in self.s.order:
            if kind == "struct":
                yield self.s.structs[n]
            else:
                for _, m in self.s.unions[n].members:
                    yield m
        for lst in (self.s.messages, self.s.mpreqs, self.s.mpreplies):
            for _, _, c in lst:
                yield c

    # ---- header ----------------------------------------------------------------------------
    def emit_struct_decl(self, c, extra=()):
        self.h.append(f"struct {c.name} {{")
        for line in extra:
            self.h.append(f"    {line}")
        for f in c.fields:
            t = self.cxx_type(f)
            if t:
                init = "{}" if f.kind in ("int", "array", "mac", "bytes") else ""
                if f.kind == "int" and not f.enum:
                    init = " = 0"
                self.h.append(f"    {t} {f.name}{init};")
        self.h.append(f"    bool operator==(const {c.name}&) const = default;")
        self.h.append("};")
        self.h.append("")

    def emit_header(self):
        s, h = self.s, self.h
        h += [f"// OpenFlow wire codec for namespace vs::{s.ns} (wire version {s.version}).",
              "// GENERATED by openflow/gen/ofgen.py from openflow/defs/" + s.ns + ".ofdef: do not "
              "edit.",
              "#pragma once", "",
              "#include <array>", "#include <cstdint>", "#include <span>", "#include <string>",
              "#include <variant>", "#include <vector>", "",
              '#include "openflow/codec_runtime.hpp"', "",
              f"namespace vs::{s.ns} {{", "",
              f"inline constexpr uint8_t kVersion = {s.version};", ""]
        for name, t, items in s.enums:
            h.append(f"enum class {name} : {CXX_INT[t]} {{")
            h += [f"    {const_name(n)} = {v}," for n, v in items]
            h += ["};", f"const char* to_string({name} v);  // nullptr when unnamed", ""]
        for name, t, items in s.consts:
            h.append(f"namespace {name} {{")
            h += [f"inline constexpr {CXX_INT[t]} {const_name(n)} = {v:#x};" for n, v in items]
            h += [f"}}  // namespace {name}", ""]
        if s.oxm:
            self.emit_oxm_header()
        for kind, n in s.order:
            if kind == "struct":
                self.emit_struct_decl(s.structs[n])
            else:
                u = s.unions[n]
                for _, m in u.members:
                    self.emit_struct_decl(m)
                alts = [m.name for _, m in u.members]
                if u.unknown:
                    self.emit_struct_decl(Composite(u.unknown, []),
                                          ["uint16_t type = 0;", "std::vector<uint8_t> data;"])
                    alts.append(u.unknown)
                h.append(f"using {u.name} = std::variant<{', '.join(alts)}>;")
                h.append("")
        h.append("// Message bodies; the 8-byte header is Message::xid plus the alternative.")
        for _, _, c in s.messages:
            self.emit_struct_decl(c)
        for _, _, c in s.mpreqs + s.mpreplies:
            self.emit_struct_decl(c, ["uint16_t flags = 0;  // OFPMPF_* / OFPSF_*"])
        bodies = [c.name for _, _, c in s.messages + s.mpreqs + s.mpreplies]
        h += ["using Body = std::variant<", "    " + ",\n    ".join(bodies) + ">;", "",
              "struct Message {", "    uint32_t xid = 0;", "    Body body;",
              "    bool operator==(const Message&) const = default;", "};", "",
              "// Encodes one message (header included); lengths are filled in.",
              "std::vector<uint8_t> encode(const Message& msg);",
              "// Appends the encoding to `out`; false when a length overflowed 16 bits.",
              "bool encode_append(const Message& msg, std::vector<uint8_t>& out);",
              "// Decodes exactly one message: `wire` must be exactly header.length bytes.",
              "// HELLO is accepted with any version (for version negotiation).",
              "openflow::DecodeResult<Message> decode(std::span<const uint8_t> wire);",
              "// The ERROR type/code this version's specification gives a decode failure.",
              "openflow::SpecError spec_error(const openflow::DecodeError& error);",
              "// The header type (OFPT_*) and the name of a body.",
              "uint8_t wire_type(const Body& body);",
              "const char* type_name(const Body& body);",
              "std::string to_string(const Message& msg);", "",
              "// Encodes as one or more messages of at most max_size bytes: a multipart reply",
              "// whose body is one list is split between elements (at least one per message),",
              "// REPLY_MORE set on all but the last; any other message is encoded whole.",
              "std::vector<std::vector<uint8_t>> encode_split(const Message& msg,",
              "                                               size_t max_size = 65535);",
              "// The ERROR reply to a request that failed to decode: the specification's",
              "// type/code for the failure, the request's xid and its first 64 bytes.",
              "Message error_reply(const openflow::DecodeError& error,",
              "                    std::span<const uint8_t> request);", "",
              "// Pieces, for callers that embed them (e.g. a match or an action list).",
              "// decode() of a piece consumes exactly its bytes from `r` or fails."]
        for name in [n for _, n in s.order] + bodies:
            h.append(f"void encode(openflow::Writer& w, const {name}& v);")
            h.append(f"bool decode(openflow::Reader& r, {name}& v);")
            h.append(f"void print(std::string& out, const {name}& v);")
        for kind, n in s.order:
            if kind == "union":
                for _, m in s.unions[n].members:
                    h.append(f"void print(std::string& out, const {m.name}& v);")
                if s.unions[n].unknown:
                    h.append(f"void print(std::string& out, const {s.unions[n].unknown}& v);")
        h.append("template <typename T>")
        h.append("std::string to_string(const T& v) {")
        h += ["    std::string out;", "    print(out, v);", "    return out;", "}", ""]
        h += [f"}}  // namespace vs::{s.ns}", ""]

    def emit_oxm_header(self):
        cls, items = self.s.oxm
        h = self.h
        h.append("enum class OxmField : uint8_t {")
        h += [f"    {const_name(n)} = {num}," for n, num, _, _ in items]
        h += ["};", f"inline constexpr uint16_t kOxmClassBasic = {cls:#x};", "",
              "// Value width in bytes of a basic-class field (0: unknown), maskability, name.",
              "size_t oxm_width(OxmField f);", "bool oxm_maskable(OxmField f);",
              "const char* oxm_name(OxmField f);", "",
              "// One OXM TLV. Basic-class fields are checked against their width on decode;",
              "// other classes (NXM, experimenter) are carried opaquely in `value`.",
              "struct Oxm {",
              "    uint16_t oxm_class = kOxmClassBasic;",
              "    uint8_t field = 0;",
              "    bool has_mask = false;",
              "    std::vector<uint8_t> value;  // big-endian, oxm_width() bytes",
              "    std::vector<uint8_t> mask;   // same width when has_mask",
              "    bool operator==(const Oxm&) const = default;",
              "    bool is(OxmField f) const {",
              "        return oxm_class == kOxmClassBasic && field == static_cast<uint8_t>(f);",
              "    }",
              "    uint64_t value_uint() const;  // value as a number (fields up to 8 bytes)",
              "    uint64_t mask_uint() const;",
              "    static Oxm make(OxmField f, uint64_t v);",
              "    static Oxm make_masked(OxmField f, uint64_t v, uint64_t m);",
              "    static Oxm make_bytes(OxmField f, std::span<const uint8_t> v,",
              "                          std::span<const uint8_t> m = {});",
              "};",
              "// The first basic-class field f in a match's fields, or nullptr.",
              "const Oxm* find_oxm(const std::vector<Oxm>& fields, OxmField f);",
              "void encode(openflow::Writer& w, const Oxm& v);",
              "bool decode(openflow::Reader& r, Oxm& v);",
              "void print(std::string& out, const Oxm& v);", ""]

    # ---- encode ----------------------------------------------------------------------------
    def enc_fields(self, c, var, out, ind):
        p = " " * ind
        lenofs = {}
        for f in c.fields:
            k = f.kind
            ref = f"{var}.{f.name}"
            if k == "int":
                out.append(f"{p}w.{f.t}(static_cast<{CXX_INT[f.t]}>({ref}));")
            elif k == "array":
                out.append(f"{p}for (const auto x : {ref}) w.{f.t}(x);")
            elif k in ("mac", "bytes"):
                out.append(f"{p}w.bytes({ref}.data(), {ref}.size());")
            elif k == "str":
                out.append(f"{p}w.str({ref}, {f.n});")
            elif k == "pad":
                out.append(f"{p}w.zeros({f.n});")
            elif k == "align":
                out.append(f"{p}w.align(start, {f.n});")
            elif k == "const":
                out.append(f"{p}w.{f.t}({f.v:#x});")
            elif k == "len":
                out.append(f"{p}const size_t len_at = w.pos();")
                out.append(f"{p}w.{f.t}(0);")
            elif k == "lenof":
                lenofs[f.target] = f
                out.append(f"{p}const size_t {f.target}_len_at = w.pos();")
                out.append(f"{p}w.{f.t}(0);")
            elif k in ("list", "data"):
                if f.name in lenofs:
                    out.append(f"{p}const size_t {f.name}_start = w.pos();")
                if k == "data":
                    out.append(f"{p}w.bytes({ref}.data(), {ref}.size());")
                elif f.elem in INT_WIDTH:
                    out.append(f"{p}for (const auto x : {ref}) w.{f.elem}(x);")
                else:
                    out.append(f"{p}for (const auto& x : {ref}) encode(w, x);")
                if f.name in lenofs:
                    patch = "patch8" if lenofs[f.name].t == "u8" else "patch16"
                    out.append(f"{p}w.{patch}({f.name}_len_at, w.pos() - {f.name}_start);")
            elif k in ("struct", "oxm"):
                out.append(f"{p}encode(w, {ref});")
        return any(f.kind == "len" for f in c.fields)

    # ---- decode ----------------------------------------------------------------------------
    def dec_fields(self, c, var, out, ind, min_size):
        p = " " * ind
        lenofs = set()
        has_len = False
        for f in c.fields:
            k = f.kind
            ref = f"{var}.{f.name}"
            if k == "int":
                cast = f.enum if f.enum else CXX_INT[f.t]
                if f.t == "u8" and not f.enum:
                    out.append(f"{p}{ref} = r.u8();")
                else:
                    out.append(f"{p}{ref} = static_cast<{cast}>(r.{f.t}());")
            elif k == "array":
                out.append(f"{p}for (auto& x : {ref}) x = r.{f.t}();")
            elif k in ("mac", "bytes"):
                out.append(f"{p}r.bytes({ref}.data(), {ref}.size());")
            elif k == "str":
                out.append(f"{p}{ref} = r.str({f.n});")
            elif k == "pad":
                out.append(f"{p}r.skip({f.n});")
            elif k == "align":
                out.append(f"{p}r.skip_align(start, {f.n});")
            elif k == "const":
                out += [f"{p}{{",
                        f"{p}    const size_t at = r.pos();",
                        f"{p}    if (r.{f.t}() != {f.v:#x} && r.ok()) "
                        "return r.fail_at(openflow::DecodeErrorKind::kBadValue, at);",
                        f"{p}}}"]
            elif k == "len":
                has_len = True
                out += [f"{p}const size_t len = r.{f.t}();",
                        f"{p}if (!r.ok()) return false;",
                        f"{p}if (len < {min_size} || len > r.end() - start) "
                        "return r.fail_at(openflow::DecodeErrorKind::kBadLength, start);",
                        f"{p}const size_t saved_end = r.narrow(start + len);"]
            elif k == "lenof":
                lenofs.add(f.target)
                out.append(f"{p}const size_t {f.target}_len = r.{f.t}();")
            elif k in ("list", "data"):
                bounded = f.name in lenofs
                if bounded:
                    out += [f"{p}if (!r.ok()) return false;",
                            f"{p}if ({f.name}_len > r.remaining()) "
                            "return r.fail(openflow::DecodeErrorKind::kBadLength);",
                            f"{p}const size_t {f.name}_saved = r.narrow(r.pos() + {f.name}_len);"]
                if k == "data":
                    out.append(f"{p}r.take_into({ref}, r.remaining());")
                elif f.elem in INT_WIDTH:
                    w = INT_WIDTH[f.elem]
                    out += [f"{p}if (r.remaining() % {w} != 0) "
                            "return r.fail(openflow::DecodeErrorKind::kBadLength);",
                            f"{p}while (r.ok() && r.remaining() > 0) "
                            f"{ref}.push_back(r.{f.elem}());"]
                else:
                    out += [f"{p}while (r.ok() && r.remaining() > 0) {{",
                            f"{p}    auto& x = {ref}.emplace_back();",
                            f"{p}    if (!decode(r, x)) return false;",
                            f"{p}}}"]
                if bounded:
                    out.append(f"{p}r.restore_end({f.name}_saved);")
            elif k in ("struct", "oxm"):
                out.append(f"{p}if (!decode(r, {ref})) return false;")
        return has_len

    # ---- print -----------------------------------------------------------------------------
    def print_fields(self, c, var, out):
        out.append(f'    out += "{c.name}{{";')
        first = True
        for f in c.fields:
            if not self.cxx_type(f):
                continue
            sep = "" if first else " "
            first = False
            out.append(f'    out += "{sep}{f.name}=";')
            ref = f"{var}.{f.name}"
            k = f.kind
            if k == "int":
                if f.enum:
                    out.append(f"    print(out, {ref});")
                elif f.t == "u64":
                    out.append(f"    openflow::put_hex(out, {ref});")
                else:
                    out.append(f"    openflow::put_uint(out, {ref});")
            elif k == "array":
                out += ['    out += "[";',
                        f"    for (size_t i = 0; i < {ref}.size(); ++i) {{",
                        '        if (i != 0) out += ", ";',
                        f"        openflow::put_uint(out, {ref}[i]);", "    }",
                        '    out += "]";']
            elif k == "mac":
                out.append(f"    openflow::put_mac(out, {ref});")
            elif k == "str":
                out.append(f"    openflow::put_quoted(out, {ref});")
            elif k in ("bytes", "data"):
                out.append(f"    openflow::put_bytes(out, {ref});")
            elif k == "list":
                item = (f"openflow::put_uint(out, {ref}[i]);" if f.elem in INT_WIDTH
                        else f"print(out, {ref}[i]);")
                out += ['    out += "[";',
                        f"    for (size_t i = 0; i < {ref}.size(); ++i) {{",
                        '        if (i != 0) out += ", ";', f"        {item}", "    }",
                        '    out += "]";']
            else:
                out.append(f"    print(out, {ref});")
        out.append('    out += "}";')

    # ---- source ----------------------------------------------------------------------------
    def emit_source(self):
        s, c = self.s, self.c
        c += [f"// GENERATED by openflow/gen/ofgen.py from openflow/defs/{s.ns}.ofdef: do not edit.",
              f'#include "openflow/{s.ns}.hpp"', "", "#include <utility>", "",
              f"namespace vs::{s.ns} {{", "",
              "using openflow::Reader;", "using openflow::Writer;", ""]
        for name, _, items in s.enums:
            c += [f"const char* to_string({name} v) {{", "    switch (v) {"]
            seen = set()
            for n, v in items:
                if v in seen:
                    continue
                seen.add(v)
                c.append(f'        case {name}::{const_name(n)}: return "{n}";')
            c += ["    }", "    return nullptr;", "}", "",
                  f"[[maybe_unused]] static void print(std::string& out, {name} v) {{",
                  "    if (const char* n = to_string(v)) {", "        out += n;", "    } else {",
                  "        openflow::put_uint(out, static_cast<uint64_t>(v));", "    }", "}", ""]
        if s.oxm:
            self.emit_oxm_source()
        for kind, n in s.order:
            if kind == "struct":
                self.emit_struct_source(s.structs[n])
            else:
                self.emit_union_source(s.unions[n])
        for _, _, comp in s.messages + s.mpreqs + s.mpreplies:
            self.emit_body_source(comp)
        self.emit_message_source()
        c += [f"}}  // namespace vs::{s.ns}", ""]

    def emit_struct_source(self, comp):
        c = self.c
        c += [f"void encode(Writer& w, const {comp.name}& v) {{",
              "    [[maybe_unused]] const size_t start = w.pos();"]
        if self.enc_fields(comp, "v", c, 4):
            c.append("    w.patch16(len_at, w.pos() - start);")
        if comp.lenx8:
            c.append("    w.align(start, 8);")
        c += ["}", "", f"bool decode(Reader& r, {comp.name}& v) {{"]
        if comp.ctx:
            c.append("    openflow::ContextScope scope(r, openflow::DecodeContext::"
                     f"{CONTEXTS[comp.ctx]});")
        c.append("    [[maybe_unused]] const size_t start = r.pos();")
        if self.dec_fields(comp, "v", c, 4, self.min_size(comp)):
            c += ["    if (!r.ok()) return false;",
                  "    if (r.pos() != r.end()) return r.fail(openflow::DecodeErrorKind::kBadLength);",
                  "    r.restore_end(saved_end);"]
            if comp.lenx8:
                c.append("    r.skip_align(start, 8);")
        c += ["    return r.ok();", "}", "", f"void print(std::string& out, const {comp.name}& v) {{"]
        self.print_fields(comp, "v", c)
        c += ["}", ""]

    def emit_union_source(self, u):
        c = self.c
        hdr = 8 if u.hdr == "tl16pad4" else 4
        for _, m in u.members:
            c += [f"void print(std::string& out, const {m.name}& v) {{", "    (void)v;"]
            self.print_fields(m, "v", c)
            c += ["}", ""]
        if u.unknown:
            c += [f"void print(std::string& out, const {u.unknown}& v) {{",
                  f'    out += "{u.unknown}{{type=";', "    openflow::put_uint(out, v.type);",
                  '    out += " data=";', "    openflow::put_bytes(out, v.data);",
                  '    out += "}";', "}", ""]
        c += [f"void encode(Writer& w, const {u.name}& v) {{", "    const size_t start = w.pos();",
              "    size_t len_at = 0;", "    switch (v.index()) {"]
        for idx, (val, m) in enumerate(u.members):
            c += [f"        case {idx}: {{",
                  f"            [[maybe_unused]] const auto& m = std::get<{idx}>(v);",
                  f"            w.u16({val:#x});", "            len_at = w.pos();",
                  "            w.u16(0);"]
            if hdr == 8:
                c.append("            w.zeros(4);")
            self.enc_fields(m, "m", c, 12)
            c += ["            break;", "        }"]
        if u.unknown:
            idx = len(u.members)
            c += [f"        case {idx}: {{", f"            const auto& m = std::get<{idx}>(v);",
                  "            w.u16(m.type);", "            len_at = w.pos();",
                  "            w.u16(0);"]
            if hdr == 8:
                c.append("            w.zeros(4);")
            c += ["            w.bytes(m.data.data(), m.data.size());", "            break;",
                  "        }"]
        c += ["        default: break;", "    }", "    w.patch16(len_at, w.pos() - start);"]
        if u.lenx8:
            c.append("    w.align(start, 8);")
        c += ["}", ""]
        ctx = CONTEXTS[u.ctx]
        c += [f"bool decode(Reader& r, {u.name}& v) {{",
              f"    openflow::ContextScope scope(r, openflow::DecodeContext::{ctx});",
              "    const size_t start = r.pos();", "    const uint16_t type = r.u16();",
              "    const size_t len = r.u16();", "    if (!r.ok()) return false;",
              f"    if (len < {hdr} || len > r.end() - start) "
              "return r.fail_at(openflow::DecodeErrorKind::kBadLength, start);",
              "    const size_t saved_end = r.narrow(start + len);"]
        if hdr == 8:
            c.append("    r.skip(4);")
        c.append("    switch (type) {")
        for val, m in u.members:
            c += [f"        case {val:#x}: {{", f"            auto& m = v.emplace<{m.name}>();",
                  "            (void)m;"]
            self.dec_fields(m, "m", c, 12, None)
            c += ["            break;", "        }"]
        if u.unknown:
            c += ["        default: {", f"            auto& m = v.emplace<{u.unknown}>();",
                  "            m.type = type;", "            r.take_into(m.data, r.remaining());",
                  "            break;", "        }"]
        else:
            c.append("        default: return r.fail_at(openflow::DecodeErrorKind::kBadType, start);")
        c += ["    }", "    if (!r.ok()) return false;",
              "    if (r.pos() != r.end()) return r.fail(openflow::DecodeErrorKind::kBadLength);",
              "    r.restore_end(saved_end);"]
        if u.lenx8:
            c.append("    r.skip_align(start, 8);")
        c += ["    return r.ok();", "}", "",
              f"void print(std::string& out, const {u.name}& v) {{",
              "    std::visit([&out](const auto& m) { print(out, m); }, v);", "}", ""]

    def emit_body_source(self, comp):
        c = self.c
        c += [f"void encode(Writer& w, const {comp.name}& v) {{",
              "    [[maybe_unused]] const size_t start = w.pos();", "    (void)v;"]
        self.enc_fields(comp, "v", c, 4)
        c += ["}", "", f"bool decode(Reader& r, {comp.name}& v) {{",
              "    [[maybe_unused]] const size_t start = r.pos();", "    (void)v;"]
        self.dec_fields(comp, "v", c, 4, None)
        c += ["    return r.ok();", "}", "", f"void print(std::string& out, const {comp.name}& v) {{",
              "    (void)v;"]
        self.print_fields(comp, "v", c)
        c += ["}", ""]

    def emit_message_source(self):
        s, c = self.s, self.c
        allm = [(t, c_, None) for _, t, c_ in s.messages]
        allm += [(s.mp[0], c_, mt) for _, mt, c_ in s.mpreqs] if s.mp else []
        allm += [(s.mp[1], c_, mt) for _, mt, c_ in s.mpreplies] if s.mp else []
        hello = next(t for n, t, _ in s.messages if n == "HELLO")
        c += ["uint8_t wire_type(const Body& body) {",
              "    static constexpr uint8_t kTypes[] = {" + ", ".join(str(t) for t, _, _ in allm)
              + "};", "    return kTypes[body.index()];", "}", "",
              "const char* type_name(const Body& body) {",
              "    static constexpr const char* kNames[] = {",
              "        " + ", ".join(f'"{m.name}"' for _, m, _ in allm) + "};",
              "    return kNames[body.index()];", "}", "",
              "bool encode_append(const Message& msg, std::vector<uint8_t>& out) {",
              "    Writer w(out);", "    const size_t start = w.pos();",
              "    w.u8(kVersion);", "    w.u8(wire_type(msg.body));", "    w.u16(0);",
              "    w.u32(msg.xid);", "    switch (msg.body.index()) {"]
        for idx, (_, m, mt) in enumerate(allm):
            c += [f"        case {idx}: {{", f"            const auto& v = std::get<{idx}>(msg.body);"]
            if mt is not None:
                c += [f"            w.u16({mt:#x});", "            w.u16(v.flags);",
                      f"            w.zeros({s.mp[2]});"]
            c += ["            encode(w, v);", "            break;", "        }"]
        c += ["        default: break;", "    }", "    w.patch16(start + 2, w.pos() - start);",
              "    return !w.overflowed();", "}", "",
              "std::vector<uint8_t> encode(const Message& msg) {",
              "    std::vector<uint8_t> out;", "    (void)encode_append(msg, out);",
              "    return out;", "}", ""]
        # multipart dispatch
        for label, lst in (("request", s.mpreqs), ("reply", s.mpreplies)):
            if not s.mp:
                break
            c += [f"static bool decode_mp_{label}(Reader& r, Body& body) {{",
                  "    const size_t at = r.pos();", "    const uint16_t mp_type = r.u16();",
                  "    const uint16_t flags = r.u16();", f"    r.skip({s.mp[2]});",
                  "    if (!r.ok()) return false;", "    switch (mp_type) {"]
            for _, mt, comp in lst:
                c += [f"        case {mt:#x}: {{", f"            auto& v = body.emplace<{comp.name}>();",
                      "            v.flags = flags;", "            return decode(r, v);", "        }"]
            c += ["        default: {",
                  "            openflow::ContextScope scope(r, openflow::DecodeContext::kMultipart);",
                  "            return r.fail_at(openflow::DecodeErrorKind::kBadType, at);",
                  "        }", "    }", "}", ""]
        c += ["static bool decode_body(Reader& r, uint8_t type, Body& body) {",
              "    switch (type) {"]
        for _, t, comp in s.messages:
            c += [f"        case {t}: return decode(r, body.emplace<{comp.name}>());"]
        if s.mp:
            c += [f"        case {s.mp[0]}: return decode_mp_request(r, body);",
                  f"        case {s.mp[1]}: return decode_mp_reply(r, body);"]
        c += ["        default: return r.fail_at(openflow::DecodeErrorKind::kBadType, 1);",
              "    }", "}", "",
              "openflow::DecodeResult<Message> decode(std::span<const uint8_t> wire) {",
              "    openflow::DecodeError err;",
              "    const auto header = openflow::peek_header(wire);",
              "    if (!header) return tl::unexpected(err);",
              "    err.version = header->version;", "    err.msg_type = header->type;",
              "    err.xid = header->xid;",
              "    if (header->length < openflow::kHeaderSize || header->length < wire.size()) {",
              "        err.kind = openflow::DecodeErrorKind::kBadLength;",
              "        err.offset = 2;", "        return tl::unexpected(err);", "    }",
              "    if (header->length > wire.size()) {",
              "        err.offset = wire.size();", "        return tl::unexpected(err);", "    }",
              f"    if (header->version != kVersion && header->type != {hello}) {{",
              "        err.kind = openflow::DecodeErrorKind::kBadVersion;",
              "        return tl::unexpected(err);", "    }",
              "    Reader r(wire);", "    r.skip(openflow::kHeaderSize);",
              "    Message msg;", "    msg.xid = header->xid;",
              "    if (decode_body(r, header->type, msg.body) && r.remaining() != 0) {",
              "        r.fail(openflow::DecodeErrorKind::kBadLength);", "    }",
              "    if (!r.ok()) {", "        const auto e = r.error();", "        err.kind = e.kind;",
              "        err.context = e.context;", "        err.offset = e.offset;",
              "        return tl::unexpected(err);", "    }", "    return msg;", "}", "",
              "std::string to_string(const Message& msg) {",
              "    std::string out = \"xid=\";", "    openflow::put_uint(out, msg.xid);",
              "    out += ' ';", "    std::visit([&out](const auto& v) { print(out, v); }, msg.body);",
              "    return out;", "}", ""]
        self.emit_split_and_error_reply(allm)
        # spec error mapping
        enums = {n: dict(items) for n, _, items in s.enums}

        def num(ref):
            en, item = ref.split(".")
            return enums[en][item]

        c += ["openflow::SpecError spec_error(const openflow::DecodeError& error) {",
              "    using openflow::DecodeContext;", "    using openflow::DecodeErrorKind;"]
        for ctx, kind, t, code in s.errmap:
            conds = []
            if ctx != "*":
                conds.append(f"error.context == DecodeContext::{CONTEXTS[ctx]}")
            if kind != "*":
                conds.append(f"error.kind == DecodeErrorKind::{KINDS[kind]}")
            c.append(f"    if ({' && '.join(conds) or 'true'}) return {{{num(t)}, {num(code)}}};"
                     f"  // {t} {code}")
        t, code = s.errdefault
        c += [f"    return {{{num(t)}, {num(code)}}};  // {t} {code}", "}", ""]

    def emit_split_and_error_reply(self, allm):
        s, c = self.s, self.c
        splittable = []
        if s.mp:
            for idx, (_, comp, mt) in enumerate(allm):
                if (mt is not None and comp in [x for _, _, x in s.mpreplies]
                        and len(comp.fields) == 1 and comp.fields[0].kind == "list"
                        and comp.fields[0].elem not in INT_WIDTH):
                    splittable.append((idx, comp, mt))
        if splittable:
            c += ["template <typename T>",
                  "static std::vector<std::vector<uint8_t>> split_reply(uint32_t xid, "
                  "uint16_t mp_type, uint16_t flags,",
                  "                                                  const std::vector<T>& items, "
                  "size_t max_size) {",
                  f"    constexpr size_t kHead = openflow::kHeaderSize + 4 + {s.mp[2]};",
                  "    std::vector<std::vector<uint8_t>> out;", "    std::vector<uint8_t> item;",
                  "    size_t i = 0;", "    do {", "        std::vector<uint8_t> m;",
                  "        Writer w(m);", "        w.u8(kVersion);", f"        w.u8({s.mp[1]});",
                  "        w.u16(0);", "        w.u32(xid);", "        w.u16(mp_type);",
                  "        w.u16(flags);", f"        w.zeros({s.mp[2]});",
                  "        for (; i < items.size(); ++i) {", "            item.clear();",
                  "            Writer iw(item);", "            encode(iw, items[i]);",
                  "            if (m.size() + item.size() > max_size && m.size() > kHead) break;",
                  "            m.insert(m.end(), item.begin(), item.end());", "        }",
                  "        if (i < items.size()) w.patch16(10, flags | 1u);  // REPLY_MORE",
                  "        w.patch16(2, m.size());", "        out.push_back(std::move(m));",
                  "    } while (i < items.size());", "    return out;", "}", ""]
        c += ["std::vector<std::vector<uint8_t>> encode_split(const Message& msg, "
              "size_t max_size) {", "    (void)max_size;", "    switch (msg.body.index()) {"]
        for idx, comp, mt in splittable:
            c += [f"        case {idx}: {{", f"            const auto& v = std::get<{idx}>(msg.body);",
                  f"            return split_reply(msg.xid, {mt:#x}, v.flags, v.{comp.fields[0].name}, "
                  "max_size);", "        }"]
        c += ["        default: break;", "    }", "    return {encode(msg)};", "}", ""]
        err = next(comp for n, _, comp in s.messages if n == "ERROR")
        c += ["Message error_reply(const openflow::DecodeError& error, "
              "std::span<const uint8_t> request) {",
              "    const openflow::SpecError e = spec_error(error);",
              f"    {err.name} body;", "    body.type = static_cast<ErrorType>(e.type);",
              "    body.code = e.code;",
              "    body.data.assign(request.begin(), request.begin() + "
              "static_cast<std::ptrdiff_t>(request.size() < 64 ? request.size() : 64));",
              "    return Message{error.xid, std::move(body)};", "}", ""]

    def emit_oxm_source(self):
        _, items = self.s.oxm
        c = self.c
        c += ["size_t oxm_width(OxmField f) {", "    switch (f) {"]
        c += [f"        case OxmField::{const_name(n)}: return {OXM_KINDS[k]};"
              for n, _, k, _ in items]
        c += ["    }", "    return 0;", "}", "", "bool oxm_maskable(OxmField f) {",
              "    switch (f) {"]
        c += [f"        case OxmField::{const_name(n)}: return {'true' if mk else 'false'};"
              for n, _, _, mk in items]
        c += ["    }", "    return false;", "}", "", "const char* oxm_name(OxmField f) {",
              "    switch (f) {"]
        c += [f'        case OxmField::{const_name(n)}: return "{n.lower()}";'
              for n, _, _, _ in items]
        c += ["    }", "    return nullptr;", "}", "",
              "static uint64_t be_uint(const std::vector<uint8_t>& b) {",
              "    uint64_t v = 0;", "    for (const uint8_t x : b) v = (v << 8) | x;",
              "    return v;", "}", "",
              "static std::vector<uint8_t> be_bytes(uint64_t v, size_t n) {",
              "    std::vector<uint8_t> b(n);",
              "    for (size_t i = n; i-- > 0; v >>= 8) b[i] = static_cast<uint8_t>(v);",
              "    return b;", "}", "",
              "const Oxm* find_oxm(const std::vector<Oxm>& fields, OxmField f) {",
              "    for (const Oxm& o : fields) {", "        if (o.is(f)) return &o;", "    }",
              "    return nullptr;", "}", "",
              "uint64_t Oxm::value_uint() const { return be_uint(value); }",
              "uint64_t Oxm::mask_uint() const { return be_uint(mask); }", "",
              "Oxm Oxm::make(OxmField f, uint64_t v) {", "    Oxm o;",
              "    o.field = static_cast<uint8_t>(f);", "    o.value = be_bytes(v, oxm_width(f));",
              "    return o;", "}", "",
              "Oxm Oxm::make_masked(OxmField f, uint64_t v, uint64_t m) {",
              "    Oxm o = make(f, v);", "    o.has_mask = true;",
              "    o.mask = be_bytes(m, oxm_width(f));", "    return o;", "}", "",
              "Oxm Oxm::make_bytes(OxmField f, std::span<const uint8_t> v, "
              "std::span<const uint8_t> m) {",
              "    Oxm o;", "    o.field = static_cast<uint8_t>(f);",
              "    o.value.assign(v.begin(), v.end());", "    o.has_mask = !m.empty();",
              "    o.mask.assign(m.begin(), m.end());", "    return o;", "}", "",
              "void encode(Writer& w, const Oxm& v) {",
              "    const size_t n = v.value.size() + (v.has_mask ? v.mask.size() : 0);",
              "    w.u16(v.oxm_class);",
              "    w.u8(static_cast<uint8_t>((v.field << 1) | (v.has_mask ? 1 : 0)));",
              "    const size_t len_at = w.pos();", "    w.u8(0);",
              "    w.bytes(v.value.data(), v.value.size());",
              "    if (v.has_mask) w.bytes(v.mask.data(), v.mask.size());",
              "    w.patch8(len_at, n);", "}", "",
              "bool decode(Reader& r, Oxm& v) {",
              "    openflow::ContextScope scope(r, openflow::DecodeContext::kOxm);",
              "    const size_t start = r.pos();", "    v.oxm_class = r.u16();",
              "    const uint8_t fh = r.u8();", "    const size_t n = r.u8();",
              "    if (!r.ok()) return false;",
              "    v.field = static_cast<uint8_t>(fh >> 1);", "    v.has_mask = (fh & 1) != 0;",
              "    if (n > r.remaining()) "
              "return r.fail_at(openflow::DecodeErrorKind::kBadLength, start);",
              "    if (v.oxm_class != kOxmClassBasic) {", "        r.take_into(v.value, n);",
              "        v.mask.clear();", "        return r.ok();", "    }",
              "    const size_t width = oxm_width(static_cast<OxmField>(v.field));",
              "    if (width == 0) return r.fail_at(openflow::DecodeErrorKind::kBadType, start);",
              "    if (n != width * (v.has_mask ? 2 : 1)) "
              "return r.fail_at(openflow::DecodeErrorKind::kBadLength, start);",
              "    r.take_into(v.value, width);", "    if (v.has_mask) {",
              "        r.take_into(v.mask, width);", "    } else {", "        v.mask.clear();",
              "    }", "    return r.ok();", "}", "",
              "static void put_oxm_value(std::string& out, const std::vector<uint8_t>& b, "
              "bool ip4) {",
              "    if (ip4 && b.size() == 4) {",
              "        for (size_t i = 0; i < 4; ++i) {",
              "            if (i != 0) out += '.';", "            openflow::put_uint(out, b[i]);",
              "        }",
              "    } else if (b.size() == 6) {", "        openflow::MacAddr m{};",
              "        for (size_t i = 0; i < 6; ++i) m[i] = b[i];",
              "        openflow::put_mac(out, m);",
              "    } else if (b.size() <= 8) {", "        openflow::put_uint(out, be_uint(b));",
              "    } else {", "        openflow::put_bytes(out, b);", "    }", "}", "",
              "void print(std::string& out, const Oxm& v) {",
              "    const char* name = v.oxm_class == kOxmClassBasic",
              "                           ? oxm_name(static_cast<OxmField>(v.field))",
              "                           : nullptr;", "    if (name == nullptr) {",
              '        out += "oxm(class=";', "        openflow::put_hex(out, v.oxm_class);",
              '        out += ",field=";', "        openflow::put_uint(out, v.field);",
              '        out += ")=";', "        openflow::put_bytes(out, v.value);",
              '        if (v.has_mask) out += "/masked";', "        return;", "    }",
              "    out += name;", "    out += '=';",
              "    const bool ip4 = v.is(OxmField::kIpv4Src) || v.is(OxmField::kIpv4Dst) ||",
              "                     v.is(OxmField::kArpSpa) || v.is(OxmField::kArpTpa);",
              "    put_oxm_value(out, v.value, ip4);", "    if (v.has_mask) {",
              "        out += '/';", "        put_oxm_value(out, v.mask, ip4);", "    }", "}", ""]


class TestingGen:
    """<ns>_testing.{hpp,cpp}: sample messages (every message type, every union member and OXM
    field at least once, distinct field values) and a JSON dump with the description's field
    names, for round-trip and cross-decoder tests. Not part of the codec library."""

    def __init__(self, gen):
        self.g = gen
        self.s = gen.s
        self.h = []
        self.c = []

    def emit(self):
        s = self.s
        self.h += [f"// Test support for vs::{s.ns}: sample messages and a JSON dump.",
                   f"// GENERATED by openflow/gen/ofgen.py from openflow/defs/{s.ns}.ofdef.",
                   "#pragma once", "", "#include <string>", "#include <vector>", "",
                   f'#include "openflow/{s.ns}.hpp"', "",
                   f"namespace vs::{s.ns}::testing {{", "",
                   "// One message per type (multipart: per request/reply type), fields filled",
                   "// with distinct values, every action/instruction/... member and OXM field.",
                   "std::vector<Message> sample_messages();",
                   "// The message as JSON: {\"_type\": name, \"xid\": .., fields by name}.",
                   "std::string to_json(const Message& msg);", "",
                   f"}}  // namespace vs::{s.ns}::testing", ""]
        c = self.c
        c += [f"// GENERATED by openflow/gen/ofgen.py from openflow/defs/{s.ns}.ofdef.",
              f'#include "openflow/{s.ns}_testing.hpp"', "", "#include <cstdio>",
              "#include <utility>", "",
              "// Not every fill() is used by every description.",
              '#pragma GCC diagnostic ignored "-Wunused-function"', "",
              f"namespace vs::{s.ns}::testing {{", "", "namespace {", "",
              "struct Filler {", "    uint64_t n = 1;",
              "    uint64_t next() { return n++ * 0x0101010101010101ULL + 0x0102030405060708ULL; }",
              "    std::vector<uint8_t> bytes(size_t len) {", "        std::vector<uint8_t> b;",
              "        for (size_t i = 0; i < len; ++i) b.push_back(static_cast<uint8_t>(next()));",
              "        return b;", "    }",
              "    std::string str() {", "        char buf[16];",
              '        std::snprintf(buf, sizeof buf, "s%u", static_cast<unsigned>(next() % 1000));',
              "        return buf;", "    }", "};", "",
              "void json_str(std::string& o, const std::string& v) {", "    o += '\"';",
              "    for (const char ch : v) {", "        const auto u = static_cast<unsigned char>(ch);",
              "        if (ch == '\"' || ch == '\\\\') {", "            o += '\\\\';",
              "            o += ch;", "        } else if (u < 0x20 || u >= 0x7f) {",
              "            char buf[8];", '            std::snprintf(buf, sizeof buf, "\\\\u%04x", u);',
              "            o += buf;", "        } else {", "            o += ch;", "        }",
              "    }", "    o += '\"';", "}", "",
              "void json_hex(std::string& o, const std::vector<uint8_t>& v) {",
              "    o += '\"';", "    if (!v.empty()) openflow::put_bytes(o, v);", "    o += '\"';", "}",
              ""]
        # forward declarations
        names = []
        for kind, n in s.order:
            if kind == "struct":
                names.append(n)
            else:
                names += [m.name for _, m in s.unions[n].members]
                names.append(n)
                if s.unions[n].unknown:
                    names.append(s.unions[n].unknown)
        names += [comp.name for _, _, comp in s.messages + s.mpreqs + s.mpreplies]
        for n in names:
            c.append(f"void fill(Filler& f, {n}& v);")
            c.append(f"void dump(std::string& o, const {n}& v);")
        if s.oxm:
            c += ["void dump(std::string& o, const Oxm& v);"]
        c.append("")
        if s.oxm:
            self.emit_oxm()
        for kind, n in s.order:
            if kind == "struct":
                self.emit_composite(s.structs[n], "struct")
            else:
                u = s.unions[n]
                for _, m in u.members:
                    self.emit_composite(m, "member")
                if u.unknown:
                    c += [f"void fill(Filler& f, {u.unknown}& v) {{", "    v.type = 0;",
                          "    v.data = f.bytes(4);", "}", "",
                          f"void dump(std::string& o, const {u.unknown}& v) {{",
                          f'    o += "{{\\"_type\\": \\"{u.unknown}\\", \\"type\\": ";',
                          "    openflow::put_uint(o, v.type);", '    o += ", \\"data\\": ";',
                          "    json_hex(o, v.data);", "    o += '}';", "}", ""]
                c += [f"void fill(Filler& f, {u.name}& v) {{",
                      f"    {u.members[0][1].name} m;", "    fill(f, m);", "    v = std::move(m);",
                      "}", "",
                      f"// Every member of {u.name}, once.",
                      f"void fill_all(Filler& f, std::vector<{u.name}>& out) {{"]
                for _, m in u.members:
                    c += ["    {", f"        {m.name} m;", "        fill(f, m);",
                          "        out.emplace_back(std::move(m));", "    }"]
                c += ["}", "", f"void dump(std::string& o, const {u.name}& v) {{",
                      "    std::visit([&o](const auto& m) { dump(o, m); }, v);", "}", ""]
        for _, _, comp in s.messages:
            self.emit_composite(comp, "message")
        for _, _, comp in s.mpreqs + s.mpreplies:
            self.emit_composite(comp, "multipart")
        c += ["}  // namespace", "", "std::vector<Message> sample_messages() {",
              "    Filler f;", "    std::vector<Message> out;"]
        for _, _, comp in s.messages + s.mpreqs + s.mpreplies:
            c += ["    {", f"        {comp.name} v;", "        fill(f, v);",
                  "        out.push_back(Message{static_cast<uint32_t>(f.next()), std::move(v)});",
                  "    }"]
        c += ["    return out;", "}", "", "std::string to_json(const Message& msg) {",
              '    std::string o = "{\\"xid\\": ";', "    openflow::put_uint(o, msg.xid);",
              '    o += ", \\"body\\": ";', "    std::visit([&o](const auto& v) { dump(o, v); }, msg.body);",
              "    o += '}';", "    return o;", "}", "", f"}}  // namespace vs::{s.ns}::testing", ""]

    def emit_oxm(self):
        _, items = self.s.oxm
        c = self.c
        c += ["void fill_fields(Filler& f, std::vector<Oxm>& out) {"]
        for n, _, _, mk in items:
            fld = f"OxmField::{const_name(n)}"
            if mk:
                c.append(f"    out.push_back(Oxm::make_bytes({fld}, f.bytes(oxm_width({fld})), "
                         f"f.bytes(oxm_width({fld}))));")
            else:
                c.append(f"    out.push_back(Oxm::make_bytes({fld}, f.bytes(oxm_width({fld}))));")
        c += ["}", "", "void dump(std::string& o, const Oxm& v) {",
              '    o += "{\\"_type\\": \\"Oxm\\", \\"class\\": ";',
              "    openflow::put_uint(o, v.oxm_class);", '    o += ", \\"field\\": ";',
              "    openflow::put_uint(o, v.field);", "    const char* name = v.oxm_class == kOxmClassBasic",
              "        ? oxm_name(static_cast<OxmField>(v.field)) : nullptr;",
              '    o += ", \\"name\\": ";', "    json_str(o, name ? name : \"\");",
              '    o += ", \\"value\\": ";', "    json_hex(o, v.value);",
              "    if (v.has_mask) {", '        o += ", \\"mask\\": ";', "        json_hex(o, v.mask);",
              "    }", "    o += '}';", "}", ""]

    def emit_composite(self, comp, role):
        c = self.c
        c += [f"void fill(Filler& f, {comp.name}& v) {{", "    (void)f;", "    (void)v;"]
        if role == "multipart":
            c.append("    v.flags = 1;")
        for fl in comp.fields:
            ref = f"v.{fl.name}"
            k = fl.kind
            if k == "int":
                if fl.enum:
                    items = next(e for e in self.s.enums if e[0] == fl.enum)[2]
                    pick = items[min(1, len(items) - 1)][1]  # ERROR: BAD_REQUEST, not text
                    c.append(f"    {ref} = static_cast<{fl.enum}>({pick});")
                else:
                    c.append(f"    {ref} = static_cast<{CXX_INT[fl.t]}>(f.next());")
            elif k == "array":
                c.append(f"    for (auto& x : {ref}) x = static_cast<{CXX_INT[fl.t]}>(f.next());")
            elif k in ("mac", "bytes"):
                c.append(f"    for (auto& x : {ref}) x = static_cast<uint8_t>(f.next());")
            elif k == "str":
                c.append(f"    {ref} = f.str();")
            elif k == "data":
                c.append(f"    {ref} = {self.data_sample(comp, role, fl)};")
            elif k == "list":
                e = fl.elem
                if e in INT_WIDTH:
                    c.append(f"    for (int i = 0; i < 3; ++i) "
                             f"{ref}.push_back(static_cast<{CXX_INT[e]}>(f.next()));")
                elif e == "oxm":
                    c.append(f"    fill_fields(f, {ref});")
                elif e in self.s.unions:
                    c.append(f"    fill_all(f, {ref});")
                else:
                    c.append(f"    for (int i = 0; i < 2; ++i) fill(f, {ref}.emplace_back());")
            elif k == "oxm":
                c.append(f"    {ref} = Oxm::make_bytes(OxmField::kEthDst, f.bytes(6));")
            elif k == "struct":
                c.append(f"    fill(f, {ref});")
        c += ["}", "", f"void dump(std::string& o, const {comp.name}& v) {{", "    (void)v;",
              f'    o += "{{\\"_type\\": \\"{comp.name}\\"";']
        if role == "multipart":
            c += ['    o += ", \\"flags\\": ";', "    openflow::put_uint(o, v.flags);"]
        for fl in comp.fields:
            if not self.g.cxx_type(fl):
                continue
            ref = f"v.{fl.name}"
            c.append(f'    o += ", \\"{fl.name}\\": ";')
            k = fl.kind
            if k == "int":
                c.append(f"    openflow::put_uint(o, static_cast<uint64_t>({ref}));")
            elif k in ("array", "list") and (k == "array" or fl.elem in INT_WIDTH):
                c += ["    o += '[';", f"    for (size_t i = 0; i < {ref}.size(); ++i) {{",
                      '        if (i != 0) o += ", ";', f"        openflow::put_uint(o, {ref}[i]);",
                      "    }", "    o += ']';"]
            elif k == "list":
                c += ["    o += '[';", f"    for (size_t i = 0; i < {ref}.size(); ++i) {{",
                      '        if (i != 0) o += ", ";', f"        dump(o, {ref}[i]);", "    }",
                      "    o += ']';"]
            elif k == "mac":
                c += ["    o += '\"';", f"    openflow::put_mac(o, {ref});", "    o += '\"';"]
            elif k == "bytes":
                c.append(f"    json_hex(o, std::vector<uint8_t>({ref}.begin(), {ref}.end()));")
            elif k == "str":
                c.append(f"    json_str(o, {ref});")
            elif k == "data":
                c.append(f"    json_hex(o, {ref});")
            else:
                c.append(f"    dump(o, {ref});")
        c += ["    o += '}';", "}", ""]

    def data_sample(self, comp, role, fl):
        """Data that independent decoders accept: an Ethernet frame where they dissect one, an
        OpenFlow header in ERROR, 8-byte multiples inside 8-aligned TLVs, nothing in ids and
        experimenter meter bands (os-ken's parser insists on their fixed size)."""
        if comp.name in ("PacketIn", "PacketOut"):
            frame = [0xff] * 6 + [2, 0, 0, 0, 0, 1] + [0x88, 0xb5] + list(range(46))
            return "std::vector<uint8_t>{" + ", ".join(str(b) for b in frame) + "}"
        if comp.name == "Error":
            return "std::vector<uint8_t>{" + str(self.s.version) + ", 0, 0, 8, 0, 0, 0, 1}"
        if role == "struct" or comp.name == "MeterBandExperimenter":
            return "std::vector<uint8_t>{}"
        return "f.bytes(8)"


def main():
    if len(sys.argv) != 3:
        print("usage: ofgen.py DEFS.ofdef OUT_DIR", file=sys.stderr)
        return 2
    try:
        spec = parse(sys.argv[1])
        g = Gen(spec)
        g.check()
        g.emit_header()
        g.emit_source()
        t = TestingGen(g)
        t.emit()
    except DefError as e:
        print(f"ofgen: {e}", file=sys.stderr)
        return 1
    os.makedirs(sys.argv[2], exist_ok=True)
    outputs = ((".hpp", g.h), (".cpp", g.c), ("_testing.hpp", t.h), ("_testing.cpp", t.c))
    for suffix, lines in outputs:
        path = os.path.join(sys.argv[2], f"{spec.ns}{suffix}")
        text = "\n".join(lines) + "\n"
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
