"""vsbench's output: the text table, ratios of our switch against each peer measured in the same
invocation, and a plot (Mpps against flows, one line per system and rule set) with matplotlib."""


def _pct(v):
    return f"{v * 100:.0f}%" if v is not None else "-"


def _num(v, fmt="{:.0f}"):
    return fmt.format(v) if v is not None else "-"


COLUMNS = ("system", "rules", "size", "flows", "Mpps", "min-max", "offered", "cyc/pkt", "emc",
           "mflow", "upcall/s", "loss", "foreign", "gen-bound", "lat p50/p99 us", "TCP Gb/s")
WIDTHS = (9, 8, 5, 7, 6, 12, 7, 8, 5, 5, 9, 5, 8, 9, 14, 8)


def _latency(r):
    """Median p50/p99 latency in microseconds (vsgen --latency), or '-'."""
    lat = r.get("latency_ns")
    return f"{lat['p50_ns'] / 1e3:.1f}/{lat['p99_ns'] / 1e3:.1f}" if lat else "-"


def _row(cells):
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, WIDTHS)).rstrip()


def print_table(results, header, out, ratios=False):
    if header:
        print(_row(COLUMNS), file=out)
    for r in results:
        lo, hi = r["mpps_spread"]
        print(_row((r["system"], r["rules"], r["size"], r["flows"], f"{r['mpps']:.2f}",
                    f"{lo:.2f}-{hi:.2f}", _num(r["offered_mpps"], "{:.2f}"),
                    _num(r["cycles_per_packet"]), _pct(r["emc_hit_rate"]),
                    _pct(r["megaflow_hit_rate"]), _num(r["upcalls_per_s"]), _pct(r["loss"]),
                    _pct(r["foreign_load"]),
                    f"{r['generator_bound_runs']}/{len(r['runs'])}", _latency(r),
                    _num(r.get("tcp_gbps"), "{:.2f}"))), file=out, flush=True)
    if ratios:
        for r in results:
            for peer, q in r.get("ratios", {}).items():
                cyc = q.get("cycles_per_packet")
                tcp = q.get("tcp_gbps")
                print(f"rules={r['rules']} size={r['size']} flows={r['flows']}: vswitch / {peer}"
                      f" = {_num(q['mpps'], '{:.2f}')}x Mpps"
                      + (f", {cyc:.2f}x cycles per packet" if cyc is not None else "")
                      + (f", {tcp:.2f}x TCP Gbit/s" if tcp is not None else ""), file=out)


def attach_ratios(results):
    """vswitch result["ratios"][peer] = {"mpps": ours/theirs, "cycles_per_packet": ours/theirs}
    for every peer measured on the same topology, size, flows and rules (testpmd: any rules)."""
    for r in results:
        if r["system"] != "vswitch":
            continue
        ratios = {}
        for p in results:
            if p["system"] == "vswitch" or (p["topology"], p["size"], p["flows"]) != (
                    r["topology"], r["size"], r["flows"]):
                continue
            if p["rules"] not in (r["rules"], "none"):
                continue
            q = {"mpps": round(r["mpps"] / p["mpps"], 3) if p["mpps"] else None}
            if r["cycles_per_packet"] and p["cycles_per_packet"]:
                q["cycles_per_packet"] = round(r["cycles_per_packet"] / p["cycles_per_packet"], 3)
            if r.get("flow_setups_per_s") and p.get("flow_setups_per_s"):
                q["flow_setups_per_s"] = round(r["flow_setups_per_s"] / p["flow_setups_per_s"], 2)
            if r.get("tcp_gbps") and p.get("tcp_gbps"):  # veth: iperf3
                q["tcp_gbps"] = round(r["tcp_gbps"] / p["tcp_gbps"], 3)
            ratios[p["system"]] = q
        r["ratios"] = ratios


