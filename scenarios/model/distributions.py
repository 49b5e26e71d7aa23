"""Uncertain parameters: every numeric driver parameter is a fixed number or a distribution.

In YAML a parameter is either a plain number (``growth: 0.12``) or a mapping with a ``dist``
key::

    growth: {dist: normal, mean: 0.12, sd: 0.04}
    growth: {dist: normal, mean: 0.12, sd: 0.04, clip: [-0.5, 0.6]}
    pe:     {dist: lognormal, median: 18, sigma: 0.15}      # sigma of log(value)
    amount: {dist: uniform, low: 80, high: 120}
    shock:  {dist: triangular, low: -0.12, mode: -0.08, high: -0.02}
    years:  {dist: choice, values: [1, 2, 3], weights: [0.2, 0.5, 0.3]}

Values are in the unit of the parameter they stand for (fractions stay fractions). ``clip``
(any distribution) bounds every draw to ``[low, high]``.

Sampling (:func:`sample`) is vectorized and draw-count stable: the first ``k`` draws of an
``n``-draw sample equal a ``k``-draw sample from the same generator state.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)


def _scaled(k: float, w1: float, w2: float, integral: float) -> float:
    """Return ``k / (w1 * w2) * integral``, also when ``w1 * w2`` is subnormal.

    The ordinary order of operations is kept (bit for bit) whenever ``k / (w1 * w2)`` is finite;
    a mode within ~1e-308 of an end of a triangular law makes it overflow to inf while the
    integral over that side underflows to 0, and inf * 0 would be NaN. Dividing step by step then
    gives the side's true (negligible) share.
    """
    factor = k / (w1 * w2)
    if math.isfinite(factor):
        return factor * integral
    return k / w1 * (integral / w2)

class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _no_bool_numbers(cls, data: Any) -> Any:
        from scenarios.model.nobool import reject_bools

        return reject_bools(cls, data)

    clip: tuple[float, float] | None = Field(
        default=None, description="[low, high] bounds applied to every draw")

    @field_validator("clip")
    @classmethod
    def _clip_order(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] <= v[1]:
            raise ValueError(f"clip must be [low, high] with low <= high (got [{v[0]:g}, {v[1]:g}])")
        return v

    # -- support and summaries ---------------------------------------------------------
    def _raw_support(self) -> tuple[float, float]:
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """(lowest, highest) value a draw can take, after ``clip``."""
        lo, hi = self._raw_support()
        if self.clip is not None:
            lo, hi = max(lo, self.clip[0]), min(hi, self.clip[1])
        return lo, hi

    def center(self) -> float:
        """Return a typical value (mean, median, mode or weighted mean) used for sanity checks."""
        raise NotImplementedError

    def expectation(self) -> float:
        """Return the expected value of a draw (the parameter's mean), AFTER ``clip`` (and the normal's 8.5 sd bound).

        This is the value the noise-free forecast uses. Clipping moves it: a clipped draw
        takes the bound, so ``E[clip(X, a, b)] = a F(a) + b (1 - F(b)) + int_a^b x f(x) dx``.
        ``normal(mean 0.08, sd 0.10, clip [-0.5, 0.8])`` keeps 0.08 (symmetric, clip far
        out); ``normal(0, 0.1, clip [0, 1])`` has mean 0.0399, not 0. A lognormal's mean is
        ``median x exp(sigma^2 / 2)``, above its median; a choice's the probability-weighted
        mean of its values. Unit: the parameter's.
        """
        lo, hi = self.support()
        if lo == hi:
            return float(lo)
        frozen = self._scipy()
        if frozen is None:  # degenerate continuous law: a point mass at center, clipped
            return float(min(max(self.center(), lo), hi))
        a, b = frozen.support()
        a, b = max(a, lo), min(b, hi)
        inner = self._partial_mean(a, b) if b > a else 0.0
        below = a * frozen.cdf(a) if math.isfinite(a) else 0.0
        above = b * frozen.sf(b) if math.isfinite(b) else 0.0
        return float(below + above + inner)

    def _scipy(self) -> Any:
        """Return the frozen law of the raw (unclipped) draws; None when degenerate.

        Its ``support``, ``cdf`` and ``sf`` are as scipy.stats computes them.
        """
        raise NotImplementedError

    def _partial_mean(self, a: float, b: float) -> float:
        """``int_a^b x f(x) dx`` of the raw law, closed form (a < b inside its support)."""
        raise NotImplementedError

    #: the variates a draw consumes from its stream, one per draw: ``"normal"`` (standard
    #: normal) or ``"uniform"`` (on [0, 1))
    _variate: ClassVar[str] = "uniform"

    def _from_variates(self, z: np.ndarray) -> np.ndarray:
        """Map the stream's variates ``z`` (any shape; may be overwritten) to raw draws, elementwise."""
        raise NotImplementedError

    def _variates(self, rng: np.random.Generator, out: np.ndarray) -> None:
        """Fill ``out`` (contiguous float64) with the next variates of ``rng``'s stream."""
        if self._variate == "normal":
            rng.standard_normal(out=out)
        else:
            rng.random(out=out)

    def _finish(self, raw: np.ndarray) -> np.ndarray:
        """Apply ``clip`` to raw draws (elementwise; in place when ``raw`` is writable)."""
        out = np.asarray(raw, dtype=np.float64)
        if self.clip is not None and out.size and (out.min() < self.clip[0] or out.max() > self.clip[1]):
            out = np.clip(out, self.clip[0], self.clip[1], out=out if out.flags.writeable else None)
        return out

    def sample(self, rng: np.random.Generator, size: tuple[int, ...]) -> np.ndarray:
        """Draws of shape ``size`` from ``rng``, consumed sequentially (C order)."""
        z = np.empty(size)
        self._variates(rng, z.reshape(-1))
        return self._finish(self._from_variates(z))

    def sample_columns(self, rngs: Sequence[np.random.Generator], draws: int) -> np.ndarray:
        """Draws of shape ``(draws, len(rngs))``: column ``j`` is ``sample(rngs[j], (draws,))``.

        Bit for bit the columns :meth:`sample` gives one generator at a time: every map is
        elementwise, so each stream's variates are drawn into one contiguous row of a
        ``(len(rngs), draws)`` buffer, mapped in that layout at once, and transposed once into
        the C-ordered result.
        """
        z = np.empty((len(rngs), draws))
        for j, g in enumerate(rngs):
            self._variates(g, z[j])
        return np.ascontiguousarray(self._finish(self._from_variates(z)).T)

    def _raw_ppf(self, q: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def ppf(self, q: float | Sequence[float] | np.ndarray) -> float | np.ndarray:
        """Quantile function (inverse CDF) at levels ``q`` in [0, 1], after ``clip``.

        Same unit as the parameter; a float for a scalar ``q``, else an array of ``q``'s shape.
        Continuous kinds use their inverse CDF (normal bounded at ``mean +- 8.5 sd`` like the
        draws); ``choice`` the discrete one: the smallest value whose cumulative weight
        reaches ``q``. ``clip`` bounds the result like every draw (clipping is monotone, so
        the quantiles of a clipped parameter are the clipped quantiles).
        """
        qs = np.asarray(q, dtype=np.float64)
        if np.isnan(qs).any() or (qs < 0).any() or (qs > 1).any():
            raise ValueError(f"quantile levels must be in [0, 1] (got {q!r})")
        lo, hi = self.support()
        out = np.clip(np.asarray(self._raw_ppf(qs), dtype=np.float64), lo, hi)
        return float(out) if out.ndim == 0 else out

    def describe(self, fraction: bool | None = None) -> str:
        """Text of the distribution.

        ``fraction=None``: the compact form of error messages, ``normal(mean=0.12, sd=0.04)``.
        ``fraction=True`` / ``False``: the readable form of reports, values printed as
        percents (a fraction parameter) or plain numbers: ``normal: mean +12.0%, sd 4.0%``.
        """
        if fraction is None:
            fields = self.model_dump(exclude={"dist"}, exclude_none=True)
            inner = ", ".join(f"{k}={_fmt(v)}" for k, v in fields.items())
            return f"{self.dist}({inner})"  # type: ignore[attr-defined]
        text = self._readable(fraction)
        if self.clip is not None:
            text += (f", clipped to [{format_value(self.clip[0], fraction)}, "
                     f"{format_value(self.clip[1], fraction)}]")
        return text

    def _readable(self, fraction: bool) -> str:
        raise NotImplementedError


def format_value(v: float | None, fraction: bool) -> str:
    """Return a parameter value as text: a signed percent for a fraction (``+12.0%``), else ``4 sig. digits``."""
    if v is None:
        return "–"
    return f"{v * 100:+.1f}%" if fraction else f"{v:,.4g}"


def _inv_norm(q: np.ndarray) -> np.ndarray:
    """Return standard normal quantiles (``statistics.NormalDist``: no scipy import); +-inf at 0 and 1."""
    from statistics import NormalDist

    nd = NormalDist()
    flat = [(-math.inf if x <= 0 else math.inf if x >= 1 else nd.inv_cdf(float(x))) for x in q.reshape(-1)]
    return np.asarray(flat, dtype=np.float64).reshape(q.shape)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


# The frozen laws ``_Dist.expectation`` needs (support, cdf, sf), computed as scipy.stats 1.x
# computes them for ``norm``, ``lognorm``, ``uniform`` and ``triang`` (same standardisation, same
# kernels, same 0-d array / scalar types), so the means are bit-identical, without importing
# scipy.stats (about 0.3 s, most of a run's fixed cost); only ``scipy.special.ndtr`` is used.
# tests/model/test_distribution_laws.py checks them against scipy.stats value by value.

_NORM_PDF_C = np.sqrt(2 * np.pi)


def _ndtr(x: Any) -> Any:
    from scipy.special import ndtr

    return ndtr(x)


def _norm_pdf(x: Any) -> Any:
    """``scipy.stats.norm.pdf`` (loc 0, scale 1)."""
    x = np.asarray(x, dtype=np.float64)
    return (np.exp(-x**2 / 2.0) / _NORM_PDF_C)[()]


class _Law:
    """A frozen continuous law on ``loc + scale * [lo, hi]`` (the standard support ``lo..hi``).

    Subclasses give the standard ``_cdf`` and ``_sf`` inside the open support.
    """

    lo, hi = -math.inf, math.inf

    def __init__(self, loc: float, scale: float) -> None:
        self.loc, self.scale = np.asarray(loc), np.asarray(scale)

    def support(self) -> tuple[Any, Any]:
        return self.lo * self.scale + self.loc, self.hi * self.scale + self.loc

    def _std(self, x: float) -> Any:
        return np.asarray((np.asarray(x) - self.loc) / self.scale, dtype=np.float64)

    def cdf(self, x: float) -> Any:
        z = self._std(x)
        if math.isnan(z):
            return np.float64(np.nan)
        if z >= self.hi:
            return np.float64(1.0)
        return np.float64(self._cdf(z) if self.lo < z < self.hi else 0.0)

    def sf(self, x: float) -> Any:
        z = self._std(x)
        if math.isnan(z):
            return np.float64(np.nan)
        if z <= self.lo:
            return np.float64(1.0)
        return np.float64(self._sf(z) if self.lo < z < self.hi else 0.0)

    def _cdf(self, z: Any) -> Any:
        raise NotImplementedError

    def _sf(self, z: Any) -> Any:
        return 1.0 - self._cdf(z)


class _NormLaw(_Law):
    def _cdf(self, z: Any) -> Any:
        return _ndtr(z)

    def _sf(self, z: Any) -> Any:
        return _ndtr(-z)


class _LogNormLaw(_Law):
    lo = 0.0

    def __init__(self, s: float, scale: float) -> None:
        super().__init__(0.0, scale)
        self.s = np.asarray(s)

    def _cdf(self, z: Any) -> Any:
        return _ndtr(np.log(z) / self.s)

    def _sf(self, z: Any) -> Any:
        return _ndtr(-(np.log(z) / self.s))


class _UniformLaw(_Law):
    lo, hi = 0.0, 1.0

    def _cdf(self, z: Any) -> Any:
        return z


class _TriangLaw(_Law):
    lo, hi = 0.0, 1.0

    def __init__(self, c: float, loc: float, scale: float) -> None:
        super().__init__(loc, scale)
        self.c = np.asarray(c)

    def _cdf(self, z: Any) -> Any:
        x, c = z, self.c
        if c == 1:
            return x * x
        if x < c:
            return x * x / c
        return (x * x - 2 * x + c) / (c - 1)


#: a normal is bounded at mean +- this many sd (a draw beyond it has probability < 2e-17)
NORMAL_TAIL_SD = 8.5


class Normal(_Dist):
    """Normal distribution with ``mean`` and standard deviation ``sd``.

    ``sd`` >= 0; bounded at ``mean +- 8.5 sd`` (draws beyond are clipped there; probability < 2e-17
    per draw).
    """

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)

    def _raw_support(self) -> tuple[float, float]:
        half = NORMAL_TAIL_SD * self.sd
        return (self.mean - half, self.mean + half)

    def center(self) -> float:
        """Return the mean (the centre used on the noise-free path)."""
        return self.mean

    def _scipy(self) -> Any:
        return _NormLaw(self.mean, self.sd) if self.sd > 0 else None

    def _partial_mean(self, a: float, b: float) -> float:
        al, be = (a - self.mean) / self.sd, (b - self.mean) / self.sd
        return float(self.mean * (_ndtr(be) - _ndtr(al))
                     + self.sd * (_norm_pdf(al) - _norm_pdf(be)))

    def _raw_ppf(self, q: np.ndarray) -> np.ndarray:
        return self.mean + self.sd * _inv_norm(q) if self.sd > 0 else np.full(q.shape, self.mean)

    def _readable(self, fraction: bool) -> str:
        return (f"normal: mean {format_value(self.mean, fraction)}, "
                f"sd {format_value(self.sd, fraction).lstrip('+')}")

    _variate: ClassVar[str] = "normal"

    def _from_variates(self, z: np.ndarray) -> np.ndarray:
        lo, hi = self._raw_support()
        x = z
        x *= self.sd
        x += self.mean
        if x.size and (x.min() < lo or x.max() > hi):  # practically never
            np.clip(x, lo, hi, out=x)
        return x


