#!/usr/bin/python3
"""
Reference values for the feature-space distances of core (stats/feature-distances.ts, A14 and A15), from scipy and
numpy, written the way the field's reference implementations compute them (independently of core's Jacobi code):
  - the principal square root of symmetric PSD matrices by scipy.linalg.sqrtm (a Schur method);
  - the Fréchet distance as pytorch-fid / TTUR compute it: ‖μ₁−μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr sqrtm(Σ₁Σ₂) (real part),
    with Σ from np.cov(rowvar=False);
  - MMD²_u with the cubic kernel (x·y/d + 1)³ as in Bińkowski et al.'s polynomial_mmd (unbiased, diagonals removed).
Inputs are drawn with a seeded numpy generator and written with Python's repr, so the doubles round-trip exactly.

Regenerate (Debian: apt-get install -y python3-numpy python3-scipy):
    /usr/bin/python3 packages/core/test/reference/generate_feature_distances.py
The tests read feature-distances.json next to this script; they never run it.
"""
import json
import os

import numpy as np
import scipy
import scipy.linalg

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(2026)


def spd(n, rank=None):
    """A random symmetric PSD matrix of the given rank (full by default), entries of order 1."""
    r = n if rank is None else rank
    a = rng.standard_normal((n, r))
    m = a @ a.T / r
    return (m + m.T) / 2


def sqrtm_cases():
    cases = []
    for n, rank in [(2, None), (3, None), (5, None), (8, None), (16, None), (6, 3)]:
        m = spd(n, rank)
        s = scipy.linalg.sqrtm(m)
        s = np.real(s)
        cases.append({'n': n, 'rank': rank or n, 'matrix': m.ravel().tolist(), 'sqrt': s.ravel().tolist()})
    return cases


def fid(f1, f2):
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    covmean = np.real(scipy.linalg.sqrtm(s1 @ s2))
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def mmd2u(f1, f2):
    d = f1.shape[1]
    kxx = (f1 @ f1.T / d + 1) ** 3
    kyy = (f2 @ f2.T / d + 1) ** 3
    kxy = (f1 @ f2.T / d + 1) ** 3
    m, n = len(f1), len(f2)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean())


def feature_cases():
    cases = []
    for m, n, d, shift in [(40, 30, 3, 0.0), (60, 50, 6, 0.5), (25, 25, 10, 1.0)]:
        f1 = rng.standard_normal((m, d))
        f2 = rng.standard_normal((n, d)) @ np.diag(np.linspace(0.5, 1.5, d)) + shift
        cases.append({'d': d, 'x': f1.ravel().tolist(), 'y': f2.ravel().tolist(), 'fid': fid(f1, f2), 'mmd2u': mmd2u(f1, f2)})
    return cases


if __name__ == '__main__':
    doc = {
        'generator': 'packages/core/test/reference/generate_feature_distances.py',
        'tool': f'numpy {np.__version__}, scipy {scipy.__version__}',
        'sqrtm': sqrtm_cases(),
        'features': feature_cases(),
    }
    with open(os.path.join(HERE, 'feature-distances.json'), 'w') as f:
        json.dump(doc, f, allow_nan=False)
        f.write('\n')
