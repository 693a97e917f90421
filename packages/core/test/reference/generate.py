#!/usr/bin/python3
"""
Independent reference values for every float64 scalar quantity of @ddpm-derived/core.

Each value is computed with mpmath at 60 significant digits (written out to 40) from the *double* inputs the
TypeScript function receives, so a difference is the function's own error, not an input's. Nothing here imports or
ports core's code: every formula is written again from its definition (docs/FORMULAS.md, the cited papers).

Each case is {"q": quantity name, "args": [...], "ref": [hi, lo, "40 digits"]} where hi is the double nearest the
exact value and lo = exact − hi rounded to a double, so the tests measure errors in ulps exactly (not ±½ ulp).
Arrays (embeddings, bin probabilities) give "ref" per element.

Regenerate (Debian: apt-get install -y python3-mpmath python3-numpy):
    /usr/bin/python3 packages/core/test/reference/generate.py
The tests read the JSON files written next to this script; they never run it.
"""
import json
import os
import sys

import mpmath as mp
import numpy as np

mp.mp.dps = 60
HERE = os.path.dirname(os.path.abspath(__file__))


def ref(v):
    """[nearest double, residual as a double, 40 significant digits] of an mpmath number (or ±inf)."""
    v = mp.mpf(v)
    if mp.isinf(v):
        return [None, None, '+inf' if v > 0 else '-inf']
    hi = float(v)  # mpmath rounds to nearest
    lo = float(v - mp.mpf(hi))
    return [hi, lo, mp.nstr(v, 40, min_fixed=-5, max_fixed=5)]


def case(q, args, value):
    return {'q': q, 'args': args, 'ref': ref(value)}


# ---------------------------------------------------------------- schedules (C1, C2, C6, C9)
def linear_betas(T, b0=1e-4, b1=0.02):
    b0, b1 = mp.mpf(b0), mp.mpf(b1)
    return [None] + [b0 + (b1 - b0) * mp.mpf(i) / (T - 1) for i in range(T)]


def s2_betas(T):
    return [None] + [mp.mpf(0.02) * t / T for t in range(1, T + 1)]


def cosine_betas(T, s=0.008, max_beta=0.999):
    s = mp.mpf(s)
    f = lambda t: mp.cos((mp.mpf(t) / T + s) / (1 + s) * mp.pi / 2) ** 2
    return [None] + [min(1 - f(t) / f(t - 1), mp.mpf(max_beta)) for t in range(1, T + 1)]


SCHEDULES = {
    'linear1000': (lambda: linear_betas(1000), 1000),
    'linear100': (lambda: linear_betas(100), 100),
    's2_1000': (lambda: s2_betas(1000), 1000),
    'cosine1000': (lambda: cosine_betas(1000), 1000),
}
STEPS = [1, 2, 3, 5, 10, 30, 50, 100, 250, 500, 750, 900, 990, 999, 1000]


def schedule_tables(betas, T):
    alphas = [mp.mpf(1)] + [1 - betas[t] for t in range(1, T + 1)]
    # 1 − ᾱ_t by its own sum, never as 1 minus a rounded product: the reference must not share our cancellation.
    log_ab = [mp.mpf(0)]
    for t in range(1, T + 1):
        log_ab.append(log_ab[-1] + mp.log(alphas[t]))
    ab = [mp.exp(l) for l in log_ab]
    one_minus = [-mp.expm1(l) for l in log_ab]
    return alphas, ab, one_minus


