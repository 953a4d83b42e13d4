"""Maximum likelihood in log-parameters, shared by every model of :mod:`payback.clv`.

Every model parameter of the buy-till-you-die family is positive, so the optimiser
works on ``phi = log(theta)`` (unbounded, well scaled) with L-BFGS-B on the *mean*
negative log-likelihood (the sum divided by the number of customers, so tolerances do
not depend on the size of the data). Standard errors come from the observed
information: the Hessian of the total negative log-likelihood in ``phi`` is taken by
central differences of the analytic gradient, inverted, and mapped back to ``theta``
with the delta method, ``cov(theta) = J H^-1 J`` with ``J = diag(theta)``.

A fit that does not converge raises :class:`payback.errors.ModelFitError` naming the
reason and what to try; a fit never returns NaN.

Degenerate fits
---------------
A fit is **degenerate**, and refused with :class:`payback.errors.DegenerateFitError`
(never returned, so never used by a prediction), when at the estimate (the rule
:data:`DEGENERATE_RULE`):

1. a parameter ran off to the edge: ``|log theta| > 18`` (theta below 1.5e-8 or above
   6.6e7), the likelihood still rising towards 0 or infinity;
2. the log-likelihood, its gradient or its Hessian is not finite;
3. the observed information matrix is not positive definite (the likelihood is flat or
   saddle-shaped);
4. it is near-singular: some parameter's standard error on the log scale exceeds 3,
   ``se(theta)/theta > 3`` (its 95 % interval spans more than a factor
   ``exp(2 x 1.96 x 3)`` = 130,000), and not for want of customers:
   ``se(theta)/theta x sqrt(n) > 100`` (each customer carries less than 1e-4 of
   information on it). On the published data sets every parameter stays below 0.6
   (CDNOW, grocery, apparel, donations); five subscribers give wide intervals
   (``se(beta)/beta = 2``, times sqrt(5) = 4.6): imprecise, not degenerate, and kept.

UCI Online Retail is the example: BG/NBD runs off (``a``, ``b`` to infinity: every
customer the same tiny drop-out probability; or, the likelihood being that flat, a
rounding difference away, stops at ``a = 0.0034`` with ``se(a)/a = 3.0``), MBG/NBD
stops at ``a = 0.0019`` with ``se(a)/a = 6.7``, Pareto/NBD at a saddle. Their data show
almost no drop-out, so the drop-out process is not identified.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from payback._lazy import lazy_module
from payback.errors import DegenerateFitError, ModelFitError

np = lazy_module("numpy")
optimize = lazy_module("scipy.optimize")

#: ``objective(phi) -> (mean negative log-likelihood, gradient in phi)``
Objective = Callable[["np.ndarray"], tuple[float, "np.ndarray"]]

#: log-parameters beyond this are treated as running away to 0 or infinity
_PHI_LIMIT = 18.0
#: largest standard error of a log-parameter of an identified fit (rule 4) ...
_MAX_LOG_SE = 3.0
#: ... unless the data have too few customers for more: se x sqrt(n) up to this
_MAX_LOG_SE_PER_CUSTOMER = 100.0

#: The rule that makes a fit degenerate (:class:`payback.errors.DegenerateFitError`),
#: as the messages and the docs state it.
DEGENERATE_RULE = (
    f"a fit is degenerate when a parameter runs off to 0 or infinity (|log theta| > "
    f"{_PHI_LIMIT:g}), the likelihood or its curvature is not finite, the information "
    f"matrix is not positive definite, or a parameter's standard error exceeds "
    f"{_MAX_LOG_SE:g} x its value and {_MAX_LOG_SE_PER_CUSTOMER:g} x its value / sqrt(customers) "
    f"(near-singular)"
)


def _listed(names: Sequence[str], theta: np.ndarray, digits: int = 3) -> str:
    """``r=0.243, alpha=4.41`` (plain numbers, no NumPy reprs)."""
    return ", ".join(f"{n}={v:.{digits}g}" for n, v in zip(names, theta, strict=True))


def _degenerate(
    model: str,
    names,
    theta,
    reason: str,
    what: str,
    unidentified: Sequence[str] = (),
    log_likelihood: float | None = None,
) -> DegenerateFitError:
    if log_likelihood is not None and not np.isfinite(log_likelihood):
        log_likelihood = None
    return DegenerateFitError(
        f"{model}: degenerate fit ({reason}: {_listed(names, theta)}): {what}. Not used: "
        f"{DEGENERATE_RULE}. Try another model (mbgnbd, pareto, or auto to compare them "
        f"on a holdout), another summary period (freq W or M), more customers or a longer "
        f"history, or a penalizer (e.g. 0.001)",
        model=model,
        params={n: float(v) for n, v in zip(names, theta, strict=True)},
        reason=reason,
        unidentified=tuple(unidentified),
        log_likelihood=None if log_likelihood is None else float(log_likelihood),
    )


@dataclass(frozen=True)
class MLEResult:
    """What :func:`maximize` found: parameters, their standard errors and the fit."""

    params: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    n_iterations: int
    n_customers: float
    penalizer: float
    #: covariance of the log-parameters (the inverse observed information), row by row
    log_covariance: tuple[tuple[float, ...], ...] = ()


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product of long vectors without BLAS threads (which stall on a busy machine).

    >>> dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    11.0
    """
    return float(np.einsum("i,i->", a, b))


