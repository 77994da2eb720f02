// The small hand-written runtime under the generated OpenFlow codecs (of10.hpp, of13.hpp, made by
// openflow/gen/ofgen.py from openflow/defs/*.ofdef): a bounds-checked big-endian Reader, a Writer
// that patches length fields after the fact, the typed DecodeError, and text helpers.
//
// Invariants: a Reader never reads outside [0, end) of the span it was given, whatever the input;
// the first failure is sticky (later reads return zeros) and is what the caller sees. The
// generated code narrows end() to the bytes a length field claims and restores it afterwards.
// Thread: none of this is shared; each decode/encode call uses its own Reader/Writer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <tl/expected.hpp>
#include <vector>

namespace vs::openflow {

using MacAddr = std::array<uint8_t, 6>;

// Why decoding stopped. The context (what was being decoded) and the kind together map onto the
// specification's ERROR type/code, per version (of10::spec_error, of13::spec_error).
enum class DecodeErrorKind : uint8_t {
    kTruncated,   // a field or element runs past the end of the bytes that hold it
    kBadLength,   // a length field is too small, too large, or bytes are left over
    kBadVersion,  // header version is not the decoder's
    kBadType,     // unknown message, multipart, action, instruction, OXM field... type
    kBadValue,    // a constant field (e.g. match type) has another value
};

enum class DecodeContext : uint8_t {
    kMessage,
    kMultipart,
    kAction,
    kInstruction,
    kMatch,
    kOxm,
    kHelloElem,
    kBucket,
    kQueueProp,
    kTableFeatureProp,
    kMeterBand,
};

struct DecodeError {
    DecodeErrorKind kind = DecodeErrorKind::kTruncated;
    DecodeContext context = DecodeContext::kMessage;
    size_t offset = 0;  // byte offset in the message where the offending item starts or ends
    // From the header, when at least 8 bytes were there: lets the daemon answer with an ERROR.
    uint8_t version = 0;
    uint8_t msg_type = 0;
    uint32_t xid = 0;
    bool operator==(const DecodeError&) const = default;
};

// An ERROR message's type and code as the specification numbers them for one version.
struct SpecError {
    uint16_t type = 0;
    uint16_t code = 0;
    bool operator==(const SpecError&) const = default;
};

template <typename T>
using DecodeResult = tl::expected<T, DecodeError>;

const char* to_string(DecodeErrorKind kind);
const char* to_string(DecodeContext context);
std::string to_string(const DecodeError& error);

// The common 8-byte header of every OpenFlow version.
struct Header {
    uint8_t version = 0;
    uint8_t type = 0;
    uint16_t length = 0;
    uint32_t xid = 0;
};
inline constexpr size_t kHeaderSize = 8;

// The header at the front of `bytes`, or nothing when fewer than 8 bytes are there. A stream
// reader waits for header.length bytes (at least 8) and then decodes exactly that many.
std::optional<Header> peek_header(std::span<const uint8_t> bytes);

class Reader {
  public:
    explicit Reader(std::span<const uint8_t> bytes) : data_(bytes.data()), end_(bytes.size()) {}

    size_t pos() const { return pos_; }
    size_t end() const { return end_; }
    size_t remaining() const { return end_ - pos_; }
    bool ok() const { return !failed_; }
    const DecodeError& error() const { return error_; }

    DecodeContext context() const { return context_; }
    void set_context(DecodeContext context) { context_ = context; }

    // Records the first failure (at the current position, or at `at`) and returns false.
    bool fail(DecodeErrorKind kind) { return fail_at(kind, pos_); }
    bool fail_at(DecodeErrorKind kind, size_t at) {
        if (!failed_) {
            failed_ = true;
            error_.kind = kind;
            error_.context = context_;
            error_.offset = at;
        }
        return false;
    }

    bool need(size_t n) {
        if (failed_) return false;
        if (n > remaining()) return fail(DecodeErrorKind::kTruncated);
        return true;
    }

    uint8_t u8() { return need(1) ? data_[pos_++] : 0; }
    uint16_t u16() { return static_cast<uint16_t>(be(2)); }
    uint32_t u32() { return static_cast<uint32_t>(be(4)); }
    uint64_t u64() { return be(8); }

