// ConnManager: listeners, dialling with back-off, and per-target state for Controller.status.
#include "vswitchd/ofconn/conn_manager.hpp"

#include <unistd.h>

#include <charconv>
#include <optional>

#include "base/log.hpp"

namespace vs {

VS_LOG_MODULE(connmgr_log, "connmgr");

namespace asio = boost::asio;
using Socket = OfConnection::Socket;
using GenericEndpoint = asio::generic::stream_protocol::endpoint;

namespace {

std::optional<uint16_t> parse_port(std::string_view text) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v == 0 || v > 65535) {
        return std::nullopt;
    }
    return static_cast<uint16_t>(v);
}

// "tcp:IP[:PORT]" or "unix:PATH" as an endpoint to connect to.
Result<GenericEndpoint> active_endpoint(const std::string& target) {
    if (target.rfind("unix:", 0) == 0 && target.size() > 5) {
        return GenericEndpoint(asio::local::stream_protocol::endpoint(target.substr(5)));
    }
    if (target.rfind("tcp:", 0) == 0) {
        std::string rest = target.substr(4);
        uint16_t port = ConnManager::kDefaultPort;
        if (const size_t colon = rest.rfind(':'); colon != std::string::npos) {
            auto p = parse_port(std::string_view(rest).substr(colon + 1));
            if (!p) return fail("bad port in '" + target + "'");
            port = *p;
            rest.resize(colon);
        }
        boost::system::error_code ec;
        const auto address = asio::ip::make_address(rest, ec);
        if (ec) return fail("bad IP address in '" + target + "'");
        return GenericEndpoint(asio::ip::tcp::endpoint(address, port));
    }
    return fail("unsupported controller target '" + target + "'");
}

bool is_passive(const std::string& target) {
    return target.rfind("ptcp:", 0) == 0 || target.rfind("punix:", 0) == 0;
}

}  // namespace

struct ConnManager::Listener {
    std::string target;
    std::weak_ptr<Target> owner;  // the passive Controller target; none for mgmt
    std::unique_ptr<asio::local::stream_protocol::acceptor> unix_acceptor;
    std::unique_ptr<asio::ip::tcp::acceptor> tcp_acceptor;
    std::string unix_path;

    ~Listener() {
        boost::system::error_code ignored;
        if (unix_acceptor) unix_acceptor->close(ignored);
        if (tcp_acceptor) tcp_acceptor->close(ignored);
        if (!unix_path.empty()) ::unlink(unix_path.c_str());
    }
};

struct ConnManager::Target {
    explicit Target(asio::io_context& io, WantedController w) : spec(std::move(w)), timer(io) {}
    WantedController spec;
    std::shared_ptr<Listener> listener;  // passive targets
    std::shared_ptr<OfConnection> conn;  // active targets, once connected
    std::unique_ptr<Socket> dialling;
    asio::steady_timer timer;
    std::chrono::milliseconds backoff{1000};
    std::string last_error;
    std::optional<Clock::time_point> connected_at, disconnected_at;
    bool removed = false;
};

ConnManager::ConnManager(asio::io_context& io, std::string bridge, std::string rundir,
                         OfMessageHandler& handler)
    : io_(io), bridge_(std::move(bridge)), rundir_(std::move(rundir)), handler_(handler) {}

ConnManager::~ConnManager() {
    // Closing tells the handler (us) of each channel; nothing may escape a destructor.
    try {
        for (auto& t : targets_) {
            t->removed = true;
            t->timer.cancel();
            if (t->conn) t->conn->close("bridge removed");
        }
        auto accepted = std::move(accepted_);
        for (auto& [conn, owner] : accepted)
            conn->close("bridge removed");
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing left to do for a dying manager
    }
}

Result<void> ConnManager::start() {
    auto l = listen("punix:" + mgmt_path(), nullptr);
    if (!l) return tl::unexpected(l.error());
    mgmt_ = std::move(*l);
    return {};
}

