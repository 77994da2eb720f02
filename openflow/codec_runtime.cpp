// Text helpers and error descriptions of the OpenFlow codec runtime (see codec_runtime.hpp).
#include "openflow/codec_runtime.hpp"

#include <cstdio>

namespace vs::openflow {

const char* to_string(DecodeErrorKind kind) {
    switch (kind) {
        case DecodeErrorKind::kTruncated:
            return "truncated";
        case DecodeErrorKind::kBadLength:
            return "bad length";
        case DecodeErrorKind::kBadVersion:
            return "bad version";
        case DecodeErrorKind::kBadType:
            return "unknown type";
        case DecodeErrorKind::kBadValue:
            return "bad value";
    }
    return "?";
}

const char* to_string(DecodeContext context) {
    switch (context) {
        case DecodeContext::kMessage:
            return "message";
        case DecodeContext::kMultipart:
            return "multipart";
        case DecodeContext::kAction:
            return "action";
        case DecodeContext::kInstruction:
            return "instruction";
        case DecodeContext::kMatch:
            return "match";
        case DecodeContext::kOxm:
            return "OXM field";
        case DecodeContext::kHelloElem:
            return "hello element";
        case DecodeContext::kBucket:
            return "bucket";
        case DecodeContext::kQueueProp:
            return "queue property";
        case DecodeContext::kTableFeatureProp:
            return "table feature property";
        case DecodeContext::kMeterBand:
            return "meter band";
    }
    return "?";
}

std::string to_string(const DecodeError& error) {
    std::string out = to_string(error.context);
    out += ": ";
    out += to_string(error.kind);
    out += " at offset ";
    put_uint(out, error.offset);
    out += " (version ";
    put_uint(out, error.version);
    out += ", type ";
    put_uint(out, error.msg_type);
    out += ", xid ";
    put_uint(out, error.xid);
    out += ")";
    return out;
}

std::optional<Header> peek_header(std::span<const uint8_t> bytes) {
    if (bytes.size() < kHeaderSize) return std::nullopt;
    Reader r(bytes.first(kHeaderSize));
    Header h;
    h.version = r.u8();
    h.type = r.u8();
    h.length = r.u16();
    h.xid = r.u32();
    return h;
}

void put_uint(std::string& out, uint64_t v) {
    out += std::to_string(v);
}

void put_hex(std::string& out, uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    out += buf;
}

void put_mac(std::string& out, const MacAddr& mac) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                  mac[4], mac[5]);
    out += buf;
}

void put_bytes(std::string& out, std::span<const uint8_t> bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    if (bytes.empty()) {
        out += "\"\"";
        return;
    }
    for (const uint8_t b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
    }
}

void put_quoted(std::string& out, const std::string& s) {
    out += '"';
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
}

}  // namespace vs::openflow
