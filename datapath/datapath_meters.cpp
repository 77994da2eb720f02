// Datapath's meters: the control side of MeterStore (datapath/meter/meter_store.hpp). Meters
// change in place under their slot's lock, so nothing here waits for the PMD threads.
#include <rte_cycles.h>

#include "datapath/datapath_impl.hpp"

namespace vs {

Result<uint32_t> Datapath::add_meter(const MeterConfig& config) {
    return impl_->meters->add(config, rte_rdtsc());
}

Result<void> Datapath::modify_meter(uint32_t id, const MeterConfig& config) {
    return impl_->meters->modify(id, config, rte_rdtsc());
}

void Datapath::remove_meter(uint32_t id) {
    impl_->meters->remove(id);
}

Result<MeterCounters> Datapath::meter_counters(uint32_t id) const {
    return impl_->meters->counters(id);
}

}  // namespace vs