class LogNormal(_Dist):
    """Log-normal: ``log(value)`` is normal with median ``median`` (> 0) and sd ``sigma`` (>= 0)."""

    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)

    def _raw_support(self) -> tuple[float, float]:
        # open at 0: every draw is > 0 (smallest positive double as the bound)
        return (math.nextafter(0.0, 1.0), math.inf) if self.sigma > 0 else (self.median, self.median)

    def center(self) -> float:
        """Return the median (the centre used on the noise-free path)."""
        return self.median

    def _scipy(self) -> Any:
        return _LogNormLaw(self.sigma, self.median) if self.sigma > 0 else None

    def _partial_mean(self, a: float, b: float) -> float:
        mu, s = math.log(self.median), self.sigma

        def z(x: float) -> float:
            return (math.log(x) - mu - s * s) / s if x > 0 else -math.inf
        return float(math.exp(mu + 0.5 * s * s) * (_ndtr(z(b)) - _ndtr(z(a))))

    def _raw_ppf(self, q: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return self.median * np.exp(self.sigma * _inv_norm(q)) if self.sigma > 0 else np.full(q.shape, self.median)

    def _readable(self, fraction: bool) -> str:
        return f"lognormal: median {format_value(self.median, fraction)}, sigma {self.sigma:g} (sd of log)"

    _variate: ClassVar[str] = "normal"

    def _from_variates(self, z: np.ndarray) -> np.ndarray:
        z *= self.sigma
        np.exp(z, out=z)
        z *= self.median  # median * exp(sigma * z), same bits (multiplication commutes)
        return z


class Uniform(_Dist):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"]
    low: float
    high: float

    @field_validator("high")
    @classmethod
    def _order(cls, v: float, info: ValidationInfo) -> float:
        low = info.data.get("low")
        if low is not None and v < low:
            raise ValueError(f"must be >= low ({low:g}) (got {v:g})")
        return v

    def _raw_support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def center(self) -> float:
        """Return the midpoint of ``low`` and ``high`` (the centre used on the noise-free path)."""
        return 0.5 * (self.low + self.high)

    def _scipy(self) -> Any:
        return _UniformLaw(self.low, self.high - self.low) if self.high > self.low else None

    def _partial_mean(self, a: float, b: float) -> float:
        return (b * b - a * a) / (2.0 * (self.high - self.low))

    def _raw_ppf(self, q: np.ndarray) -> np.ndarray:
        return self.low + q * (self.high - self.low)

    def _readable(self, fraction: bool) -> str:
        return f"uniform from {format_value(self.low, fraction)} to {format_value(self.high, fraction)}"

    def _from_variates(self, z: np.ndarray) -> np.ndarray:
        z *= self.high - self.low
        z += self.low  # low + (high - low) * u, same bits (addition commutes)
        return z


class Triangular(_Dist):
    """Triangular with ``low <= mode <= high``."""

    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @field_validator("mode")
    @classmethod
    def _mode(cls, v: float, info: ValidationInfo) -> float:
        low = info.data.get("low")
        if low is not None and v < low:
            raise ValueError(f"must be >= low ({low:g}) (got {v:g})")
        return v

    @field_validator("high")
    @classmethod
    def _high(cls, v: float, info: ValidationInfo) -> float:
        mode = info.data.get("mode")
        low = info.data.get("low")
        ref = mode if mode is not None else low
        name = "mode" if mode is not None else "low"
        if ref is not None and v < ref:
            raise ValueError(f"must be >= {name} ({ref:g}) (got {v:g})")
        return v

    def _raw_support(self) -> tuple[float, float]:
        return (self.low, self.high)

    def center(self) -> float:
        """Return the mode (the centre used on the noise-free path)."""
        return self.mode

    def _scipy(self) -> Any:
        width = self.high - self.low
        return _TriangLaw((self.mode - self.low) / width, self.low, width) if width > 0 else None

    def _partial_mean(self, a: float, b: float) -> float:
        lo, c, hi = self.low, self.mode, self.high
        total = 0.0
        if c > lo:  # rising side: f = 2 (x - lo) / ((hi - lo)(c - lo)) on [lo, c]
            u, v = max(a, lo), min(b, c)
            if v > u:
                total += _scaled(2.0, (hi - lo), (c - lo), (v ** 3 - u ** 3) / 3 - lo * (v * v - u * u) / 2)
        if hi > c:  # falling side: f = 2 (hi - x) / ((hi - lo)(hi - c)) on [c, hi]
            u, v = max(a, c), min(b, hi)
            if v > u:
                total += _scaled(2.0, (hi - lo), (hi - c), hi * (v * v - u * u) / 2 - (v ** 3 - u ** 3) / 3)
        return total

    def _raw_ppf(self, q: np.ndarray) -> np.ndarray:
        lo, mo, hi = self.low, self.mode, self.high
        if hi == lo:
            return np.full(q.shape, lo)
        c = (mo - lo) / (hi - lo)
        return np.where(q < c, lo + np.sqrt(q * (hi - lo) * (mo - lo)),
                        hi - np.sqrt((1.0 - q) * (hi - lo) * (hi - mo)))

    def _readable(self, fraction: bool) -> str:
        return (f"triangular: low {format_value(self.low, fraction)}, mode {format_value(self.mode, fraction)}, "
                f"high {format_value(self.high, fraction)}")

    def _from_variates(self, z: np.ndarray) -> np.ndarray:
        # inverse CDF of one uniform per draw (keeps the stream draw-count stable; numpy's
        # triangular rejects low == high)
        u = z
        lo, mo, hi = self.low, self.mode, self.high
        if hi == lo:
            return np.full(u.shape, lo)
        f = (mo - lo) / (hi - lo)
        left = lo + np.sqrt(u * (hi - lo) * (mo - lo))
        right = hi - np.sqrt((1.0 - u) * (hi - lo) * (hi - mo))
        return np.where(u < f, left, right)


class Choice(_Dist):
    """One of ``values`` with probabilities proportional to ``weights`` (default equal)."""

    dist: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None
    normalize: bool = Field(default=False, description="scale weights that do not sum to 1")

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: list[float] | None, info: ValidationInfo) -> list[float] | None:
        if v is None:
            return v
        values = info.data.get("values")
        if values is not None and len(v) != len(values):
            raise ValueError(f"needs one weight per value ({len(values)}) (got {len(v)})")
        if any(w < 0 for w in v) or not sum(v) > 0:
            raise ValueError("weights must be >= 0 with a positive sum")
        return v

    @model_validator(mode="after")
    def _weights_sum(self) -> Choice:
        if self.weights is not None and not self.normalize and abs(sum(self.weights) - 1.0) > 1e-6:
            raise ValueError(f"weights must sum to 1 (got {sum(self.weights):g}); write "
                             "probabilities, or add normalize: true to scale them")
        return self

    def _raw_support(self) -> tuple[float, float]:
        vals = (self.values if self.weights is None
                else [x for x, w in zip(self.values, self.weights, strict=True) if w > 0])
        return (min(vals), max(vals))

    def center(self) -> float:
        """Return the weighted mean of the values (the centre used on the noise-free path)."""
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        return float(np.dot(w / w.sum(), self.values))

    def expectation(self) -> float:
        """Probability-weighted mean of the (clipped) values."""
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, float)
        vals = np.asarray(self.values, dtype=np.float64)
        if self.clip is not None:
            vals = np.clip(vals, self.clip[0], self.clip[1])
        return float(np.dot(w / w.sum(), vals))

    def _raw_ppf(self, q: np.ndarray) -> np.ndarray:
        vals = np.asarray(self.values, dtype=np.float64)
        w = np.ones(vals.size) if self.weights is None else np.asarray(self.weights, dtype=np.float64)
        keep = w > 0
        vals, w = vals[keep], w[keep]
        order = np.argsort(vals, kind="stable")
        vals, w = vals[order], w[order]
        cdf = np.cumsum(w) / w.sum()
        # smallest value whose cumulative weight reaches q (a hair of tolerance for sums such
        # as 0.2 + 0.5 that land just below 0.7 in floating point)
        idx = np.searchsorted(cdf, q - 1e-12, side="left")
        return vals[np.minimum(idx, vals.size - 1)]

    def _readable(self, fraction: bool) -> str:
        if self.weights:
            return "one of " + ", ".join(f"{format_value(v, fraction)} (p={p:g})"
                                         for v, p in zip(self.values, self.weights, strict=True))
        return "one of " + ", ".join(format_value(v, fraction) for v in self.values) + " (equally likely)"

    def _from_variates(self, z: np.ndarray) -> np.ndarray:
        vals = np.asarray(self.values, dtype=np.float64)
        u = z
        if self.weights is None:
            idx = np.minimum((u * len(vals)).astype(np.int64), len(vals) - 1)
        else:
            cdf = np.cumsum(np.asarray(self.weights, dtype=np.float64))
            cdf /= cdf[-1]
            idx = np.minimum(np.searchsorted(cdf, u, side="right"), len(vals) - 1)
        return vals[idx]


