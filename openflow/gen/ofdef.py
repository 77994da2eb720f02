"""The OpenFlow description language (openflow/defs/*.ofdef): its model and parser.
See openflow/README.md for the language; ofgen.py drives parse() and the emitters."""

import re

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