def schedule_cases():
    out = []
    for name, (make, T) in SCHEDULES.items():
        betas = make()
        alphas, ab, om = schedule_tables(betas, T)
        steps = [t for t in STEPS if t <= T] + ([T - 1, T] if T not in STEPS else [])
        steps = sorted(set(steps))
        for t in steps:
            a = [name, t]
            out.append(case('beta', a, betas[t]))
            out.append(case('alpha', a, alphas[t]))
            out.append(case('alphaBar', a, ab[t]))
            out.append(case('oneMinusAlphaBar', a, om[t]))
            out.append(case('logOneMinusAlphaBar', a, mp.log(om[t])))
            out.append(case('snr', a, ab[t] / om[t]))
            # C5 coefficients and C4 (k merged steps), the chain variance of C8's comparison
            out.append(case('forwardMarginal.mean', a, mp.sqrt(ab[t])))
            out.append(case('forwardMarginal.variance', a, om[t]))
            out.append(case('scaledChainVariance', [name, t, 2.5], ab[t] * mp.mpf(2.5) + om[t]))
            for k in (2, 3):
                if k <= t:
                    prod = mp.fprod(alphas[t - k + 1:t + 1])
                    out.append(case('mergedSteps.mean', [name, t, k], mp.sqrt(prod)))
                    out.append(case('mergedSteps.variance', [name, t, k], 1 - prod))
            # D2, D3, D6, D7 and E3
            abp, omp = ab[t - 1], om[t - 1]
            out.append(case('posterior.x0Coef', a, mp.sqrt(abp) * betas[t] / om[t]))
            out.append(case('posterior.xtCoef', a, mp.sqrt(alphas[t]) * omp / om[t]))
            bt = omp / om[t] * betas[t]
            bt2 = om[1] / om[2] * betas[2]
            if t >= 2:
                out.append(case('posteriorVariance', a, bt))
                out.append(case('epsilonLossWeight.betaTilde', a, betas[t] ** 2 / (2 * bt * alphas[t] * om[t])))
            out.append(case('epsilonLossWeight.beta', a, betas[t] ** 2 / (2 * betas[t] * alphas[t] * om[t])))
            out.append(case('clippedLogPosteriorVariance', a, mp.log(bt if t >= 2 else bt2)))
            out.append(case('reverseVariance.fixedlarge', a, betas[t] if t >= 2 else bt2))
            out.append(case('reverseVariance.fixedsmall', a, bt if t >= 2 else bt2))
            out.append(case('reverseVariance.clamped', a, max(bt, mp.mpf(1e-20))))
            v = mp.mpf(0.3)
            lbt = mp.log(bt if t >= 2 else bt2)
            out.append(case('learnedVariance', [name, t, 0.3], mp.exp(v * mp.log(betas[t]) + (1 - v) * lbt)))
            # F4: DDIM's σ for jumps of 1 and 20 steps
            for jump, eta in ((1, 1.0), (20, 0.5)):
                tp = t - jump
                if tp >= 0:
                    s = mp.mpf(eta) * mp.sqrt(om[tp] / om[t]) * mp.sqrt(-mp.expm1(log_ab_between(alphas, tp, t)))
                    out.append(case('ddimSigma', [name, t, tp, eta], s))
        out.append(case('terminalSignal', [name], mp.sqrt(ab[T])))
    return out


def log_ab_between(alphas, tp, t):
    """log(ᾱ_t / ᾱ_{t'}) = Σ_{s=t'+1}^{t} log α_s."""
    return mp.fsum(mp.log(alphas[s]) for s in range(tp + 1, t + 1))


# ---------------------------------------------------------------- probability (A2, A5, A6, A9–A11, B4)
def logpdf(x, m, v):
    x, m, v = mp.mpf(x), mp.mpf(m), mp.mpf(v)
    return -(mp.log(2 * mp.pi * v)) / 2 - (x - m) ** 2 / (2 * v)


def kl_gauss(m1, v1, m2, v2):
    m1, v1, m2, v2 = map(mp.mpf, (m1, v1, m2, v2))
    return mp.log(v2 / v1) / 2 + (v1 + (m1 - m2) ** 2) / (2 * v2) - mp.mpf(1) / 2


def kl_logvar(m1, l1, m2, l2):
    m1, l1, m2, l2 = map(mp.mpf, (m1, l1, m2, l2))
    return (l2 - l1 + mp.exp(l1 - l2) + (m1 - m2) ** 2 * mp.exp(-l2) - 1) / 2