Distribution = Annotated[
    Normal | LogNormal | Uniform | Triangular | Choice,
    Field(discriminator="dist"),
]

DIST_KINDS: tuple[str, ...] = ("normal", "lognormal", "uniform", "triangular", "choice")


# The tag names never reach users: yamlio drops loc parts named like pydantic's own tags
# ("tagged-union...") and trailing names under scalars ("number").
_DIST_TAG = "tagged-union-distribution"


def _param_kind(value: Any) -> str:
    return _DIST_TAG if isinstance(value, (dict, _Dist)) else "number"


#: A fixed number or a distribution (errors point into the mapping for distributions).
Param = Annotated[
    Annotated[float, Tag("number")] | Annotated[Distribution, Tag(_DIST_TAG)],
    Discriminator(_param_kind),
]


def is_random(value: Any) -> bool:
    """Return True when ``value`` is a distribution (not a fixed number)."""
    return isinstance(value, _Dist)


def support(value: float | _Dist) -> tuple[float, float]:
    """(lowest, highest) value a parameter can take."""
    if isinstance(value, _Dist):
        return value.support()
    return (float(value), float(value))


def center(value: float | _Dist) -> float:
    """Typical value of a parameter (the number itself for a fixed one)."""
    return value.center() if isinstance(value, _Dist) else float(value)


