// JsonSplitter: an incremental scan that tracks nesting depth outside strings.
#include "base/json_framing.hpp"

namespace vs {

std::optional<std::string> JsonSplitter::next() {
    if (error_) return {};
    while (scanned_ < buffer_.size()) {
        const char c = buffer_[scanned_];
        if (depth_ == 0 && !in_string_) {
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                buffer_.erase(0, 1);
                continue;
            }
            if (c != '{' && c != '[') {
                error_ = true;
                return {};
            }
        }
        ++scanned_;
        if (in_string_) {
            if (escaped_) {
                escaped_ = false;
            } else if (c == '\\') {
                escaped_ = true;
            } else if (c == '"') {
                in_string_ = false;
            }
            continue;
        }
        if (c == '"') {
            in_string_ = true;
        } else if (c == '{' || c == '[') {
            ++depth_;
        } else if (c == '}' || c == ']') {
            if (--depth_ == 0) {
                std::string text = buffer_.substr(0, scanned_);
                buffer_.erase(0, scanned_);
                scanned_ = 0;
                return text;
            }
        }
    }
    if (scanned_ > max_text_) error_ = true;
    return {};
}

}  // namespace vs