def probability_cases():
    out = []
    for x, m, v in [(0.3, -1.2, 0.7), (2.0, 0.0, 1.0), (-4.0, 1.0, 1e-6), (30.0, 0.0, 1.0), (1e-3, 0.0, 1e-300), (5.0, 5.0, 1e300)]:
        out.append(case('gaussianLogPdf', [x, m, v], logpdf(x, m, v)))
        out.append(case('gaussianPdf', [x, m, v], mp.exp(logpdf(x, m, v))))
    mixtures = [
        {'weights': [0.2, 0.5, 0.3], 'means': [-2.0, 0.0, 3.0], 'variances': [0.5, 1.0, 0.25]},
        {'weights': [0.5, 0.5], 'means': [-1.0, 1.0], 'variances': [0.01, 0.01]},
    ]
    for mix in mixtures:
        for x in (0.1, -2.0, 40.0, -300.0):
            p = mp.fsum(mp.mpf(w) * mp.exp(logpdf(x, mu, v)) for w, mu, v in zip(mix['weights'], mix['means'], mix['variances']))
            out.append(case('mixtureLogPdf', [mix, x], mp.log(p)))
    for p, q in [([0.1, 0.4, 0.5], [0.3, 0.3, 0.4]), ([0.5, 0.5], [0.5 + 2.0 ** -30, 0.5 - 2.0 ** -30]), ([1.0, 0.0], [0.5, 0.5])]:
        out.append(case('klDiscrete', [p, q], mp.fsum(mp.mpf(a) * mp.log(mp.mpf(a) / mp.mpf(b)) for a, b in zip(p, q) if a > 0)))
    # A9: ordinary inputs, then the hard ones: variance ratios 1 ± 1e-4 … 1 ± 1e-12, tiny mean gaps, far-apart variances.
    gauss = [(0.0, 1.0, 1.0, 2.0), (1.5, 0.3, -0.5, 4.0), (0.0, 1e-300, 0.0, 1e300), (0.0, 1.0, 1e-8, 1.0)]
    for e in (1e-4, 1e-6, 1e-8, 1e-10, 1e-12):
        for sgn in (1, -1):
            gauss.append((0.0, 1.0 + sgn * e, 0.0, 1.0))
            gauss.append((0.25, 0.37 * (1 + sgn * e), 0.25 + 1e-9, 0.37))
    for m1, v1, m2, v2 in gauss:
        out.append(case('klGaussian', [m1, v1, m2, v2], kl_gauss(m1, v1, m2, v2)))
    # A10 (log-variance form) and B4: log-variance gaps near 0 and extreme log-variances.
    lv = [([0.3, -0.2], [0.1, -1.0], [0.0, 0.0], [0.0, 0.0]), ([0.0], [-50.0], [0.0], [50.0]), ([1e-3], [-700.0], [0.0], [-700.0])]
    for d in (1e-3, 3.3166e-4, 1e-4, 1e-6, 1e-8, -1e-8, -1e-4, 0.4, -0.45, 0.6):
        lv.append(([0.0], [d], [0.0], [0.0]))
        lv.append(([2e-5], [-3.0 + d], [0.0], [-3.0]))
    for m1, l1, m2, l2 in lv:
        out.append(case('klDiagonalGaussianLogVar', [m1, l1, m2, l2], mp.fsum(kl_logvar(*z) for z in zip(m1, l1, m2, l2))))
        if all(v == 0.0 for v in m2 + l2):  # the VAE's KL to N(0, I), B4, on float32 tensors: float32 inputs
            m32, l32 = [float(np.float32(v)) for v in m1], [float(np.float32(v)) for v in l1]
            out.append(case('klToStandardNormal', [m32, l32], mp.fsum(kl_logvar(a, b, 0.0, 0.0) for a, b in zip(m32, l32))))
    for m1, v1, m2, v2 in [([0.1, 0.2], [1.0, 2.0], [0.0, 0.5], [1.5, 2.0]), ([0.0, 0.0], [1.0 + 1e-9, 1.0 - 1e-9], [0.0, 0.0], 1.0)]:
        v2l = v2 if isinstance(v2, list) else [v2] * len(m1)
        out.append(case('klDiagonalGaussian', [m1, v1, m2, v2], mp.fsum(kl_gauss(*z) for z in zip(m1, v1, m2, v2l))))
    # A11: linear-Gaussian model x = a z + b + noise, z ~ N(0, 1)
    for model, x, qm, qv in [({'a': 1.5, 'b': -0.2, 'noiseVariance': 0.3}, 0.7, 0.1, 0.4), ({'a': 0.2, 'b': 1.0, 'noiseVariance': 2.0}, -3.0, -0.5, 0.9)]:
        a, b, s2 = mp.mpf(model['a']), mp.mpf(model['b']), mp.mpf(model['noiseVariance'])
        out.append(case('linearGaussianLogEvidence', [model, x], logpdf(x, b, a * a + s2)))
        qm_, qv_ = mp.mpf(qm), mp.mpf(qv)
        ell = -mp.log(2 * mp.pi * s2) / 2 - ((mp.mpf(x) - a * qm_ - b) ** 2 + a * a * qv_) / (2 * s2)
        out.append(case('linearGaussianElbo', [model, x, qm, qv], ell - kl_gauss(qm, qv, 0.0, 1.0)))
    for xs in ([0.5, 1.0, 2.0, 4.0], [1.0, 1.0 + 1e-6, 1.0 - 1e-6, 1.0], [3.0, 3.0 * (1 + 2e-8)]):
        xm = [mp.mpf(x) for x in xs]
        out.append(case('jensenGap', [xs], mp.log(mp.fsum(xm) / len(xm)) - mp.fsum(mp.log(x) for x in xm) / len(xm)))
    xs = [0.3, -1.1, 2.4, 0.05]
    out.append(case('gaussianAverageLogLikelihood', [xs, 0.2, 1.3], mp.fsum(logpdf(x, 0.2, 1.3) for x in xs) / len(xs)))
    return out


