#!/usr/bin/python3
"""vsbench: packet rate of the switch, side by side with peers, on this machine.

For every rule set, packet size and flow count it starts the switch under test (our vswitchd, or
a peer: Open vSwitch with DPDK or its userspace datapath, the Linux bridge, dpdk-testpmd
io-forward) in a scratch directory on a topology (topology.py: vhost-user, memif "ring", veth
between two network namespaces), installs the rules with ovs-ofctl, and runs a traffic generator
against it --runs times for --duration seconds each (veth: then iperf3 TCP as long). Per run
it records the forwarded and offered rates, the switch's busy PMD cycles per packet and cache
hit rates (dpif-netdev/pmd-stats-show), upcalls, loss, the CPU load of other users of the machine
(/proc/stat minus our processes), and whether the generator rather than the switch was the
bottleneck. Reports median and spread, and ratios to the peers.

  vsbench --topology vhost --rules portfwd --size 64 --flows 1,1000 --peer testpmd \\
          --peer ovs-dpdk --duration 10 --runs 3 [--json] [--plot out.png]
  vsbench --topology veth --rules normal --peer ovs --peer linux-bridge --runs 3 --duration 5
  vsbench --rules l3 --flows 100000 --dist zipf --latency [--rate MPPS]   # with vsgen
  vsbench --micro [--json]      # the Google Benchmark micro-benchmarks
  vsbench --report out.json [--plot out.png]   # a saved --json run as a Markdown table

Needs root (DPDK, vhost-user sockets, namespaces). Finds vswitchd and appctl in $VS_BIN_DIR
(default build/bin). Exit: 0 done, 1 a step failed, 2 usage (also a --peer the --topology cannot
carry: ovs and linux-bridge need veth; ovs-dpdk cannot do ring, see topology.py)."""

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from procs import BenchError, CpuMeter  # noqa: E402
from report import attach_ratios, markdown, plot, print_table  # noqa: E402
from systems import SYSTEMS  # noqa: E402
from topology import PEERS, TOPOLOGIES, WHY_NOT  # noqa: E402
import generator as traffic  # noqa: E402

VERSION = "vsbench (vswitch) 0.1.0"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MICRO = ["parse_bench", "classifier_bench", "actions_bench", "xlate_bench"]
WARMUP_S = 2.0
# Which side limited a run. The switch did when it dropped 5 % or more of what it received.
# Otherwise the generator did when it did not get most of its core (other users' load), or when
# it never found the switch's receive ring full (the switch kept up with all it was offered).
GEN_MIN_CORES = 0.8
RING_FULL_LIMIT = 0.05
LOSS_LIMIT = 0.05


def bin_dir():
    return os.environ.get("VS_BIN_DIR") or os.path.join(ROOT, "build", "bin")


def int_list(text):
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: '{text}'")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"values must be positive: '{text}'")
    return values


