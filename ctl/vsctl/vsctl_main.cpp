// vsctl: configures the vswitch database with ovs-vsctl's commands. One attempt fetches the
// database, runs every command against a local replica and commits the changes as one
// transaction whose "wait" operations verify what the commands read; a concurrent change fails
// the waits and the whole attempt runs again. Without --no-wait it then waits until the switch
// has applied the change (Open_vSwitch cur_cfg reaches the next_cfg this transaction set).
#include <chrono>
#include <iostream>
#include <thread>

#include "base/paths.hpp"
#include "ctl/vsctl/commands.hpp"
#include "ctl/vsctl/error.hpp"
#include "ovsdb/client/jsonrpc_client.hpp"

namespace vs::vsctl {

namespace {

using Clock = std::chrono::steady_clock;
using ovsdb::JsonRpcClient;

constexpr const char* kDb = "Open_vSwitch";

struct Session {
    JsonRpcClient client;
    ovsdb::Deadline deadline;
    int timeout_s = 0;

    Json call(const std::string& method, const Json& params) {
        auto reply = client.call(method, params, deadline);
        if (!reply) fail_io(reply.error().message);
        if (reply->contains("error") && !(*reply)["error"].is_null()) {
            throw CommandError(method + " failed: " + (*reply)["error"].dump());
        }
        return (*reply)["result"];
    }

