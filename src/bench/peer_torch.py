#!/usr/bin/env python3
"""dal's PyTorch peer: the workloads of dal's benchmark (src/bench/*.ts, defined in README "Performance"), in PyTorch
on the CPU, so that `dal bench --peer` compares against the same computation on the same machine.

    /usr/bin/python3 src/bench/peer_torch.py [--threads 2] [--only gemm,conv,unet,nerf,sds,dmd] [--reps R]

Needs Debian's python3-torch and libopenblas0-pthread (apt-get install -y python3-torch libopenblas0-pthread).
Prints one JSON line: {"peer": "pytorch-<version>", "threads": n, "workloads": {name: {"ms": median, ...}}}.
Every time is the median wall time of `reps` steps after `warmup` untimed ones, in milliseconds, as dal's
src/bench/timing.ts measures it. Layouts are PyTorch's own (NCHW); the arithmetic is the same as dal's (NHWC).
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def median_ms(step, warmup, reps):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        step()
        times.append(1000.0 * (time.perf_counter() - start))
    return statistics.median(times)


def n_params(*modules):
    return sum(p.numel() for m in modules for p in m.parameters())


def cosine(t):
    """alpha(t) = cos(pi t / 2), sigma(t) = sin(pi t / 2), shaped [B, 1, 1, 1]."""
    a = torch.cos(0.5 * math.pi * t).view(-1, 1, 1, 1)
    s = torch.sin(0.5 * math.pi * t).view(-1, 1, 1, 1)
    return a, s


# ---------------------------------------------------------------------------------------------------------------
# The workload U-Net (DDPM-style): base 32 channels, multipliers (1, 2, 2), 2 residual blocks a level on the way down
# and 3 on the way up, one-head self-attention at 8x8, GroupNorm(8), SiLU, sinusoidal time embedding (128, t x 1000)
# -> 256 -> 256, plus an 11-row class table (10 classes + the null class 10).
# ---------------------------------------------------------------------------------------------------------------
class Residual(nn.Module):
    def __init__(self, c_in, c_out, emb_dim):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2 = nn.GroupNorm(8, c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else None

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x))) + self.emb(emb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + (x if self.shortcut is None else self.shortcut(x))


class SelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.norm = nn.GroupNorm(8, c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.out = nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).view(b, 3, c, h * w).unbind(1)  # each [B, C, N]
        attn = torch.softmax(torch.bmm(q.transpose(1, 2), k) / math.sqrt(c), dim=-1)  # [B, N, N]
        y = torch.bmm(v, attn.transpose(1, 2))  # [B, C, N]
        return x + self.out(y.view(b, c, h, w))


class Stage(nn.Module):
    """A residual block, optionally followed by attention and by a 2x nearest upsampling + 3x3 conv."""

    def __init__(self, c_in, c_out, emb_dim, attention, upsample):
        super().__init__()
        self.res = Residual(c_in, c_out, emb_dim)
        self.attn = SelfAttention(c_out) if attention else None
        self.up = nn.Conv2d(c_out, c_out, 3, padding=1) if upsample else None

    def forward(self, x, emb):
        x = self.res(x, emb)
        if self.attn is not None:
            x = self.attn(x)
        if self.up is not None:
            x = self.up(F.interpolate(x, scale_factor=2, mode="nearest"))
        return x


class WorkloadUNet(nn.Module):
    def __init__(self, channels_in=1, base=32, mult=(1, 2, 2), blocks=2, attention_at=8, size=32, classes=10):
        super().__init__()
        self.base = base
        emb_dim = 8 * base
        self.time1 = nn.Linear(4 * base, emb_dim)
        self.time2 = nn.Linear(emb_dim, emb_dim)
        self.classes = nn.Embedding(classes + 1, emb_dim)
        self.conv_in = nn.Conv2d(channels_in, base, 3, padding=1)
        self.down = nn.ModuleList()
        skips = [base]
        c, r = base, size
        for level, m in enumerate(mult):
            for _ in range(blocks):
                self.down.append(Stage(c, base * m, emb_dim, r == attention_at, False))
                c = base * m
                skips.append(c)
            if level < len(mult) - 1:
                self.down.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                skips.append(c)
                r //= 2
        self.mid1 = Residual(c, c, emb_dim)
        self.mid_attn = SelfAttention(c)
        self.mid2 = Residual(c, c, emb_dim)
        self.up = nn.ModuleList()
        for level in reversed(range(len(mult))):
            for j in range(blocks + 1):
                last = j == blocks and level > 0
                self.up.append(Stage(c + skips.pop(), base * mult[level], emb_dim, r == attention_at, last))
                c = base * mult[level]
                if last:
                    r *= 2
        self.norm_out = nn.GroupNorm(8, c)
        self.conv_out = nn.Conv2d(c, channels_in, 3, padding=1)

    def embedding(self, t, y):
        half = 2 * self.base
        freqs = torch.exp(torch.arange(half, dtype=torch.float32) * (-math.log(10000.0) / half))
        angles = 1000.0 * t[:, None] * freqs[None, :]
        sinusoid = torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)
        return self.time2(F.silu(self.time1(sinusoid))) + self.classes(y)

    def forward(self, x, t, y):
        emb = self.embedding(t, y)
        h = self.conv_in(x)
        skips = [h]
        for layer in self.down:
            h = layer(h, emb) if isinstance(layer, Stage) else layer(h)
            skips.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, emb)), emb)
        for stage in self.up:
            h = stage(torch.cat([h, skips.pop()], dim=1), emb)
        return self.conv_out(F.silu(self.norm_out(h)))


# ---------------------------------------------------------------------------------------------------------------
# The NeRF field and renderer: positional encoding of xyz with 6 frequencies (39 inputs), MLP 39->64->64->64->4 (ReLU),
# density softplus(out0 - 1), colour sigmoid(out1..3); stratified depths in [1, 4]; alpha compositing.
# ---------------------------------------------------------------------------------------------------------------
FREQS, NEAR, FAR = 6, 1.0, 4.0


def nerf_mlp():
    return nn.Sequential(nn.Linear(3 + 6 * FREQS, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                         nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 4))


def random_rays(n):
    """Origins N(0, 0.1^2) around (0, 0, 2.5), directions normalize(N(0, 0.2^2) + (0, 0, -1))."""
    origins = 0.1 * torch.randn(n, 3) + torch.tensor([0.0, 0.0, 2.5])
    directions = F.normalize(0.2 * torch.randn(n, 3) + torch.tensor([0.0, 0.0, -1.0]), dim=-1)
    return origins, directions


def render(mlp, origins, directions, samples, background=None):
    n = origins.shape[0]
    z = NEAR + (FAR - NEAR) * (torch.arange(samples, dtype=torch.float32) + torch.rand(n, samples)) / samples
    p = origins[:, None, :] + directions[:, None, :] * z[..., None]  # [R, S, 3]
    features = [p]
    for k in range(FREQS):
        features += [torch.sin((2.0 ** k) * p), torch.cos((2.0 ** k) * p)]
    out = mlp(torch.cat(features, dim=-1))
    density = F.softplus(out[..., 0] - 1.0)
    rgb = torch.sigmoid(out[..., 1:])
    delta = torch.cat([z[:, 1:] - z[:, :-1], torch.full((n, 1), 1e10)], dim=1)
    alpha = 1.0 - torch.exp(-density * delta)
    transmittance = torch.cumprod(torch.cat([torch.ones(n, 1), 1.0 - alpha + 1e-10], dim=1), dim=1)[:, :-1]
    weights = alpha * transmittance
    color = (weights[..., None] * rgb).sum(dim=1)
    if background is not None:
        color = color + (1.0 - weights.sum(dim=1, keepdim=True)) * background
    return color


# ---------------------------------------------------------------------------------------------------------------
# The workloads
# ---------------------------------------------------------------------------------------------------------------
def gemm(reps):
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    ms = median_ms(lambda: torch.mm(a, b), 2, reps or 10)
    return {"ms": ms, "gflops": 2 * n ** 3 / ms / 1e6}


def conv(reps):
    n, c, hw = 32, 64, 32
    layer = nn.Conv2d(c, c, 3, padding=1)
    x = torch.randn(n, c, hw, hw, requires_grad=True)

    def step():
        x.grad = None
        layer.zero_grad(set_to_none=True)
        layer(x).pow(2).mean().backward()

    ms = median_ms(step, 2, reps or 7)
    return {"ms": ms, "gflops": 3 * 2 * n * hw * hw * c * c * 9 / ms / 1e6}


def unet(reps):
    torch.manual_seed(0)
    net = WorkloadUNet()
    opt = torch.optim.Adam(net.parameters(), lr=2e-4)
    x0 = torch.randn(32, 1, 32, 32)
    y = torch.randint(0, 11, (32,))

    def step():
        t = torch.rand(32)
        eps = torch.randn_like(x0)
        a, s = cosine(t)
        loss = F.mse_loss(net(a * x0 + s * eps, t, y), eps)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    ms = median_ms(step, 2, reps or 5)
    with torch.no_grad():
        forward = median_ms(lambda: net(x0, torch.rand(32), y), 2, reps or 5)
    return {"ms": ms, "forward_ms": forward, "params": n_params(net)}


def nerf(reps):
    torch.manual_seed(0)
    rays = 4096
    mlp = nerf_mlp()
    opt = torch.optim.Adam(mlp.parameters(), lr=1e-3)
    origins, directions = random_rays(rays)
    target = torch.rand(rays, 3)

    def step():
        loss = F.mse_loss(render(mlp, origins, directions, 64), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return {"ms": median_ms(step, 2, reps or 5), "params": n_params(mlp)}


def sds(reps):
    """One DreamFusion step: 4 views of 32x32 rendered from the nerf field over white, in [-1, 1], noised at
    t ~ U[0.02, 0.98]; the frozen 3-channel U-Net scores them under CFG 7.5 (one batched forward of 8, no gradient);
    g = sigma^2 (eps_cfg - eps) enters as the detached-target loss 1/2 sum (x - stopgrad(x - g))^2; Adam on the field."""
    torch.manual_seed(0)
    views, size, samples, scale = 4, 32, 64, 7.5
    mlp = nerf_mlp()
    opt = torch.optim.Adam(mlp.parameters(), lr=1e-3)
    prior = WorkloadUNet(channels_in=3).eval().requires_grad_(False)
    origins, directions = random_rays(views * size * size)
    y = torch.randint(0, 10, (views,))
    y_null = torch.full_like(y, 10)

    def step():
        img = render(mlp, origins, directions, samples, background=1.0)  # [V*H*W, 3]
        x = 2.0 * img.view(views, size, size, 3).permute(0, 3, 1, 2) - 1.0
        t = 0.02 + 0.96 * torch.rand(views)
        a, s = cosine(t)
        eps = torch.randn_like(x)
        with torch.no_grad():
            xt = a * x + s * eps
            e_cond, e_null = prior(torch.cat([xt, xt]), torch.cat([t, t]), torch.cat([y, y_null])).chunk(2)
            g = s ** 2 * (e_null + scale * (e_cond - e_null) - eps)
        loss = 0.5 * (x - (x - g).detach()).pow(2).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return {"ms": median_ms(step, 2, reps or 5), "params": n_params(mlp), "unet_params": n_params(prior)}


def dmd(reps):
    """One DMD iteration, batch 16 of 32x32x1 with labels. The generator G (the workload U-Net) maps noise z to
    x = (z - sigma_g eps_G(z, t_g, y)) / max(alpha_g, 0.05) at t_g = 0.98; x_t = alpha x + sigma eps, t ~ U[0.02, 0.98];
    without gradient: the frozen real score under CFG 2 (one forward of 32) and the fake score (one forward of 16), each
    turned into x0-predictions; g = (x0_fake - x0_real) / mean|x - x0_real| per sample (DMD eq. 8) enters as
    1/2 mean (x - stopgrad(x - g))^2; Adam on G; then one denoising step of the fake score on the detached x (eps
    regression at t ~ U[0, 1]; forward, backward, Adam)."""
    torch.manual_seed(0)
    b = 16
    gen, real, fake = WorkloadUNet(), WorkloadUNet().eval().requires_grad_(False), WorkloadUNet()
    opt_g = torch.optim.Adam(gen.parameters(), lr=1e-5)
    opt_f = torch.optim.Adam(fake.parameters(), lr=1e-5)
    y = torch.randint(0, 10, (b,))
    y_null = torch.full_like(y, 10)
    t_g = torch.full((b,), 0.98)
    a_g, s_g = cosine(t_g)

    def step():
        z = torch.randn(b, 1, 32, 32)
        x = (z - s_g * gen(z, t_g, y)) / a_g.clamp(min=0.05)
        t = 0.02 + 0.96 * torch.rand(b)
        a, s = cosine(t)
        eps = torch.randn_like(x)
        with torch.no_grad():
            xt = a * x + s * eps
            e_cond, e_null = real(torch.cat([xt, xt]), torch.cat([t, t]), torch.cat([y, y_null])).chunk(2)
            x_real = (xt - s * (e_null + 2.0 * (e_cond - e_null))) / a
            x_fake = (xt - s * fake(xt, t, y)) / a
            g = (x_fake - x_real) / (x - x_real).abs().mean(dim=(1, 2, 3), keepdim=True)
        loss_g = 0.5 * (x - (x - g).detach()).pow(2).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        x_d = x.detach()
        t2 = torch.rand(b)
        a2, s2 = cosine(t2)
        e2 = torch.randn_like(x_d)
        loss_f = F.mse_loss(fake(a2 * x_d + s2 * e2, t2, y), e2)
        opt_f.zero_grad(set_to_none=True)
        loss_f.backward()
        opt_f.step()

    return {"ms": median_ms(step, 1, reps or 3), "params": n_params(gen)}


WORKLOADS = {"gemm": gemm, "conv": conv, "unet": unet, "nerf": nerf, "sds": sds, "dmd": dmd}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default=",".join(WORKLOADS))
    parser.add_argument("--reps", type=int, default=0, help="timed steps per workload (default: each workload's own)")
    args = parser.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(WORKLOADS)}")
    torch.set_num_threads(args.threads)
    results = {name: WORKLOADS[name](args.reps) for name in names}
    print(json.dumps({"peer": "pytorch-" + torch.__version__, "threads": args.threads, "workloads": results}))


if __name__ == "__main__":
    main()