Result<std::shared_ptr<ConnManager::Listener>> ConnManager::listen(
    const std::string& target, const std::shared_ptr<Target>& owner) {
    auto l = std::make_shared<Listener>();
    l->target = target;
    l->owner = owner;
    boost::system::error_code ec;
    if (target.rfind("punix:", 0) == 0) {
        l->unix_path = target.substr(6);
        ::unlink(l->unix_path.c_str());  // a stale socket of an earlier run
        l->unix_acceptor = std::make_unique<asio::local::stream_protocol::acceptor>(io_);
        const asio::local::stream_protocol::endpoint ep(l->unix_path);
        if (l->unix_acceptor->open(ep.protocol(), ec); !ec) l->unix_acceptor->bind(ep, ec);
        if (!ec) l->unix_acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) {
            l->unix_path.clear();
            return fail(target + ": " + ec.message());
        }
    } else {
        // ptcp:[PORT][:IP]
        std::string rest = target.substr(5);
        std::string ip = "0.0.0.0";
        if (const size_t colon = rest.find(':'); colon != std::string::npos) {
            ip = rest.substr(colon + 1);
            rest.resize(colon);
        }
        auto port = rest.empty() ? std::optional<uint16_t>(kDefaultPort) : parse_port(rest);
        const auto address = asio::ip::make_address(ip, ec);
        if (!port || ec) return fail("bad passive target '" + target + "'");
        const asio::ip::tcp::endpoint ep(address, *port);
        l->tcp_acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
        if (l->tcp_acceptor->open(ep.protocol(), ec); !ec) {
            l->tcp_acceptor->set_option(asio::socket_base::reuse_address(true), ec);
            l->tcp_acceptor->bind(ep, ec);
        }
        if (!ec) l->tcp_acceptor->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return fail(target + ": " + ec.message());
    }
    accept(l);
    return l;
}

void ConnManager::accept(const std::shared_ptr<Listener>& listener) {
    std::weak_ptr<Listener> weak = listener;
    auto accepted = [this, weak](boost::system::error_code ec, Socket socket,
                                 const std::string& peer) {
        auto l = weak.lock();
        if (!l) return;  // closed meanwhile; `this` may be gone too
        if (!ec) {
            auto owner = l->owner.lock();
            auto conn = OfConnection::start(
                std::move(socket), *this, l->target + "#" + std::to_string(++n_accepted_) + peer,
                owner ? owner->spec.probe : std::chrono::milliseconds(0));
            accepted_.emplace(conn, owner);
        } else if (ec == asio::error::operation_aborted) {
            return;
        }
        accept(l);
    };
    if (listener->unix_acceptor) {
        listener->unix_acceptor->async_accept(
            [accepted](boost::system::error_code ec, asio::local::stream_protocol::socket s) {
                Socket socket(s.get_executor());
                if (!ec) {
                    socket.assign(asio::generic::stream_protocol(AF_UNIX, 0), s.release(), ec);
                }
                accepted(ec, std::move(socket), "");
            });
    } else {
        listener->tcp_acceptor->async_accept([accepted](boost::system::error_code ec,
                                                        asio::ip::tcp::socket s) {
            Socket socket(s.get_executor());
            std::string peer;
            if (!ec) {
                boost::system::error_code ignored;
                const auto remote = s.remote_endpoint(ignored);
                peer =
                    " from " + remote.address().to_string() + ":" + std::to_string(remote.port());
                const auto family = remote.address().is_v6() ? AF_INET6 : AF_INET;
                socket.assign(asio::generic::stream_protocol(family, IPPROTO_TCP), s.release(), ec);
            }
            accepted(ec, std::move(socket), peer);
        });
    }
}

void ConnManager::set_controllers(const std::vector<WantedController>& wanted) {
    for (auto it = targets_.begin(); it != targets_.end();) {
        auto& t = *it;
        const bool keep = std::find(wanted.begin(), wanted.end(), t->spec) != wanted.end();
        if (keep) {
            ++it;
            continue;
        }
        VS_INFO(connmgr_log, "{}: controller {} removed", bridge_, t->spec.target);
        t->removed = true;
        t->timer.cancel();
        if (t->dialling) t->dialling->close();
        if (t->conn) t->conn->close("controller removed");
        it = targets_.erase(it);
    }
    for (const WantedController& w : wanted) {
        const bool have = std::any_of(targets_.begin(), targets_.end(),
                                      [&](const auto& t) { return t->spec == w; });
        if (have) continue;
        auto t = std::make_shared<Target>(io_, w);
        targets_.push_back(t);
        VS_INFO(connmgr_log, "{}: controller {}", bridge_, w.target);
        if (is_passive(w.target)) {
            auto l = listen(w.target, t);
            if (l) {
                t->listener = std::move(*l);
            } else {
                t->last_error = l.error().message;
                VS_WARN(connmgr_log, "{}: {}", bridge_, t->last_error);
            }
        } else {
            dial(t);
        }
    }
}

void ConnManager::dial(const std::shared_ptr<Target>& target) {
    auto endpoint = active_endpoint(target->spec.target);
    if (!endpoint) {
        target->last_error = endpoint.error().message;
        VS_WARN(connmgr_log, "{}: {}", bridge_, target->last_error);
        return;  // stays down: the row must change to fix it
    }
    target->dialling = std::make_unique<Socket>(io_);
    std::weak_ptr<Target> weak = target;
    target->dialling->async_connect(*endpoint, [this, weak](boost::system::error_code ec) {
        auto t = weak.lock();
        if (!t || t->removed) return;
        if (ec) {
            t->dialling.reset();
            back_off(t, ec.message());
            return;
        }
        auto socket = std::move(*t->dialling);
        t->dialling.reset();
        t->conn = OfConnection::start(std::move(socket), *this, t->spec.target, t->spec.probe);
    });
    notify();
}

