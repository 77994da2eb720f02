// Parsing of vsgen's options: plain "--name value" pairs, checked ranges, one-line errors.
#include "bench/vsgen/options.hpp"

#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace vs::vsgen {

namespace {

uint64_t to_u64(const std::string& name, const std::string& v, uint64_t lo, uint64_t hi) {
    char* end = nullptr;
    errno = 0;
    unsigned long long x = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || errno != 0 || v[0] == '-' || x < lo || x > hi) {
        throw std::invalid_argument("--" + name + ": expected an integer in " + std::to_string(lo) +
                                    ".." + std::to_string(hi) + ", got '" + v + "'");
    }
    return x;
}

double to_double(const std::string& name, const std::string& v, double lo, double hi) {
    char* end = nullptr;
    double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(x >= lo && x <= hi)) {
        throw std::invalid_argument("--" + name + ": expected a number in " + std::to_string(lo) +
                                    ".." + std::to_string(hi) + ", got '" + v + "'");
    }
    return x;
}

std::vector<std::string> split(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        out.push_back(item);
    return out;
}

unsigned parse_vary(const std::string& text) {
    unsigned bits = 0;
    for (const auto& f : split(text)) {
        if (f == "dst-ip") {
            bits |= kVaryDstIp;
        } else if (f == "src-ip") {
            bits |= kVarySrcIp;
        } else if (f == "src-port") {
            bits |= kVarySrcPort;
        } else if (f == "dst-port") {
            bits |= kVaryDstPort;
        } else {
            throw std::invalid_argument("--vary: unknown field '" + f +
                                        "' (dst-ip, src-ip, src-port, dst-port)");
        }
    }
    if ((bits & kVaryDstIp) == 0) throw std::invalid_argument("--vary must include dst-ip");
    return bits;
}

}  // namespace

const char* usage() {
    return "usage: vsgen [EAL args] -- [--ports 0,1] [--size 64] [--flows N] [--dist "
           "uniform|zipf]\n"
           "  [--zipf-s 1.0] [--zipf-ring-bits 20] [--seed 1] [--vary "
           "dst-ip,src-ip,src-port,dst-port] [--rate PPS]\n"
           "  [--warmup S] [--duration S] [--latency-every N] [--burst 32] [--src-mac M]\n"
           "  [--dst-mac M] [--rx-only] [--dump-sequence K] [--start-on-signal]\n"
           "Signals: SIGUSR1 starts the window (with --start-on-signal), SIGUSR2 ends it, SIGINT\n"
           "and SIGTERM end the run (reported as interrupted). The report: one JSON line.\n";
}

Options parse_options(const std::vector<std::string>& args) {
    Options o;
    for (size_t i = 0; i < args.size(); i++) {
        const std::string& a = args[i];
        if (a == "--rx-only") {
            o.rx_only = true;
            continue;
        }
        if (a == "--start-on-signal") {
            o.start_on_signal = true;
            continue;
        }
        if (a.rfind("--", 0) != 0 || i + 1 >= args.size()) {
            throw std::invalid_argument("unexpected argument '" + a + "'");
        }
        const std::string name = a.substr(2);
        const std::string& v = args[++i];
        if (name == "ports") {
            o.ports.clear();
            for (const auto& p : split(v))
                o.ports.push_back(to_u64(name, p, 0, 1023));
        } else if (name == "size") {
            o.size = to_u64(name, v, 60, 1518);
        } else if (name == "flows") {
            o.n_flows = to_u64(name, v, 1, 16'000'000);
        } else if (name == "dist") {
            if (v == "uniform") {
                o.dist = Distribution::kUniform;
            } else if (v == "zipf") {
                o.dist = Distribution::kZipf;
            } else {
                throw std::invalid_argument("--dist: uniform or zipf, got '" + v + "'");
            }
        } else if (name == "zipf-s") {
            o.zipf_s = to_double(name, v, 0.0, 10.0);
        } else if (name == "zipf-ring-bits") {
            o.zipf_ring_bits = to_u64(name, v, 10, 26);
        } else if (name == "seed") {
            o.seed = to_u64(name, v, 0, UINT64_MAX);
        } else if (name == "vary") {
            o.vary = parse_vary(v);
        } else if (name == "rate") {
            o.rate_pps = to_u64(name, v, 0, 1'000'000'000);
        } else if (name == "warmup") {
            o.warmup_s = to_double(name, v, 0.0, 3600.0);
        } else if (name == "duration") {
            o.duration_s = to_double(name, v, 0.001, 86400.0);
        } else if (name == "latency-every") {
            o.latency_every = to_u64(name, v, 0, 1'000'000);
        } else if (name == "burst") {
            o.burst = to_u64(name, v, 1, 64);
        } else if (name == "src-mac") {
            o.src_mac = v;
        } else if (name == "dst-mac") {
            o.dst_mac = v;
        } else if (name == "dump-sequence") {
            o.dump_sequence = to_u64(name, v, 1, 100'000'000);
        } else {
            throw std::invalid_argument("unknown option '" + a + "'");
        }
    }
    return o;
}

}  // namespace vs::vsgen
