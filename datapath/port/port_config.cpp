// Port types → DPDK virtual devices (DESIGN.md, "Ports").
#include "datapath/port/port_config.hpp"

#include "datapath/tunnel/tunnel_config.hpp"

namespace vs {

namespace {

const std::string* option(const PortConfig& c, const std::string& key) {
    auto it = c.options.find(key);
    return it == c.options.end() ? nullptr : &it->second;
}

}  // namespace

std::string devargs_name(const std::string& devargs) {
    return devargs.substr(0, devargs.find(','));
}

Result<std::string> port_devargs(const PortConfig& c, unsigned unique, const std::string& rundir) {
    const std::string id = std::to_string(unique);
    const std::string queues = std::to_string(c.n_rxq);
    if (c.name.empty()) return fail("port name is empty");
    if (c.type == "internal" || c.type == "tap") {
        // The kernel interface carries the port's name, as Open vSwitch's internal ports do.
        if (c.name.size() > 15) return fail("interface name '" + c.name + "' is too long");
        return "net_tapvs" + id + ",iface=" + c.name;
    }
    if (c.type == "system" || c.type.empty()) {
        if (const std::string* mode = option(c, "afxdp"); mode && *mode == "true") {
            return "net_af_xdpvs" + id + ",iface=" + c.name +
                   ",start_queue=0,queue_count=" + queues;
        }
        // A deeper ring than DPDK's default (512 frames) absorbs the bursts a TCP sender makes
        // while the PMD thread sits in a tx system call (iperf3 here: 6.4 -> 8.9 Gbit/s in one
        // back-to-back pair of runs; the machine is noisy).
        return "net_af_packetvs" + id + ",iface=" + c.name + ",qpairs=" + queues + ",framecnt=4096";
    }
    if (c.type == "dpdkvhostuser") {
        return "net_vhostvs" + id + ",iface=" + rundir + "/" + c.name + ",queues=" + queues;
    }
    if (c.type == "dpdkvhostuserclient") {
        const std::string* path = option(c, "vhost-server-path");
        if (!path || path->empty()) {
            return fail("dpdkvhostuserclient port '" + c.name +
                        "' needs options:vhost-server-path");
        }
        return "net_vhostvs" + id + ",iface=" + *path + ",client=1,queues=" + queues;
    }
    if (c.type == "dpdk") {
        const std::string* devargs = option(c, "dpdk-devargs");
        if (!devargs || devargs->empty()) {
            return fail("dpdk port '" + c.name + "' needs options:dpdk-devargs");
        }
        return *devargs;
    }
    if (is_tunnel_type(c.type)) {
        // Not a vdev argument string: tunnel ports are net_ring devices made from rings
        // (rte_eth_from_rings names them net_ring_NAME); the tunnel I/O thread serves the rings.
        if (auto t = parse_tunnel_config(c.name, c.type, c.options); !t) {
            return tl::unexpected(t.error());
        }
        return "net_ring_tunvs" + id;
    }
    return fail("unsupported interface type '" + c.type + "'");
}

}  // namespace vs