def mean(value: float | _Dist) -> float:
    """Return the expected value of a parameter after ``clip`` (a fixed number is its own mean).

    See :meth:`_Dist.expectation`; this is what the noise-free forecast uses. (A method cannot be
    called ``mean``: the normal has a field of that name.) Memoised per distinct distribution.
    """
    if not isinstance(value, _Dist):
        return float(value)
    key = value.model_dump_json()  # the kind and every field (clip included), numbers exact
    out = _MEANS.get(key)
    if out is None:
        out = _MEANS[key] = _stored_expectation(key, value)
        if len(_MEANS) > 4096:  # a bounded memo: forget the oldest half
            for k in list(_MEANS)[:2048]:
                del _MEANS[k]
    return out


_MEANS: dict[str, float] = {}


def _means_file() -> Path | None:
    """Return the file where distribution means are kept between processes.

    ``$SCENARIOS_HOME/means/``, keyed by the scipy and numpy versions that computed them and by
    a hash of this module's source (the formulas), so a changed formula never reads a mean that
    an older one stored (None when scipy is not installed).
    """
    from scenarios.paths import home

    ver = _versions()
    return None if ver is None else home() / "means" / f"means-{ver}.json"


@lru_cache(maxsize=1)
def _versions() -> str | None:
    from scenarios.pkgmeta import installed_version

    scipy_version = installed_version("scipy")  # its metadata file: scipy itself is not imported
    if scipy_version is None:
        return None
    import hashlib

    code = hashlib.blake2b(Path(__file__).read_bytes(), digest_size=6).hexdigest()
    return f"scipy{scipy_version}-numpy{np.__version__}-code{code}"


