// vmctl's virt-install-style guest flags (--name, --type, --memory, --network ...) into a
// GuestSpec. Thread: any.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "vm-runtime/guest_spec.hpp"

namespace vs::vmctl {

// A malformed command line: vmctl exits 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Parses `args` (everything after "define" or "create"); throws UsageError on unknown or
// incomplete flags, and returns other problems (a bad --network, --type) as errors. The
// result still needs vm::validate().
[[nodiscard]] Result<vm::GuestSpec> spec_from_args(const std::vector<std::string>& args);

}  // namespace vs::vmctl
