// GuestDb: guest definitions (Guest, Guest_Interface) and the switch ports of running guests
// (Port, Interface on a Bridge, as ovs-vsctl add-port makes them) in the config DB, over the
// blocking RFC 7047 client. Thread: one owner.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ovsdb/client/jsonrpc_client.hpp"
#include "vm-runtime/guest_spec.hpp"

namespace vs::vm {

class GuestDb {
  public:
    // remote: "unix:PATH" or "tcp:IP:PORT".
    [[nodiscard]] static Result<GuestDb> connect(const std::string& remote);

    [[nodiscard]] Result<std::vector<GuestSpec>> list();
    [[nodiscard]] Result<std::optional<GuestSpec>> find(const std::string& name);
    [[nodiscard]] Result<bool> bridge_exists(const std::string& bridge);

    // Adds a definition; fails (and changes nothing) when the name is taken or a NIC's bridge
    // does not exist. The check and the insert are one transaction.
    [[nodiscard]] Result<void> insert(const GuestSpec& spec);
    [[nodiscard]] Result<void> remove(const std::string& name);
    [[nodiscard]] Result<void> set_autostart(const std::string& name, bool on);
    // The ephemeral state and accelerator columns, for readers of the DB (ovs-vsctl list
    // Guest); vmctl itself reads the state live. An empty value clears the column.
    [[nodiscard]] Result<void> set_runtime(const std::string& name, const std::string& state,
                                           const std::string& accelerator);

    // ovs-vsctl add-port BR PORT -- set Interface PORT type=TYPE options:K=V...; bumps next_cfg
    // so that vswitchd applies it.
    [[nodiscard]] Result<void> add_port(const std::string& bridge, const std::string& port,
                                        const std::string& type,
                                        const std::map<std::string, std::string>& options);
    // Removes port PORT from whichever bridge has it; fine when none has.
    [[nodiscard]] Result<void> del_port(const std::string& port);
    // Waits until vswitchd reports the interface's ofport; an error names its `error` column.
    [[nodiscard]] Result<int64_t> wait_ofport(const std::string& port, int timeout_ms);

  private:
    explicit GuestDb(ovsdb::JsonRpcClient client) : client_(std::move(client)) {}
    [[nodiscard]] Result<nlohmann::json> transact(nlohmann::json ops);

    ovsdb::JsonRpcClient client_;
};

// The row of a GuestSpec for an insert (interfaces as named uuids "nicN") and back.
[[nodiscard]] nlohmann::json guest_row(const GuestSpec& spec);
[[nodiscard]] nlohmann::json interface_row(const NicSpec& nic);
[[nodiscard]] Result<GuestSpec> spec_from_rows(
    const nlohmann::json& guest, const std::map<std::string, nlohmann::json>& interfaces);

}  // namespace vs::vm
