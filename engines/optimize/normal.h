// The standard normal distribution: Φ and Φ⁻¹, accurate to ~1e-15 relative (Φ through
// std::erfc; Φ⁻¹ by Acklam's rational approximation, ~1e-9, refined by one Halley step on Φ).
// Pure functions; thread-safe.
#pragma once

namespace btr {

// Φ(x) = P(Z ≤ x) for Z ~ N(0, 1). Φ(−∞) = 0, Φ(+∞) = 1, NaN for NaN.
double StandardNormalCdf(double x);

// Φ⁻¹(p): the x with Φ(x) = p. −∞ for p == 0, +∞ for p == 1, NaN for p outside [0, 1] or NaN.
// Symmetric: Φ⁻¹(1 − p) = −Φ⁻¹(p) exactly, with the lower tail computed directly so that
// p close to 0 keeps its relative precision.
double StandardNormalQuantile(double p);

}  // namespace btr