# ---------------------------------------------------------------- Φ and the discretised decoder (A13, E7), ε from x_0 (D8)
def phi(x):
    return mp.ncdf(mp.mpf(x))


def phi_tanh(x):
    x = mp.mpf(x)
    return (1 + mp.tanh(mp.sqrt(2 / mp.pi) * (x + mp.mpf(0.044715) * x ** 3))) / 2


def decoder_log_lik(x, mean, log_scale, cdf, floor=0):
    """Ho et al. 2020 §3.3: bins of width 2/255 around x ∈ [−1, 1], the edge bins open to ±∞. floor: their code's
    max(p, 1e-12) before each log, kept for the tanh variant that reproduces it."""
    x, mean, log_scale = mp.mpf(x), mp.mpf(mean), mp.mpf(log_scale)
    inv = mp.exp(-log_scale)
    hi = inv * (x - mean + mp.mpf(1) / 255)
    lo = inv * (x - mean - mp.mpf(1) / 255)
    floor = mp.mpf(floor)
    if x < mp.mpf(-0.999):
        return mp.log(max(cdf(hi), floor))
    # Upper-tail masses as lower-tail ones (both Φ's are symmetric): 1 − Φ(103) is 0 even at 60 digits.
    if x > mp.mpf(0.999):
        return mp.log(max(cdf(-lo), floor))
    mass = cdf(-lo) - cdf(-hi) if lo > 0 else cdf(hi) - cdf(lo)
    return mp.log(max(mass, floor))