def numeric_gradient(f: Callable[[np.ndarray], float], phi: np.ndarray, step: float = 1e-6):
    """Central-difference gradient of a scalar function (for likelihoods without one)."""
    phi = np.asarray(phi, dtype=float)
    grad = np.empty_like(phi)
    for i in range(phi.size):
        e = np.zeros_like(phi)
        e[i] = step
        grad[i] = (f(phi + e) - f(phi - e)) / (2 * step)
    return grad


def _hessian(objective: Objective, phi: np.ndarray, step: float = 1e-4) -> np.ndarray:
    k = phi.size
    h = np.empty((k, k))
    for i in range(k):
        e = np.zeros(k)
        e[i] = step
        h[:, i] = (objective(phi + e)[1] - objective(phi - e)[1]) / (2 * step)
    return (h + h.T) / 2


#: plain Newton steps from a close start stop when the next step is below this on every
#: log-parameter (the estimate is then that close to the maximum: quadratic convergence)
_NEWTON_STEP = 1e-6


def _newton(value, gradient_hessian, phi: np.ndarray, max_steps: int = 8):
    """Plain Newton steps from a start near the maximum (a gradient and Hessian per step,
    the value only at the end); None when a step fails (information not positive
    definite, the gradient not shrinking, no convergence), for the trust region to take
    over."""
    g, h = gradient_hessian(phi)
    for k in range(max_steps):
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
            return None
        try:
            np.linalg.cholesky(h)
        except np.linalg.LinAlgError:
            return None
        step = -np.linalg.solve(h, g)
        if np.max(np.abs(step)) < _NEWTON_STEP:
            f = value(phi)
            if not np.isfinite(f):
                return None
            return optimize.OptimizeResult(
                x=phi, fun=f, jac=g, nit=k, success=True, message="Newton step below 1e-6"
            )
        g_new, h_new = gradient_hessian(phi + step)
        if not np.max(np.abs(g_new)) < np.max(np.abs(g)):
            return None
        phi, g, h = phi + step, g_new, h_new
    return None


