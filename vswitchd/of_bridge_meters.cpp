// OfBridge's meters (OpenFlow 1.3 section 5.7): METER_MOD, which takes effect in the datapath
// before the reply like a FLOW_MOD (deleting a meter deletes the rules that use it, and the
// bridge's megaflows are revalidated), and the METER, METER_CONFIG and METER_FEATURES requests.
#include "base/log.hpp"
#include "openflow/of13.hpp"
#include "vswitchd/of_bridge.hpp"

namespace vs {

namespace {

template <typename Body>
void reply_split(OfConnection& conn, uint32_t xid, Body body) {
    for (auto& part : of13::encode_split(of13::Message{xid, std::move(body)}))
        conn.send(std::move(part));
}

}  // namespace

void OfBridge::set_meter_backend(MeterBackend backend) {
    meters_ = std::make_unique<MeterTable>(std::move(backend));
    tables_.set_meter_check([this](uint32_t id) { return meters_->find(id) != nullptr; });
}

uint32_t OfBridge::meter_users(uint32_t meter_id) const {
    uint32_t n = 0;
    tables_.for_each(RuleFilter{}, [&](const RulePtr& r) {
        if (rule_meter(*r) == meter_id) ++n;
    });
    return n;
}

std::optional<openflow::SpecError> OfBridge::meter_mod13(const of13::MeterMod& mm) {
    if (!meters_) {
        return openflow::SpecError{static_cast<uint16_t>(of13::ErrorType::kBadRequest),
                                   static_cast<uint16_t>(of13::BadRequestCode::kBadType)};
    }
    std::vector<uint32_t> deleted;
    if (auto e = meters_->meter_mod(mm, now_ms_(), deleted)) return e;
    std::vector<RemovedRule> removed;
    for (uint32_t id : deleted)
        tables_.remove_meter_users(id, removed);
    // A modified meter changes in place in the datapath, but its megaflows are remade anyway so
    // that a changed id mapping can never leave a stale meter(N) action behind.
    revalidate_soon();
    send_flow_removed(removed);
    return std::nullopt;
}

bool OfBridge::handle_meter13(OfConnection& conn, uint32_t xid, const of13::Body& body,
                              std::span<const uint8_t> message) {
    using namespace of13;
    if (const auto* mm = std::get_if<MeterMod>(&body)) {
        if (auto e = meter_mod13(*mm)) conn.send_error(e->type, e->code, message, xid);
        return true;
    }
    const auto* stats = std::get_if<MeterStatsRequest>(&body);
    const auto* config = std::get_if<MeterConfigRequest>(&body);
    const bool features = std::holds_alternative<MeterFeaturesRequest>(body);
    if (stats == nullptr && config == nullptr && !features) return false;
    if (!meters_) {
        conn.send_error(static_cast<uint16_t>(ErrorType::kBadRequest),
                        static_cast<uint16_t>(BadRequestCode::kBadMultipart), message, xid);
        return true;
    }
    if (stats != nullptr) {
        MeterStatsReply r;
        r.stats = meters_->stats(stats->meter_id, now_ms_(),
                                 [this](uint32_t id) { return meter_users(id); });
        reply_split(conn, xid, r);
    } else if (config != nullptr) {
        reply_split(conn, xid, MeterConfigReply{0, meters_->configs(config->meter_id)});
    } else {
        reply_split(conn, xid, MeterTable::features());
    }
    return true;
}

}  // namespace vs