void ConnManager::back_off(const std::shared_ptr<Target>& target, const std::string& why) {
    target->last_error = why;
    VS_INFO(connmgr_log, "{}: {}: {}; retrying in {} ms", bridge_, target->spec.target, why,
            target->backoff.count());
    target->timer.expires_after(target->backoff);
    target->backoff = std::min(target->backoff * 2, target->spec.max_backoff);
    std::weak_ptr<Target> weak = target;
    target->timer.async_wait([this, weak](boost::system::error_code ec) {
        auto t = weak.lock();
        if (!ec && t && !t->removed) dial(t);
    });
    notify();
}

std::shared_ptr<ConnManager::Target> ConnManager::owner_of(const OfConnection& conn) const {
    for (const auto& t : targets_) {
        if (t->conn.get() == &conn) return t;
    }
    for (const auto& [c, owner] : accepted_) {
        if (c.get() == &conn) return owner.lock();
    }
    return nullptr;
}

void ConnManager::on_ready(OfConnection& conn) {
    if (auto t = owner_of(conn)) {
        VS_INFO(connmgr_log, "{}: connected to controller {} (OpenFlow 0x{:02x})", bridge_,
                conn.name(), conn.version());
        t->connected_at = Clock::now();
        t->backoff = std::chrono::milliseconds(1000);
        t->last_error.clear();
        notify();
    }
}

void ConnManager::on_message(OfConnection& conn, std::span<const uint8_t> message) {
    handler_.handle_message(conn, message);
}

void ConnManager::on_closed(OfConnection& conn, const std::string& why) {
    for (auto& t : targets_) {
        if (t->conn.get() != &conn) continue;
        if (t->connected_at) t->disconnected_at = Clock::now();
        t->conn.reset();
        if (!t->removed) back_off(t, why);
        return;
    }
    for (auto it = accepted_.begin(); it != accepted_.end(); ++it) {
        if (it->first.get() != &conn) continue;
        if (auto owner = it->second.lock()) {
            owner->disconnected_at = Clock::now();
            owner->last_error = why;
        }
        accepted_.erase(it);  // may free `conn`: nothing touches it after this
        notify();
        return;
    }
}

void ConnManager::notify() {
    if (status_changed_) status_changed_();
}

std::map<ovsdb::Uuid, ControllerStatus> ConnManager::status() const {
    std::map<ovsdb::Uuid, ControllerStatus> out;
    const auto now = Clock::now();
    auto seconds = [&](Clock::time_point t) {
        return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now - t).count());
    };
    for (const auto& t : targets_) {
        ControllerStatus st;
        std::string state;
        if (t->listener) {
            for (const auto& [conn, owner] : accepted_) {
                if (owner.lock() == t && conn->version() != 0) st.is_connected = true;
            }
            state = st.is_connected ? "ACTIVE" : "LISTENING";
        } else if (t->conn && t->conn->version() != 0) {
            st.is_connected = true;
            state = "ACTIVE";
        } else if (t->conn || t->dialling) {
            state = "CONNECTING";
        } else {
            state = t->timer.expiry() > now ? "BACKOFF" : "VOID";
        }
        st.status["state"] = state;
        if (!t->last_error.empty() && !st.is_connected) st.status["last_error"] = t->last_error;
        if (st.is_connected && t->connected_at) {
            st.status["sec_since_connect"] = seconds(*t->connected_at);
        }
        if (!st.is_connected && t->disconnected_at) {
            st.status["sec_since_disconnect"] = seconds(*t->disconnected_at);
        }
        out.emplace(t->spec.uuid, std::move(st));
    }
    return out;
}

std::vector<std::shared_ptr<OfConnection>> ConnManager::channels() const {
    std::vector<std::shared_ptr<OfConnection>> out;
    for (const auto& t : targets_) {
        if (t->conn && t->conn->version() != 0) out.push_back(t->conn);
    }
    for (const auto& [conn, owner] : accepted_) {
        if (conn->version() != 0) out.push_back(conn);
    }
    return out;
}

}  // namespace vs

namespace vs {

std::vector<std::shared_ptr<OfConnection>> ConnManager::controller_channels() const {
    std::vector<std::shared_ptr<OfConnection>> out;
    for (const auto& t : targets_) {
        if (t->conn && t->conn->version() != 0) out.push_back(t->conn);
    }
    for (const auto& [conn, owner] : accepted_) {
        if (conn->version() != 0 && !owner.expired()) out.push_back(conn);
    }
    return out;
}

}  // namespace vs