    void bytes(uint8_t* out, size_t n) {
        if (!need(n)) {
            for (size_t i = 0; i < n; ++i)
                out[i] = 0;
            return;
        }
        for (size_t i = 0; i < n; ++i)
            out[i] = data_[pos_ + i];
        pos_ += n;
    }
    std::span<const uint8_t> take(size_t n) {
        if (!need(n)) return {};
        std::span<const uint8_t> s(data_ + pos_, n);
        pos_ += n;
        return s;
    }
    void take_into(std::vector<uint8_t>& out, size_t n) {
        const auto s = take(n);
        out.assign(s.begin(), s.end());
    }
    // A NUL-padded fixed-size string field: the text up to the first NUL.
    std::string str(size_t n) {
        const auto s = take(n);
        size_t len = 0;
        while (len < s.size() && s[len] != 0)
            ++len;
        return {reinterpret_cast<const char*>(s.data()), len};
    }
    void skip(size_t n) {
        if (need(n)) pos_ += n;
    }
    // Skips padding so that pos - start becomes a multiple of `align`.
    void skip_align(size_t start, size_t align) { skip((align - (pos_ - start) % align) % align); }

    // Restricts reading to [pos, new_end), new_end <= end(); returns the old end for restore_end.
    size_t narrow(size_t new_end) {
        const size_t old = end_;
        end_ = new_end;
        return old;
    }
    void restore_end(size_t old_end) { end_ = old_end; }

  private:
    uint64_t be(size_t n) {
        if (!need(n)) return 0;
        uint64_t v = 0;
        for (size_t i = 0; i < n; ++i)
            v = (v << 8) | data_[pos_ + i];
        pos_ += n;
        return v;
    }

    const uint8_t* data_;
    size_t pos_ = 0;
    size_t end_;
    bool failed_ = false;
    DecodeContext context_ = DecodeContext::kMessage;
    DecodeError error_;
};

// Sets a Reader's context for one scope (errors inside an action report kAction, ...).
class ContextScope {
  public:
    ContextScope(Reader& reader, DecodeContext context)
        : reader_(reader), saved_(reader.context()) {
        reader.set_context(context);
    }
    ~ContextScope() { reader_.set_context(saved_); }
    ContextScope(const ContextScope&) = delete;
    ContextScope& operator=(const ContextScope&) = delete;

  private:
    Reader& reader_;
    DecodeContext saved_;
};

class Writer {
  public:
    explicit Writer(std::vector<uint8_t>& out) : out_(out) {}

    size_t pos() const { return out_.size(); }
    void u8(uint8_t v) { out_.push_back(v); }
    void u16(uint16_t v) { be(v, 2); }
    void u32(uint32_t v) { be(v, 4); }
    void u64(uint64_t v) { be(v, 8); }
    void bytes(const uint8_t* p, size_t n) { out_.insert(out_.end(), p, p + n); }
    void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
    // A fixed-size string field: NUL-padded to n bytes. Text of n bytes or more fills the field
    // without a terminator (as a peer may send it), so decode(encode(x)) keeps x up to n bytes.
    void str(const std::string& s, size_t n) {
        const size_t len = s.size() < n ? s.size() : n;
        bytes(reinterpret_cast<const uint8_t*>(s.data()), len);
        zeros(n - len);
    }
    void align(size_t start, size_t align) { zeros((align - (pos() - start) % align) % align); }
    // Fills in a length field written earlier as zero. Lengths that do not fit are the caller's
    // mistake (a message over 64 KiB); they are recorded and reported by overflowed().
    void patch16(size_t at, size_t v) {
        if (v > 0xffff) overflow_ = true;
        out_[at] = static_cast<uint8_t>(v >> 8);
        out_[at + 1] = static_cast<uint8_t>(v);
    }
    void patch8(size_t at, size_t v) {
        if (v > 0xff) overflow_ = true;
        out_[at] = static_cast<uint8_t>(v);
    }
    bool overflowed() const { return overflow_; }

  private:
    void be(uint64_t v, size_t n) {
        for (size_t i = n; i-- > 0;)
            out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }

    std::vector<uint8_t>& out_;
    bool overflow_ = false;
};

// Text helpers used by the generated to_string functions.
void put_uint(std::string& out, uint64_t v);
void put_hex(std::string& out, uint64_t v);
void put_mac(std::string& out, const MacAddr& mac);
void put_bytes(std::string& out, std::span<const uint8_t> bytes);
void put_quoted(std::string& out, const std::string& s);

}  // namespace vs::openflow