def rules_list(text):
    values = text.split(",")
    for v in values:
        if v not in ("normal", "portfwd", "l3", "pipeline"):
            raise argparse.ArgumentTypeError(
                f"unknown rules '{v}' (normal, portfwd, l3, pipeline)")
    return values


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="vsbench", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("--version", action="version", version=VERSION)
    ap.add_argument("--topology", choices=["ring", "vhost", "veth"], default="vhost")
    ap.add_argument("--rules", type=rules_list, default=["portfwd"],
                    help="normal, portfwd, l3 or pipeline (10 000 rules over 4 "
                         "tables); comma-separated for several")
    ap.add_argument("--size", type=int_list, default=[64], help="frame bytes (list allowed)")
    ap.add_argument("--flows", type=int_list, default=[1], help="flow counts, e.g. 1,1000")
    ap.add_argument("--masks", type=int, default=1, help="distinct masks of the l3 rules (1-33)")
    ap.add_argument("--generator", choices=["testpmd", "vsgen"],
                    help="testpmd flowgen (default), or vsgen (default for --dist zipf, "
                    "--latency, --rate)")
    ap.add_argument("--dist", choices=["uniform", "zipf"], default="uniform",
                    help="flow popularity (zipf: s = 1; vsgen)")
    ap.add_argument("--latency", action="store_true", help="latency percentiles (vsgen)")
    ap.add_argument("--rate", type=float, default=0, metavar="MPPS",
                    help="offered rate limit, 0 = as fast as possible (vsgen)")
    ap.add_argument("--peer", action="append", default=[],
                    choices=["ovs-dpdk", "ovs", "linux-bridge", "testpmd"])
    ap.add_argument("--no-vswitch", action="store_true", help="measure only the peers")
    ap.add_argument("--duration", type=float, default=10, help="seconds per run")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print JSON (CONTRACT.md) on stdout")
    ap.add_argument("--plot", metavar="FILE.png", help="plot Mpps against flows (and size)")
    ap.add_argument("--micro", action="store_true",
                    help="run the Google Benchmark micro-benchmarks instead")
    ap.add_argument("--report", metavar="FILE.json",
                    help="print a saved --json result as a Markdown table (and --plot it)")
    ap.add_argument("--keep-work", action="store_true", help="keep the scratch directory")
    args = ap.parse_args(argv)
    if not 1 <= args.masks <= 33:
        ap.error("--masks must be 1..33")
    vsgen_only = args.dist == "zipf" or args.latency or args.rate > 0
    if args.generator == "testpmd" and vsgen_only:
        ap.error("--dist zipf, --latency and --rate need --generator vsgen")
    args.generator = args.generator or ("vsgen" if vsgen_only else "testpmd")
    if args.generator == "vsgen" and args.topology == "veth":
        ap.error("--generator vsgen runs on the vhost and ring topologies")
    if args.masks > 1 and args.rules != ["l3"]:
        ap.error("--masks applies to --rules l3 only")
    if args.runs < 1 or args.duration <= 0:
        ap.error("--runs and --duration must be positive")
    if any(s < 60 or s > 1518 for s in args.size):
        ap.error("--size must be 60..1518")
    if args.topology == "ring" and len(args.size) > 1:
        # DPDK 22.11's memif server takes one client per switch start (topology.py); one vsgen
        # or testpmd process serves all the runs' windows.
        ap.error("--topology ring takes one --size per invocation")
    for peer in args.peer:  # e.g. the Linux bridge has no DPDK ports: veth only
        if peer not in PEERS[args.topology]:
            why = WHY_NOT.get((peer, args.topology)) or WHY_NOT.get(peer, "")
            ap.error(f"--peer {peer} cannot run on --topology {args.topology}"
                     + (f" ({why})" if why else "") + "; it runs on: "
                     + ", ".join(t for t, ps in PEERS.items() if peer in ps))
    return args


def generator_bound(run):
    if (run.get("loss") or 0) >= LOSS_LIMIT:
        return False  # the switch dropped what it was given
    if run.get("topology") == "veth":
        return True  # no back-pressure on a veth: a switch that kept up was not the limit
    if run.get("rate_limit_pps"):  # vsgen --rate idles by design: only a full ring says "switch"
        return (run.get("generator_tx_full") or 0) < RING_FULL_LIMIT
    if run.get("generator_cores", 1) < GEN_MIN_CORES:
        return True
    full = run.get("generator_tx_full")
    return bool(full is not None and full < RING_FULL_LIMIT)