def maximize(
    objective: Objective,
    start: Sequence[float],
    names: Sequence[str],
    *,
    n_customers: float,
    model: str,
    penalizer: float = 0.0,
    close_start: bool = False,
) -> MLEResult:
    """Maximise a likelihood over positive parameters and return the estimates with SEs.

    Parameters
    ----------
    objective : callable
        ``objective(phi)`` returns the mean negative log-likelihood and its gradient in
        ``phi = log(theta)``. When it also has a ``hessian(phi)`` method, the optimiser
        takes Newton steps in a trust region (``trust-exact``) and the standard errors
        use that analytic Hessian; otherwise L-BFGS-B and a finite-difference Hessian.
    start : sequence of float
        Starting values of ``theta`` (natural scale, all > 0).
    names : sequence of str
        Parameter names, in Hardie's notation (``r, alpha, a, b`` ...).
    n_customers : float
        Total weight (customers); the objective times it is the total log-likelihood.
    model : str
        Model name for error messages.
    penalizer : float
        L2 penalty ``penalizer * sum(theta**2)`` added to the mean negative
        log-likelihood (the ``lifetimes`` convention); 0 for plain maximum likelihood.
    close_start : bool
        The start is near the maximum (e.g. the estimate on a subsample): with an
        analytic Hessian, plain Newton steps first (gradient and Hessian, and the
        objective's ``gradient_hessian(phi)`` when it has one, skipping the value),
        until the next step is under 1e-6 on every log-parameter (typically three
        evaluations on all rows); the trust region takes over when a step fails.

    Raises
    ------
    ModelFitError
        When the optimiser fails to converge.
    payback.errors.DegenerateFitError
        A degenerate fit (:data:`DEGENERATE_RULE`, the module notes): a parameter runs
        off to 0 or infinity, the likelihood is not finite, the information matrix is
        not positive definite or near-singular.

    Examples
    --------
    A normal likelihood in disguise: the mean of 2 and 4 is 3.

    >>> import numpy as np
    >>> def objective(phi):
    ...     m = np.exp(phi[0])
    ...     f = ((2 - m) ** 2 + (4 - m) ** 2) / 4
    ...     return f, np.array([(-(2 - m) - (4 - m)) / 2 * m])
    >>> round(maximize(objective, [1.0], ["mu"], n_customers=2, model="demo").params["mu"], 6)
    3.0
    """
    if penalizer < 0:
        raise ModelFitError(f"{model}: penalizer must be >= 0, got {penalizer}")
    names = list(names)

    def penalized(phi: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = objective(phi)
        if penalizer:
            theta = np.exp(phi)
            f = f + penalizer * float(np.sum(theta**2))
            g = g + penalizer * 2 * theta**2
        return f, g

    phi0 = np.log(np.asarray(start, dtype=float))

    def safe(phi: np.ndarray) -> tuple[float, np.ndarray]:
        with np.errstate(all="ignore"):  # trial steps may reach absurd parameters
            f, g = penalized(phi)
        if not np.isfinite(f) or not np.all(np.isfinite(g)):
            return 1e100, np.zeros_like(phi)  # steer the line search back
        return f, g

    hessian = getattr(objective, "hessian", None)

    def penalized_hessian(phi: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            h = hessian(phi)
        if penalizer:
            h = h + np.diag(4 * penalizer * np.exp(2 * phi))
        return h if np.all(np.isfinite(h)) else np.eye(len(phi)) * 1e6

    def gradient_hessian(phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        both = getattr(objective, "gradient_hessian", None)
        with np.errstate(all="ignore"):
            g, h = both(phi) if both else (objective(phi)[1], hessian(phi))
        if penalizer:
            g = g + penalizer * 2 * np.exp(2 * phi)
            h = h + np.diag(4 * penalizer * np.exp(2 * phi))
        return g, h

    res = None
    if close_start and hessian is not None:
        res = _newton(lambda phi: safe(phi)[0], gradient_hessian, phi0)
    if res is None:
        f0, g0 = penalized(phi0)
        if not np.isfinite(f0) or not np.all(np.isfinite(g0)):
            raise ModelFitError(
                f"{model}: the log-likelihood is not finite at the starting values "
                f"{dict(zip(names, np.round(np.exp(phi0), 6), strict=True))}; check the "
                f"inputs (recency <= T, non-negative counts) or pass other starting values"
            )
    if res is not None:
        pass
    elif hessian is not None:  # analytic Hessian: Newton steps in a trust region
        res = optimize.minimize(
            safe,
            phi0,
            jac=True,
            hess=penalized_hessian,
            method="trust-exact",
            options={"maxiter": 500, "gtol": 1e-10},
        )
    else:
        bounds = [(-_PHI_LIMIT - 2, _PHI_LIMIT + 2)] * len(names)
        options = {"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9, "maxcor": 20}
        res = optimize.minimize(
            safe, phi0, jac=True, method="L-BFGS-B", bounds=bounds, options=options
        )
        for _ in range(3):  # a line search that stalls: restart with a fresh memory
            if res.success or np.max(np.abs(res.jac)) < 1e-7:
                break
            res = optimize.minimize(
                safe, res.x, jac=True, method="L-BFGS-B", bounds=bounds, options=options
            )
    phi = res.x
    theta = np.exp(phi)
    at_edge = [n for n, p in zip(names, phi, strict=True) if abs(p) > _PHI_LIMIT]
    if at_edge:
        raise _degenerate(
            model,
            names,
            theta,
            f"{', '.join(at_edge)} ran off to 0 or infinity",
            "the likelihood keeps rising towards the edge, so the data do not identify the model",
            at_edge,  # no log-likelihood: at the edge it is not computed reliably
        )
    f, g = penalized(phi)
    grad_norm = float(np.max(np.abs(g)))
    converged = np.isfinite(f) and (res.success or grad_norm <= 1e-5)
    if np.isfinite(f) and not converged:
        # stopped at the precision limit on a flat likelihood: converged when the Newton
        # step still to go is tiny (under 1e-4 on every log-parameter)
        try:
            rest = np.linalg.solve(
                penalized_hessian(phi) if hessian else _hessian(penalized, phi), g
            )
            converged = bool(np.max(np.abs(rest)) < 1e-4)
        except np.linalg.LinAlgError:
            converged = False
    if not converged:
        raise ModelFitError(
            f"{model}: the optimiser did not converge ({res.message}; gradient {grad_norm:.2g}). "
            f"Try a penalizer (e.g. penalizer=0.001), more data, or other starting values"
        )
    with np.errstate(all="ignore"):
        raw = hessian(phi) if hessian else _hessian(penalized, phi)
    if not np.all(np.isfinite(raw)):
        raise _degenerate(
            model, names, theta, "the curvature is not finite", "no standard errors exist"
        )
    if hessian and penalizer:
        raw = raw + np.diag(4 * penalizer * np.exp(2 * phi))
    info = raw * n_customers
    try:
        chol = np.linalg.cholesky(info)
    except np.linalg.LinAlgError:
        raise _degenerate(
            model,
            names,
            theta,
            "the likelihood is flat or saddle-shaped at the estimate",
            "the parameters are not identified",
        ) from None
    inv = np.linalg.inv(chol)
    cov_phi = inv.T @ inv
    log_se = np.sqrt(np.diag(cov_phi))
    per_customer = log_se * np.sqrt(n_customers)
    loose = [
        n
        for n, s, c in zip(names, log_se, per_customer, strict=True)
        if not (s <= _MAX_LOG_SE or c <= _MAX_LOG_SE_PER_CUSTOMER)
    ]
    if loose:
        spread = ", ".join(
            f"se({n})/{n} = {s:.3g}" for n, s in zip(names, log_se, strict=True) if n in loose
        )
        raise _degenerate(
            model,
            names,
            theta,
            f"near-singular information, {spread}",
            f"{', '.join(loose)} not identified by the data",
            loose,
            -float(objective(phi)[0]) * n_customers,
        )
    se = theta * log_se
    ll = -objective(phi)[0] * n_customers  # unpenalised
    return MLEResult(
        params={n: float(v) for n, v in zip(names, theta, strict=True)},
        standard_errors={n: float(v) for n, v in zip(names, se, strict=True)},
        log_likelihood=float(ll),
        n_iterations=int(res.nit),
        n_customers=float(n_customers),
        penalizer=float(penalizer),
        log_covariance=tuple(tuple(float(v) for v in row) for row in cov_phi),
    )


#: above this many rows, a fit starts from its estimate on a random quarter of this many
WARM_START_ROWS = 200_000


def maximize_large(
    make: Callable[..., Objective],
    arrays: Sequence[np.ndarray],
    start: Sequence[float],
    names: Sequence[str],
    *,
    model: str,
    penalizer: float = 0.0,
) -> MLEResult:
    """:func:`maximize` of ``make(*arrays)`` (the last array: the weights). Above
    :data:`WARM_START_ROWS` rows it starts from the estimate on 50,000 rows drawn at
    random (with replacement: no permutation of every row, whose memory costs more than
    the draw) in a few milliseconds, and takes plain Newton steps on all
    (``close_start``): typically three evaluations on all rows instead of eight to
    fourteen."""
    w = arrays[-1]
    close = False
    if w.size > WARM_START_ROWS:
        pick = np.random.default_rng(0).integers(0, w.size, WARM_START_ROWS // 4)
        try:
            sub = maximize(
                make(*(a[pick] for a in arrays)),
                start,
                names,
                n_customers=float(w[pick].sum()),
                model=model,
                penalizer=penalizer,
            )
            start, close = list(sub.params.values()), True
        except ModelFitError:
            pass  # the full data may still identify the model: start from the defaults
    return maximize(
        make(*arrays),
        start,
        names,
        n_customers=float(w.sum()),
        model=model,
        penalizer=penalizer,
        close_start=close,
    )