def _stored_expectation(key: str, value: _Dist) -> float:
    """Return :meth:`_Dist.expectation`, kept on disk between processes.

    The exact float (``float.hex``) is stored under the distribution's JSON, so a later process
    gets the same bits without importing ``scipy.special`` (about 0.15 s of a run's fixed cost).
    The file holds the latest 4096 distributions, is written atomically, and a damaged or
    read-only one only costs speed.
    """
    global _DISK
    path = _means_file()
    if _DISK is None or _DISK[0] != path:
        _DISK = (path, _read_means(path))
    hexed = _DISK[1].get(key)
    if isinstance(hexed, str):
        try:
            return float.fromhex(hexed)
        except ValueError:
            pass  # a damaged entry is recomputed
    out = value.expectation()
    if path is not None:
        stored = _read_means(path)  # another process may have added entries meanwhile
        stored.pop(key, None)
        stored[key] = out.hex()
        _DISK = (path, dict(list(stored.items())[-4096:]))
        from scenarios.paths import write_cache

        text = json.dumps(_DISK[1])
        write_cache(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))  # best effort
    return out


def _read_means(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: a cache file nested too deep
        return {}
    return data if isinstance(data, dict) else {}


#: (file, its entries) as last read or written by this process
_DISK: tuple[Path | None, dict[str, Any]] | None = None


def describe(value: float | _Dist) -> str:
    """Compact text of a parameter (a fixed number or :meth:`_Dist.describe`)."""
    return value.describe() if isinstance(value, _Dist) else f"{float(value):g}"


def ppf(value: float | _Dist, q: float | Sequence[float] | np.ndarray) -> float | np.ndarray:
    """Quantiles of a parameter at levels ``q`` (a fixed number is its own every quantile)."""
    if isinstance(value, _Dist):
        return value.ppf(q)
    qs = np.asarray(q, dtype=np.float64)
    return float(value) if qs.ndim == 0 else np.full(qs.shape, float(value))


def parse_distribution(spec: Any) -> _Dist | None:
    """Return a distribution from its plain mapping.

    The mapping is written as in a scenario and stored in a run's inputs (``{dist: normal, mean: ..,
    sd: ..}``); None when ``spec`` is not a valid one.
    """
    from pydantic import TypeAdapter, ValidationError

    global _ADAPTER
    if _ADAPTER is None:
        _ADAPTER = TypeAdapter(Distribution)
    try:
        return _ADAPTER.validate_python(spec)
    except ValidationError:
        return None


_ADAPTER: Any = None


def sample(value: float | _Dist, rng: np.random.Generator | None, size: tuple[int, ...]) -> np.ndarray:
    """Draws of a parameter with shape ``size`` (a fixed number is broadcast, no RNG used)."""
    if isinstance(value, _Dist):
        if rng is None:
            raise ValueError("sampling a distribution needs a generator")
        return value.sample(rng, size)
    return np.full(size, float(value))