def watch_flow_setup(system, seconds):
    """Sleeps through the warm-up while sampling the switch's successful-upcall counter; returns
    the peak flow setups per second over half-second windows (new flows are set up during the
    warm-up), or None for a system without that counter."""
    t_end = time.time() + seconds
    system.clear_stats()
    samples = [(time.time(), 0)]
    while time.time() < t_end - 0.05:
        time.sleep(min(0.25, max(0.0, t_end - time.time())))
        upcalls = system.stats().get("upcalls")
        if upcalls is None:
            time.sleep(max(0.0, t_end - time.time()))
            return None
        samples.append((time.time(), upcalls))
    best = 0.0
    for i, (t0, u0) in enumerate(samples):
        later = next(((t, u) for t, u in samples[i + 1:] if t - t0 >= 0.45), None)
        if later:
            best = max(best, (later[1] - u0) / (later[0] - t0))
    return round(best)


def one_run(system, flows, size, duration, work, tag):
    gen = system.topo.generator(flows, size, work, tag)  # topology.py
    try:
        gen.start()
        setups = watch_flow_setup(system, WARMUP_S)  # links up, megaflows set up
        system.clear_stats()
        cpu = CpuMeter(system.pids() + [gen.pid], gen.pid)
        gen.begin()
        t0 = time.time()
        time.sleep(duration)
        rx_pps, tx_pps, gen_drop = gen.end()
        gen_extra = getattr(gen, "extra", dict)()  # generator.py: latency, busy share
        window_s = time.time() - t0
        load = cpu.finish()
        stats = system.stats()
    finally:
        gen.stop()
    extra = system.topo.after_window(system, duration)  # veth: iperf3 TCP Gbit/s
    run = {"mpps": round(rx_pps / 1e6, 3), "offered_mpps": round(tx_pps / 1e6, 3),
           "gbps": round(rx_pps * size * 8 / 1e9, 3),
           "loss": round(max(0.0, 1 - rx_pps / tx_pps), 4) if tx_pps else None,
           "generator_tx_full": gen_drop, "flow_setups_per_s": setups, **stats, **load, **extra,
           **gen_extra}
    if system.topo.name == "veth":
        run["topology"] = "veth"
    if "upcalls" in stats:
        run["upcalls_per_s"] = round(stats["upcalls"] / window_s)
    run["generator_bound"] = generator_bound(run)
    return run


def summarize(system, rules, topology, size, flows, masks, setup_s, runs):
    def med(key):
        vals = [r[key] for r in runs if r.get(key) is not None]
        return round(statistics.median(vals), 4) if vals else None

    mpps = [r["mpps"] for r in runs]
    return {"system": system, "topology": topology, "rules": rules, "size": size,
            "flows": flows, "masks": masks, "mpps": med("mpps"), "gbps": med("gbps"),
            "cycles_per_packet": med("cycles_per_packet"),
            "mpps_spread": [min(mpps), max(mpps)],
            "offered_mpps": med("offered_mpps"), "emc_hit_rate": med("emc_hit_rate"),
            "megaflow_hit_rate": med("megaflow_hit_rate"),
            "simple_match_hit_rate": med("simple_match_hit_rate"),
            "upcalls_per_s": med("upcalls_per_s"),
            # New flows meet the switch in the first run's warm-up (later runs find them set
            # up): the best run's peak, not the median.
            "flow_setups_per_s": max((r["flow_setups_per_s"] for r in runs
                                      if r.get("flow_setups_per_s") is not None), default=None),
            "loss": med("loss"), "foreign_load": med("foreign_load"),
            **({"tcp_gbps": med("tcp_gbps")} if topology == "veth" else {}),
            "generator_bound_runs": sum(r["generator_bound"] for r in runs),
            "rule_setup_s": setup_s, "runs": runs}