def decoder_cases():
    out = []
    for x in (0.0, 0.5, -0.5, 1.0, 2.5, -2.5, 6.0, -6.0, -10.0, -20.0, -38.0, -100.0, 1e-5, -1e-5):
        out.append(case('normalCdf', [x], phi(x)))
        out.append(case('logNormalCdf', [x], mp.log(phi(x))))
    for x in (0.0, 0.3, -1.7, 2.5, -6.0, 4.0):
        out.append(case('normalCdfTanh', [x], phi_tanh(x)))
    pixels = [-1.0, -1.0 + 2.0 / 255, -0.2 + 1.0 / 255, 0.0 + 1.0 / 255, 1.0 - 2.0 / 255, 1.0]
    params = [(0.0, -1.0), (0.1, -3.0), (-0.9, -5.0), (0.95, -8.0), (0.5, 0.5), (-0.3, -12.0), (0.9, -2.0)]
    for x in pixels:
        for mean, ls in params:
            out.append(case('discretizedGaussianLogLikelihood', [x, mean, ls], decoder_log_lik(x, mean, ls, phi)))
            out.append(case('discretizedGaussianLogLikelihood.tanh', [x, mean, ls], decoder_log_lik(x, mean, ls, phi_tanh, 1e-12)))
    # All 256 bins of one pixel: their probabilities (exact Φ), to check the sum is 1 and each bin's value.
    for mean, ls in [(0.0, -1.0), (0.37, -4.0), (-0.99, -6.0)]:
        # the pixel is the double (2k)/255 − 1 the test passes, not the exact rational
        probs = [mp.exp(decoder_log_lik((2 * k) / 255 - 1, mean, ls, phi)) for k in range(256)]
        out.append({'q': 'decoderBinLogProbabilities', 'args': [mean, ls], 'ref': [ref(mp.log(p)) for p in probs]})
    # D8: ε = (x_t − √ᾱ_t x_0)/√(1 − ᾱ_t) for the linear T = 1000 schedule
    betas = linear_betas(1000)
    alphas, ab, om = schedule_tables(betas, 1000)
    for t, x0, xt in [(1, 0.3, 0.31), (10, -0.8, 0.2), (500, 0.9, -1.3), (1000, 0.5, 1.7)]:
        eps = (mp.mpf(xt) - mp.sqrt(ab[t]) * mp.mpf(x0)) / mp.sqrt(om[t])
        out.append(case('epsFromX0', ['linear1000', t, x0, xt], eps))
    return out


# ---------------------------------------------------------------- G1 timestep embedding conventions
def embedding_cases():
    out = []
    for dim in (8, 16, 128):
        h = dim // 2
        for t in (0, 1, 17, 999):
            tm = mp.mpf(t)
            ours = [mp.exp(-mp.log(10000) * i / h) for i in range(h)]
            ddpm = [mp.exp(-mp.log(10000) * i / (h - 1)) for i in range(h)]
            conv = {
                'ours': [mp.sin(w * tm) for w in ours] + [mp.cos(w * tm) for w in ours],
                'ddpm': [mp.sin(w * tm) for w in ddpm] + [mp.cos(w * tm) for w in ddpm],
                'improved-diffusion': [mp.cos(w * tm) for w in ours] + [mp.sin(w * tm) for w in ours],
            }
            for name, vals in conv.items():
                out.append({'q': 'embedding', 'args': [t, dim, name], 'ref': [ref(v) for v in vals]})
    # numpy's float64 evaluation of the reference codebases' own formulas, to pin down each convention's layout
    for dim, t in ((16, 17), (128, 999)):
        h = dim // 2
        e = np.exp(np.arange(h) * -(np.log(10000) / (h - 1))) * t
        ddpm = np.concatenate([np.sin(e), np.cos(e)])
        f = np.exp(-np.log(10000) * np.arange(h) / h) * t
        idf = np.concatenate([np.cos(f), np.sin(f)])
        out.append({'q': 'embedding.numpy', 'args': [t, dim, 'ddpm'], 'values': ddpm.tolist()})
        out.append({'q': 'embedding.numpy', 'args': [t, dim, 'improved-diffusion'], 'values': idf.tolist()})
    return out


def write(name, cases):
    doc = {
        'generator': 'packages/core/test/reference/generate.py',
        'tool': f'mpmath {mp.__version__} at {mp.mp.dps} digits, numpy {np.__version__}, Python {sys.version.split()[0]}',
        'format': 'ref = [nearest double, exact − nearest (a double), 40 significant digits]',
        'cases': cases,
    }
    head = json.dumps({k: v for k, v in doc.items() if k != 'cases'}, indent=1)[:-2]
    body = ',\n'.join(json.dumps(c, allow_nan=False) for c in cases)  # one case a line: readable diffs
    with open(os.path.join(HERE, name), 'w') as fh:
        fh.write(f'{head},\n "cases": [\n{body}\n]}}\n')
    print(f'{name}: {len(cases)} cases')


if __name__ == '__main__':
    write('schedule.json', schedule_cases())
    write('probability.json', probability_cases())
    write('decoder.json', decoder_cases())
    write('embedding.json', embedding_cases())