def plot(results, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        from procs import BenchError
        raise BenchError("--plot needs matplotlib (Debian: python3-matplotlib, /usr/bin/python3)")

    sizes = sorted({r["size"] for r in results})
    fig, axes = plt.subplots(1, len(sizes), figsize=(6 * len(sizes), 4.5), squeeze=False)
    for ax, size in zip(axes[0], sizes):
        lines = {}
        for r in results:
            if r["size"] == size:
                lines.setdefault((r["system"], r["rules"]), []).append(r)
        for (system, rules), rs in sorted(lines.items()):
            rs.sort(key=lambda r: r["flows"])
            xs = [r["flows"] for r in rs]
            ys = [r["mpps"] for r in rs]
            err = [[r["mpps"] - r["mpps_spread"][0] for r in rs],
                   [r["mpps_spread"][1] - r["mpps"] for r in rs]]
            ax.errorbar(xs, ys, yerr=err, marker="o", capsize=3, label=f"{system} ({rules})")
        ax.set_xscale("log")
        ax.set_xlabel("flows")
        ax.set_ylabel("Mpps (median, min-max)")
        ax.set_title(f"{size}-byte packets, {results[0]['topology']} topology")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def markdown(results):
    """The README's table: one row per rule set and flow count, ours beside each peer, with
    cycles-per-packet ratios against Open vSwitch with DPDK and the foreign load measured."""
    if results and results[0]["topology"] != "vhost":
        return markdown_by_peer(results)
    def cell(r):
        if r is None:
            return "-"
        lo, hi = r["mpps_spread"]
        cyc = f", {r['cycles_per_packet']:.0f} cyc/pkt" if r["cycles_per_packet"] else ""
        gb = r["generator_bound_runs"]
        flag = f" (gen-bound {gb}/{len(r['runs'])})" if gb else ""
        lat = f", latency p50/p99 {_latency(r)} us" if r.get("latency_ns") else ""
        return f"{r['mpps']:.2f} ({lo:.2f}-{hi:.2f}){cyc}{lat}{flag}"

    def foreign(rs):
        vals = [run["foreign_load"] for r in rs if r for run in r["runs"]]
        return f"{min(vals) * 100:.0f}-{max(vals) * 100:.0f} %" if vals else "-"

    index = {(r["system"], r["rules"], r["size"], r["flows"]): r for r in results}
    lines = ["| rules | flows | vswitch Mpps (min-max), cycles/pkt | OVS-DPDK | testpmd io-fwd |"
             " cycles vs OVS-DPDK | foreign load |", "|---|---|---|---|---|---|---|"]
    for r in results:
        if r["system"] != "vswitch":
            continue
        ovs = index.get(("ovs-dpdk", r["rules"], r["size"], r["flows"]))
        fwd = index.get(("testpmd", "none", r["size"], r["flows"]))
        ratio = r.get("ratios", {}).get("ovs-dpdk", {}).get("cycles_per_packet")
        lines.append(f"| {r['rules']} | {r['flows']:,} | {cell(r)} | {cell(ovs)} | {cell(fwd)} | "
                     + (f"{ratio:.2f}" if ratio else "-") + f" | {foreign([r, ovs, fwd])} |")
    return "\n".join(lines)


def markdown_by_peer(results):
    """The README's table for the ring and veth topologies: one row per rule set and flow count,
    a column per system measured (in the order measured), the foreign load; on veth also what
    the generator offered and iperf3's TCP Gbit/s (median, min-max)."""
    systems = list(dict.fromkeys(r["system"] for r in results))
    veth = results[0]["topology"] == "veth"

    def spread(r, key):
        vals = [run[key] for run in r["runs"] if run.get(key) is not None]
        return f"{min(vals):.2f}-{max(vals):.2f}" if vals else "-"

    def cell(r):
        if r is None:
            return "-"
        lo, hi = r["mpps_spread"]
        text = f"{r['mpps']:.2f} ({lo:.2f}-{hi:.2f})"
        if veth:
            text += f" of {r['offered_mpps']:.2f}"
        if r["cycles_per_packet"]:
            text += f", {r['cycles_per_packet']:.0f} cyc/pkt"
        gb = r["generator_bound_runs"]
        text += f" (gen-bound {gb}/{len(r['runs'])})" if gb else ""
        if veth and r.get("tcp_gbps") is not None:
            text += f"; TCP {r['tcp_gbps']:.2f} ({spread(r, 'tcp_gbps')}) Gbit/s"
        return text

    index = {(r["system"], r["rules"], r["size"], r["flows"]): r for r in results}
    rows = list(dict.fromkeys((r["rules"], r["size"], r["flows"]) for r in results
                              if r["system"] not in ("testpmd", "linux-bridge")))
    head = "Mpps (min-max)" + (" of offered" if veth else "") + ", cycles/pkt" + (
        "; TCP Gbit/s" if veth else "")
    rows = rows or list(dict.fromkeys((r["rules"], r["size"], r["flows"]) for r in results))
    lines = ["| rules | flows | " + " | ".join(
        f"{s} {head}" if i == 0 else s for i, s in enumerate(systems)) + " | foreign load |",
        "|---|---|" + "---|" * len(systems) + "---|"]
    for rules, size, flows in rows:
        cells = [index.get((s, rules, size, flows)) or index.get((s, "none", size, flows))
                 or (index.get((s, "normal", size, flows)) if s == "linux-bridge" else None)
                 for s in systems]
        vals = [run["foreign_load"] for c in cells if c for run in c["runs"]]
        load = f"{min(vals) * 100:.0f}-{max(vals) * 100:.0f} %" if vals else "-"
        lines.append(f"| {rules} | {flows:,} | " + " | ".join(cell(c) for c in cells)
                     + f" | {load} |")
    return "\n".join(lines)