def measure(args, work, log, results):
    names = ([] if args.no_vswitch else ["vswitch"]) + list(dict.fromkeys(args.peer))
    for n in names:
        if n not in SYSTEMS:
            raise BenchError(f"--peer {n} is not implemented for --topology {args.topology} yet")
    topo = TOPOLOGIES[args.topology](work)
    for rules in args.rules:
        for name in names:
            if name in ("testpmd", "linux-bridge") and rules != args.rules[0]:
                continue  # io-forward ignores rules, the bridge always learns: measure once
            for flows in args.flows:
                system = SYSTEMS[name](work, bin_dir(), topo)
                try:
                    system.start()
                    setup_s = system.install_rules(rules, flows, args.masks)
                    for size in args.size:
                        runs = [one_run(system, flows, size, args.duration, work,
                                        f"{name}-{rules}-{flows}-{size}-{i}")
                                for i in range(args.runs)]
                        r = summarize(name, {"testpmd": "none", "linux-bridge": "normal"}.get(
                                          name, rules),
                                      args.topology, size, flows, args.masks, setup_s, runs)
                        r.update(traffic.summary(runs))
                        results.append(r)
                        log(r)
                finally:
                    system.stop()


def run_micro(args):
    out = {}
    for name in MICRO:
        path = os.path.join(bin_dir(), name)
        if not os.access(path, os.X_OK):
            raise BenchError(f"{path} not built (cmake --build build --target {name})")
        cmd = [path, "--benchmark_min_time=0.2"]
        if args.json:
            import subprocess
            p = subprocess.run(cmd + ["--benchmark_format=json"], capture_output=True, text=True)
            if p.returncode != 0:
                raise BenchError(f"{name} failed: {p.stderr.strip()[-300:]}")
            out[name] = json.loads(p.stdout)["benchmarks"]
        else:
            sys.stdout.flush()
            if os.spawnv(os.P_WAIT, path, cmd) != 0:
                raise BenchError(f"{name} failed")
    if args.json:
        json.dump({"machine": machine(), "micro": out}, sys.stdout, indent=1)
        print()


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")),
                         "")
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "kernel": platform.release(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": "vsbench " + " ".join(sys.argv[1:])}


def interrupted(signum, frame):
    raise KeyboardInterrupt  # unwinds through every cleanup: switches, generators, scratch dirs


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    try:
        if args.micro:
            return run_micro(args) or 0
        if args.report:
            with open(args.report) as f:
                results = json.load(f)["results"]
            for r in results:  # re-judged with this version's rule
                for run in r["runs"]:
                    run["generator_bound"] = generator_bound(run)
                r["generator_bound_runs"] = sum(run["generator_bound"] for run in r["runs"])
            print(markdown(results))
            if args.plot:
                plot(results, args.plot)
            return 0
        if os.geteuid() != 0:
            raise BenchError("needs root (DPDK, vhost-user sockets)")
        if shutil.which("dpdk-testpmd") is None:
            raise BenchError("dpdk-testpmd not found (Debian package dpdk)")
        work = tempfile.mkdtemp(prefix="vsbench-")
        results = []
        try:
            progress = sys.stderr if args.json else sys.stdout  # JSON alone on stdout

            def log(r):
                print_table([r], header=False, out=progress)
            print_table([], header=True, out=progress)
            traffic.configure(kind=args.generator, dist=args.dist, latency=args.latency,
                              rate_pps=round(args.rate * 1e6), masks=args.masks,
                              bin_dir=bin_dir())
            measure(args, work, log, results)
        except BenchError as e:
            if args.json and results:  # what was measured before the failure is not lost
                json.dump({"machine": machine(), "results": results, "error": str(e)},
                          sys.stdout, indent=1)
                print()
            raise
        finally:
            if args.keep_work:
                print(f"vsbench: scratch directory kept: {work}", file=sys.stderr)
            else:
                shutil.rmtree(work, ignore_errors=True)
        attach_ratios(results)
        if args.json:
            json.dump({"machine": machine(), "results": results}, sys.stdout, indent=1)
            print()
        else:
            print_table(results, header=True, out=sys.stdout, ratios=True)
        if args.plot:
            plot(results, args.plot)
        return 0
    except BenchError as e:
        print(f"vsbench: {e}".splitlines()[0] if not os.environ.get("VSBENCH_DEBUG")
              else f"vsbench: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("vsbench: interrupted", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
