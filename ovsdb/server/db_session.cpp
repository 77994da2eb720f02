// DbServer::Session: framing, ordered writes, teardown.
#include "ovsdb/server/db_session.hpp"

#include "base/log.hpp"

namespace vs::ovsdb {

VS_LOG_MODULE(session_log, "jsonrpc");

void DbServer::Session::read() {
    auto self = shared_from_this();
    socket_.async_read_some(
        boost::asio::buffer(buf_), [this, self](boost::system::error_code ec, size_t n) {
            if (ec) return close();
            splitter_.feed({buf_.data(), n});
            std::vector<std::string> texts;
            while (auto text = splitter_.next())
                texts.push_back(std::move(*text));
            // Requests that arrived together are answered after one commit (group commit).
            server_.batching_ = texts.size() > 1;
            bool garbage = false;
            for (const std::string& text : texts) {
                Json message = Json::parse(text, nullptr, false);
                if (message.is_discarded() || !message.is_object()) {
                    garbage = true;
                    break;
                }
                server_.handle(self, message);
                if (closed_) break;
            }
            server_.batching_ = false;
            server_.flush_batch();  // what was run is committed and answered first
            if (garbage) {
                VS_WARN(session_log, "closing a connection that sent something not JSON-RPC");
                return close();
            }
            if (closed_) return;
            if (splitter_.error()) {
                VS_WARN(session_log, "closing a connection that sent something not JSON");
                return close();
            }
            read();
        });
}

void DbServer::Session::send(const Json& message) {
    send_text(message.dump());
}

void DbServer::Session::send_text(std::string message) {
    if (closed_) return;
    out_.push_back(std::move(message));
    if (!writing_) write_next();
}

void DbServer::Session::write_next() {
    if (out_.empty() || closed_) {
        writing_ = false;
        return;
    }
    writing_ = true;
    auto self = shared_from_this();
    boost::asio::async_write(socket_, boost::asio::buffer(out_.front()),
                             [this, self](boost::system::error_code ec, size_t) {
                                 if (ec) return close();
                                 out_.pop_front();
                                 write_next();
                             });
}

void DbServer::Session::close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ec;
    socket_.close(ec);
    server_.session_closed(this);
}

}  // namespace vs::ovsdb
