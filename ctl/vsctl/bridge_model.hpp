// BridgeModel: bridges, ports and interfaces as ovs-vsctl sees them, built from the replica.
// Fake bridges (add-br BR PARENT VLAN) are ports of their parent with fake_bridge=true and a
// tag; ports tagged with a fake bridge's VLAN belong to that fake bridge.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ctl/vsctl/replica.hpp"

namespace vs::vsctl {

struct VsPort;

struct VsBridge {
    std::string name;
    Uuid row;  // the Bridge row (the parent's for a fake bridge)
    const VsBridge* parent = nullptr;
    std::int64_t vlan = 0;
    std::vector<const VsPort*> ports;
};

struct VsIface {
    std::string name;
    Uuid row;
    const VsPort* port = nullptr;
};

struct VsPort {
    std::string name;
    Uuid row;
    const VsBridge* bridge = nullptr;
    std::vector<const VsIface*> ifaces;
};

class BridgeModel {
  public:
    static BridgeModel build(Replica& db, const Uuid& ovs);

    [[nodiscard]] const VsBridge* bridge(const std::string& name) const;
    [[nodiscard]] const VsPort* port(const std::string& name) const;
    [[nodiscard]] const VsIface* iface(const std::string& name) const;
    [[nodiscard]] const std::map<std::string, VsBridge>& bridges() const { return bridges_; }

  private:
    std::map<std::string, VsBridge> bridges_;
    std::map<std::string, VsPort> ports_;
    std::map<std::string, VsIface> ifaces_;
};

// Column helpers for the fixed-schema commands.
[[nodiscard]] std::string string_column(Replica& db, std::string_view table, const Uuid& row,
                                        std::string_view column);
[[nodiscard]] std::vector<Uuid> uuid_column(Replica& db, std::string_view table, const Uuid& row,
                                            std::string_view column);
void set_uuids(Replica& db, std::string_view table, const Uuid& row, std::string_view column,
               const std::vector<Uuid>& uuids);
void add_uuid(Replica& db, std::string_view table, const Uuid& row, std::string_view column,
              const Uuid& uuid);
void remove_uuid(Replica& db, std::string_view table, const Uuid& row, std::string_view column,
                 const Uuid& uuid);

}  // namespace vs::vsctl
