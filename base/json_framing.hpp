// JsonSplitter: cuts a byte stream into complete top-level JSON texts (objects or arrays), the
// framing that JSON-RPC over a stream socket uses (Open vSwitch's unixctl and RFC 7047 alike).
// Thread: one owner.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vs {

class JsonSplitter {
  public:
    explicit JsonSplitter(size_t max_text = 1 << 20) : max_text_(max_text) {}

    void feed(std::string_view bytes) { buffer_.append(bytes); }
    // The next complete text, if one has arrived. Sets error() when a text grows past the
    // limit or starts with something other than '{' or '['.
    std::optional<std::string> next();
    bool error() const { return error_; }

  private:
    std::string buffer_;
    size_t scanned_ = 0;  // bytes of buffer_ already scanned for the current text
    int depth_ = 0;
    bool in_string_ = false;
    bool escaped_ = false;
    bool error_ = false;
    size_t max_text_;
};

}  // namespace vs