    [[noreturn]] void fail_io(const std::string& message) const {
        if (message == JsonRpcClient::kTimedOut) {
            throw CommandError("timed out after " + std::to_string(timeout_s) + " seconds");
        }
        throw CommandError("database connection failed (" + message + ")");
    }
};

struct Attempt {
    std::vector<std::string> outputs;
    bool try_again = false;  // a wait-until condition does not hold yet
    bool retry = false;      // a verifying wait failed: run everything again
    std::optional<std::int64_t> next_cfg;
};

void check_symbols(const Symbols& symbols) {
    for (const auto& [name, symbol] : symbols) {
        if (!symbol.created) {
            std::string message = "row id \"" + name;
            message += "\" is referenced but never created (e.g. with \"-- --id=";
            message += name;
            message += " create ...\")";
            throw CommandError(message);
        }
    }
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

Json with_db(const Json& ops) {
    Json params = Json::array({kDb});
    for (const auto& op : ops)
        params.push_back(op);
    return params;
}

// Commits the replica's changes; fills retry or next_cfg.
void commit(Session& s, Replica& db, const Uuid& ovs, const CommandLine& cl, Attempt& a) {
    Json ops = db.transaction_ops();
    const Json where =
        Json::array({Json::array({"_uuid", "==", Json::array({"uuid", to_string(ovs)})})});
    const bool wait_cfg = !cl.global.no_wait && !db.is_new(ovs);
    if (wait_cfg) {
        ops.push_back({{"op", "mutate"},
                       {"table", kDb},
                       {"where", where},
                       {"mutations", Json::array({Json::array({"next_cfg", "+=", 1})})}});
        ops.push_back(
            {{"op", "select"}, {"table", kDb}, {"where", where}, {"columns", {"next_cfg"}}});
    }
    const Json results = s.call("transact", with_db(ops));
    std::map<std::string, std::string> real_uuids;  // named-uuid -> uuid the server chose
    for (size_t i = 0; i < results.size() && i < ops.size(); ++i) {
        const Json& r = results[i];
        if (r.is_object() && r.contains("error")) {
            if (r["error"] == "timed out" && ops[i]["op"] == "wait") {
                a.retry = true;
                return;
            }
            throw CommandError("transaction error: " + r.dump());
        }
        if (ops[i]["op"] == "insert" && r.contains("uuid")) {
            real_uuids[ops[i]["uuid-name"]] = r["uuid"][1];
        }
    }
    if (results.size() > ops.size()) {
        throw CommandError("transaction error: " + results.back().dump());
    }
    for (auto& out : a.outputs) {
        for (const auto& [name, uuid] : real_uuids) {
            std::string local = name.substr(3);
            std::replace(local.begin(), local.end(), '_', '-');
            replace_all(out, local, uuid);
        }
    }
    if (wait_cfg) {
        const Json& rows = results[ops.size() - 1]["rows"];
        if (!rows.empty()) a.next_cfg = rows[0]["next_cfg"].get<std::int64_t>();
    }
}

Attempt run_once(Session& s, const ovsdb::DatabaseSchema& schema, const CommandLine& cl) {
    Replica db(schema, [&s](const Json& ops) { return s.call("transact", with_db(ops)); });
    // What the bridge, port and controller commands read, in one round trip.
    db.prefetch({{kDb, {}},
                 {"Bridge", {"name", "ports", "controller", "fail_mode"}},
                 {"Port", {"name", "interfaces", "tag", "fake_bridge"}},
                 {"Interface", {"name"}}});
    Symbols symbols;
    const auto rows = db.scan(kDb);
    const Uuid ovs = rows.empty() ? db.insert(kDb) : rows.front();
    Attempt a;
    for (const auto& cmd : cl.commands) {
        Context ctx{db, cl.global, cmd, symbols, ovs, {}, false};
        find_command(cmd.name)(ctx);
        a.outputs.push_back(std::move(ctx.out));
        if (ctx.try_again) {  // the later commands run once the condition holds
            a.try_again = true;
            return a;
        }
    }
    check_symbols(symbols);
    if (db.changed() && !cl.global.dry_run) commit(s, db, ovs, cl, a);
    return a;
}

// Waits until Open_vSwitch cur_cfg >= next_cfg (the switch applied this change).
void wait_for_cur_cfg(Session& s, std::int64_t next_cfg) {
    const Json reply =
        s.call("monitor", Json::array({kDb, "vsctl-cfg", {{kDb, {{"columns", {"cur_cfg"}}}}}}));
    auto reached = [next_cfg](const Json& update) {
        const auto it = update.find(kDb);
        if (it == update.end()) return false;
        for (const auto& [uuid, change] : it->items()) {
            const auto row = change.find("new");
            if (row != change.end() && row->contains("cur_cfg") &&
                (*row)["cur_cfg"].get<std::int64_t>() >= next_cfg) {
                return true;
            }
        }
        return false;
    };
    if (reached(reply)) return;
    for (;;) {
        auto note = s.client.next_notification(s.deadline);
        if (!note) {
            if (note.error().message == JsonRpcClient::kTimedOut) {
                throw CommandError("timed out after " + std::to_string(s.timeout_s) +
                                   " seconds waiting for the switch to apply the change "
                                   "(cur_cfg < " +
                                   std::to_string(next_cfg) + "); use --no-wait not to wait");
            }
            s.fail_io(note.error().message);
        }
        if ((*note)["method"] == "update" && (*note)["params"].size() == 2 &&
            reached((*note)["params"][1])) {
            return;
        }
    }
}

// --oneline: the output without its last newline, "\\" and "\n" escaped, then a newline.
std::string one_line(const std::string& out) {
    std::string line;
    const size_t n = !out.empty() && out.back() == '\n' ? out.size() - 1 : out.size();
    for (size_t i = 0; i < n; ++i) {
        if (out[i] == '\\') {
            line += "\\\\";
        } else if (out[i] == '\n') {
            line += "\\n";
        } else {
            line += out[i];
        }
    }
    return line + '\n';
}

// wait-until: returns after the next change to the database. The first call only starts a
// monitor of every table, since a change may have come between the last fetch and the monitor.
void wait_for_change(Session& s, const ovsdb::DatabaseSchema& schema, bool& monitoring) {
    if (!monitoring) {
        Json requests = Json::object();
        for (const auto& [name, table] : schema.tables)
            requests[name] = Json::object();
        (void)s.call("monitor", Json::array({kDb, "vsctl-wait-until", requests}));
        monitoring = true;
        return;
    }
    for (;;) {
        auto note = s.client.next_notification(s.deadline);
        if (!note) s.fail_io(note.error().message);
        if ((*note)["method"] == "update") return;
    }
}

int run(const std::vector<std::string>& args) {
    const CommandLine cl = parse_command_line(args);
    if (cl.help) {
        std::cout << usage_text();
        return 0;
    }
    if (cl.version) {
        std::cout << "vsctl (vswitch) 0.1.0\n";
        return 0;
    }
    const std::string remote =
        cl.global.db.empty() ? "unix:" + vs::run_dir() + "/db.sock" : cl.global.db;
    ovsdb::Deadline deadline;
    if (cl.global.timeout_s > 0)
        deadline = Clock::now() + std::chrono::seconds(cl.global.timeout_s);
    auto client = JsonRpcClient::connect(remote, deadline);
    if (!client) {
        throw CommandError(remote + ": database connection failed (" + client.error().message +
                           ")");
    }
    Session s{std::move(*client), deadline, cl.global.timeout_s};
    auto schema = ovsdb::parse_schema(s.call("get_schema", Json::array({kDb})));
    if (!schema) throw CommandError("bad schema from server: " + schema.error().details);
    // Verification failures mean another client changed what we read; they end when it stops.
    // A bound keeps a verification that can never pass from spinning forever.
    constexpr int kMaxRetries = 1000;
    bool monitoring = false;
    for (int retries = 0;; ++retries) {
        Attempt a = run_once(s, *schema, cl);
        if (a.retry && retries >= kMaxRetries) {
            throw CommandError("transaction verification failed " + std::to_string(retries) +
                               " times in a row; giving up");
        }
        if (a.try_again) {
            wait_for_change(s, *schema, monitoring);
            continue;
        }
        if (a.retry) {
            if (deadline && Clock::now() >= *deadline) s.fail_io(JsonRpcClient::kTimedOut);
            std::this_thread::sleep_for(std::chrono::milliseconds(retries < 10 ? 1 : 10));
            continue;
        }
        for (const auto& out : a.outputs)
            std::cout << (cl.global.oneline ? one_line(out) : out);
        std::cout.flush();
        if (a.next_cfg) wait_for_cur_cfg(s, *a.next_cfg);
        return 0;
    }
}

}  // namespace

}  // namespace vs::vsctl

int main(int argc, char** argv) {
    try {
        return vs::vsctl::run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const vs::vsctl::UsageError& e) {
        std::cerr << "vsctl: " << e.what() << "\n";
        return 2;
    } catch (const vs::vsctl::ExitRequest& e) {
        return e.code;
    } catch (const std::exception& e) {
        std::cerr << "vsctl: " << e.what() << "\n";
        return 1;
    }
}
