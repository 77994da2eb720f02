// MeterStore: slots, configuration and the per-packet token-bucket charge.
#include "datapath/meter/meter_store.hpp"

#include <algorithm>

namespace vs {

namespace {

constexpr uint64_t kTokensPerUnit = 1000;  // bits per kbit; thousandths per packet

Result<void> validate(const MeterConfig& config) {
    if (config.bands.size() > MeterStore::kMaxBands) return fail("too many bands");
    for (const MeterBandConfig& b : config.bands) {
        if (b.rate == 0) return fail("band rate 0");
    }
    return {};
}

}  // namespace

uint8_t raise_drop_precedence(uint8_t dscp, uint8_t levels) {
    const uint8_t cls = dscp >> 3;
    const uint8_t prec = (dscp >> 1) & 3;
    if (cls < 1 || cls > 4 || prec == 0 || (dscp & 1) != 0) return dscp;
    const uint8_t raised = static_cast<uint8_t>(std::min<unsigned>(3, prec + levels));
    return static_cast<uint8_t>((cls << 3) | (raised << 1));
}

MeterStore::MeterStore(uint64_t tsc_hz)
    : tsc_hz_(tsc_hz == 0 ? 1 : tsc_hz), slots_(new std::atomic<Slot*>[kMaxMeters]) {
    for (uint32_t i = 0; i < kMaxMeters; ++i)
        slots_[i].store(nullptr, std::memory_order_relaxed);
}

MeterStore::~MeterStore() {
    for (uint32_t i = 0; i < kMaxMeters; ++i)
        delete slots_[i].load(std::memory_order_relaxed);
}

void MeterStore::configure(Slot& s, const MeterConfig& config, uint64_t now_tsc,
                           bool keep_counters) {
    std::array<Band, kMaxBands> bands{};
    for (size_t i = 0; i < config.bands.size(); ++i) {
        const MeterBandConfig& c = config.bands[i];
        Band& b = bands[i];
        b.rate = c.rate;
        b.drop = c.type == MeterBandConfig::Type::kDrop;
        b.prec_level = c.prec_level;
        const uint64_t per_s = uint64_t{c.rate} * kTokensPerUnit;
        const uint64_t burst = config.burst && c.burst_size > 0 ? c.burst_size : c.rate;
        b.capacity = burst * kTokensPerUnit;
        b.tokens = b.capacity;
        b.mult = static_cast<uint64_t>((static_cast<unsigned __int128>(per_s) << 32) / tsc_hz_);
        b.fill_tsc =
            static_cast<uint64_t>(static_cast<unsigned __int128>(b.capacity) * tsc_hz_ / per_s + 1);
    }
    s.lock_slot();
    if (keep_counters) {
        for (uint32_t i = 0; i < std::min<uint32_t>(s.n_bands, config.bands.size()); ++i)
            bands[i].counters = s.bands[i].counters;
    }
    s.pktps = config.pktps;
    s.n_bands = static_cast<uint32_t>(config.bands.size());
    s.last_tsc = now_tsc;
    s.bands = bands;
    if (!keep_counters) s.packets = s.bytes = 0;
    s.active = true;
    s.unlock_slot();
}

Result<uint32_t> MeterStore::add(const MeterConfig& config, uint64_t now_tsc) {
    if (auto ok = validate(config); !ok) return tl::unexpected(ok.error());
    for (uint32_t n = 0; n < kMaxMeters; ++n) {
        const uint32_t id = (next_id_ + n) % kMaxMeters;
        Slot* s = slot(id);
        if (s != nullptr && s->active) continue;
        if (s == nullptr) {
            s = new Slot();
            slots_[id].store(s, std::memory_order_release);
        }
        configure(*s, config, now_tsc, false);
        next_id_ = (id + 1) % kMaxMeters;
        ++n_active_;
        return id;
    }
    return fail("out of datapath meters");
}

Result<void> MeterStore::modify(uint32_t id, const MeterConfig& config, uint64_t now_tsc) {
    if (auto ok = validate(config); !ok) return ok;
    Slot* s = slot(id);
    if (s == nullptr || !s->active) return fail("no such meter");
    configure(*s, config, now_tsc, true);
    return {};
}

void MeterStore::remove(uint32_t id) {
    Slot* s = slot(id);
    if (s == nullptr || !s->active) return;
    s->lock_slot();
    s->active = false;
    s->n_bands = 0;
    s->unlock_slot();
    --n_active_;
}

Result<MeterCounters> MeterStore::counters(uint32_t id) const {
    Slot* s = slot(id);
    if (s == nullptr || !s->active) return fail("no such meter");
    MeterCounters c;
    s->lock_slot();
    c.packets = s->packets;
    c.bytes = s->bytes;
    for (uint32_t i = 0; i < s->n_bands; ++i)
        c.bands.push_back(s->bands[i].counters);
    s->unlock_slot();
    return c;
}

// Refills every band for the time since the last packet, then charges the packet to each band
// that can pay; the exceeded band with the highest rate (if any) decides.
MeterVerdict MeterStore::Slot::charge(uint32_t size, uint64_t now_tsc) {
    MeterVerdict v;
    lock_slot();
    if (!active) {
        unlock_slot();
        return v;
    }
    const uint64_t elapsed = now_tsc > last_tsc ? now_tsc - last_tsc : 0;
    last_tsc = std::max(last_tsc, now_tsc);
    const uint64_t cost = pktps ? kTokensPerUnit : uint64_t{size} * 8;
    Band* exceeded = nullptr;
    for (uint32_t i = 0; i < n_bands; ++i) {
        Band& b = bands[i];
        if (elapsed != 0) {
            const uint64_t dt = std::min(elapsed, b.fill_tsc);
            // Fractions carry over, so frequent small refills do not round the rate down.
            const unsigned __int128 fixed = static_cast<unsigned __int128>(dt) * b.mult + b.frac;
            b.frac = static_cast<uint64_t>(fixed & 0xffffffffu);
            b.tokens = std::min(b.capacity, b.tokens + static_cast<uint64_t>(fixed >> 32));
        }
        if (b.tokens >= cost) {
            b.tokens -= cost;
        } else if (exceeded == nullptr || b.rate > exceeded->rate) {
            exceeded = &b;
        }
    }
    ++packets;
    bytes += size;
    if (exceeded != nullptr) {
        ++exceeded->counters.packets;
        exceeded->counters.bytes += size;
        v.drop = exceeded->drop;
        v.prec_level = exceeded->drop ? 0 : exceeded->prec_level;
    }
    unlock_slot();
    return v;
}

}  // namespace vs
