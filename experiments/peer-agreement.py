#!/usr/bin/env python3
"""Does dal's PyTorch peer (src/bench/peer_torch.py) agree with ../shared/bench/peer_torch.py?

1. The same networks: equal parameter counts, and with the shared U-Net's weights copied into dal's in order, the same
   outputs (max |difference| printed; 0 means the same function).
2. The same times: both peers' workloads alternate in one process (A B A B ..., N rounds, 2 threads), and each side's
   median and min-max over the rounds are printed, so that a difference can be judged against the run-to-run range.

    /usr/bin/python3 experiments/peer-agreement.py [--rounds 3] [--only gemm,conv,nerf,unet,sds,dmd] [--shared PATH]
Needs ../shared beside the repository (it is the only thing here that does).
"""
import argparse, importlib.util, json, os, statistics, sys, time
import torch

here = os.path.dirname(os.path.abspath(__file__))


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ap = argparse.ArgumentParser()
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--only", default="gemm,conv,nerf,unet,sds,dmd")
ap.add_argument("--shared", default=os.path.join(here, "..", "..", "shared", "bench", "peer_torch.py"))
args = ap.parse_args()
torch.set_num_threads(2)
mine = load("dal_peer", os.path.join(here, "..", "src", "bench", "peer_torch.py"))
ref = load("shared_peer", args.shared)

for cin in (1, 3):
    torch.manual_seed(1)
    a, b = mine.WorkloadUNet(channels_in=cin), ref.UNet(cin=cin)
    pa, pb = list(a.parameters()), list(b.parameters())
    assert [p.shape for p in pa] == [p.shape for p in pb], "parameter shapes differ"
    with torch.no_grad():
        for p, q in zip(pa, pb):
            p.copy_(q)
        x, t, y = torch.randn(4, cin, 32, 32), torch.rand(4), torch.tensor([0, 3, 9, 10])
        diff = (a(x, t, y) - b(x, t, y)).abs().max().item()
    print(f"unet, {cin} channel(s): parameters {sum(p.numel() for p in pa):,} (dal) vs {sum(p.numel() for p in pb):,} (shared); "
          f"max |output difference| with the same weights {diff:.1e}")
print(f"nerf field: parameters {sum(p.numel() for p in mine.nerf_mlp().parameters()):,} (dal)")

times = {}
for name in args.only.split(","):
    times[name] = {"dal": [], "shared": []}
    for r in range(args.rounds):
        times[name]["dal"].append(mine.WORKLOADS[name](0)["ms"])
        times[name]["shared"].append(getattr(ref, "bench_" + name)()["ms"])
        print(f"{name} round {r + 1}: dal peer {times[name]['dal'][-1]:.1f} ms, shared peer {times[name]['shared'][-1]:.1f} ms", flush=True)
print(f"load average after: {os.getloadavg()}")
print("| workload | dal's peer ms, median [min–max] | shared peer ms, median [min–max] | ratio of medians |")
print("|---|---|---|---|")
for name, t in times.items():
    f = lambda v: f"{statistics.median(v):.1f} [{min(v):.1f}–{max(v):.1f}]"
    print(f"| {name} | {f(t['dal'])} | {f(t['shared'])} | {statistics.median(t['dal']) / statistics.median(t['shared']):.2f} |")
