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
            // Group commit: the transactions of every request here, and of those that arrive
            // while they run (a pipelining client's next ones), reach the file in one SQLite
            // commit, after which each is answered. One request alone costs what it did.
            server_.batching_ = true;
            bool garbage = false;
            std::size_t taken = n;
            for (;;) {
                while (auto text = splitter_.next()) {
                    Json message = Json::parse(*text, nullptr, false);
                    if (message.is_discarded() || !message.is_object()) {
                        garbage = true;
                        break;
                    }
                    server_.handle(self, message);
                    if (closed_) break;
                }
                if (garbage || closed_ || splitter_.error() || taken >= kMaxBatchBytes) break;
                boost::system::error_code more_ec;
                if (socket_.available(more_ec) == 0 || more_ec) break;
                // Data is waiting: this read does not block.
                const std::size_t more = socket_.read_some(boost::asio::buffer(buf_), more_ec);
                if (more_ec) break;  // the next async read reports it
                splitter_.feed({buf_.data(), more});
                taken += more;
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
