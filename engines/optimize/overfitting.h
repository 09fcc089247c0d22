// The selection-bias statistics of a parameter sweep: the expected maximum Sharpe ratio of N
// skill-less trials, the Probabilistic and Deflated Sharpe Ratios (Bailey & López de Prado 2012,
// 2014), the effective number of trials, and the minimum backtest length. The Probability of
// Backtest Overfitting lives in engines/optimize/pbo.h, the grid-surface analysis in plateau.h.
// docs/optimization.md ("Overfitting statistics") writes every formula out.
//
// Units: every Sharpe ratio here is PER PERIOD (mean / sd of per-period returns, no risk-free
// rate), unless a name says "annual". Probabilities are in [0, 1]. Skewness is the moment ratio
// g₁ and kurtosis is NON-excess (normal = 3), as Moments computes them.
//
// Pure functions; thread-safe; deterministic.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "engines/core/status.h"
#include "engines/optimize/moments.h"

namespace btr {

// E[max of N standard normals] ≈ (1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)): the expected best
// Sharpe of N independent zero-skill trials, in units of the cross-trial standard deviation of
// their Sharpe ratios; γ = 0.5772156649 (Euler–Mascheroni). N may be fractional (an effective
// number of trials). The approximation falls below 0 for N < ~1.3 (and to −∞ at N = 1); it is
// clamped at 0, so N ≤ 1 gives 0 (no deflation). NaN for NaN.
double ExpectedMaxSharpe(double n_trials);

// PSR(SR*) = Φ( (SR − SR*)·√(n_obs − 1) / √(1 − skew·SR + (kurt − 1)/4·SR²) ): the probability
// that the true per-period Sharpe ratio exceeds sr_benchmark, given the observed per-period
// `sr` over n_obs returns with skewness `skew` and NON-excess kurtosis `kurt`. NaN when any input
// is NaN, n_obs < 2, or the variance term under the root is not positive.
double ProbabilisticSharpe(double sr, double sr_benchmark, double n_obs, double skew, double kurt);

// The z-statistic inside ProbabilisticSharpe (PSR = Φ(z)); NaN in the same cases.
double ProbabilisticSharpeZ(double sr, double sr_benchmark, double n_obs, double skew, double kurt);

// The Deflated Sharpe Ratio of the selected trial and the numbers behind it.
struct DeflatedSharpe {
  double n_trials = 0;         // trials with a finite Sharpe ratio (count)
  double n_effective = 0;      // independent trials deflated for (count, ≥ 1; may be fractional)
  double sharpe = 0;           // selected trial's Sharpe ratio, per period
  double sharpe_variance = 0;  // sample variance (n − 1) of the trials' per-period Sharpe ratios
  double expected_max = 0;     // ExpectedMaxSharpe(n_effective), in cross-trial sd units
  double sr0 = 0;              // deflation benchmark √sharpe_variance·expected_max, per period
  double z = 0;                // ProbabilisticSharpeZ(sharpe, sr0, ...), dimensionless
  double dsr = 0;              // Φ(z): probability the selected Sharpe beats luck; ≥ 0.95 is
                               // significant at 5 %. NaN when undefined (see PSR)
  double psr0 = 0;             // ProbabilisticSharpe against 0 (no deflation), probability
  double n_obs = 0;            // the selected trial's number of returns (periods)
  double skew = 0;             // the selected trial's return skewness g₁
  double kurtosis = 0;         // the selected trial's NON-excess kurtosis (normal = 3)
};

// The inputs of DSR as plain numbers (units as in DeflatedSharpe).
struct DeflatedSharpeInputs {
  double sharpe = 0;           // selected trial, per period
  double sharpe_variance = 0;  // across trials, per period², ≥ 0
  double n_trials = 0;         // ≥ 1; reported only
  double n_effective = 0;      // ≥ 1; enters E[max_N]
  double n_obs = 0;            // ≥ 2
  double skew = 0;
  double kurtosis = 3;  // NON-excess
};

// DSR from plain numbers. InvalidArgument (naming the field) when a number is NaN or out of
// range (sharpe_variance < 0, n_effective < 1, n_obs < 2). A DSR whose PSR variance term is not
// positive is NaN in an OK result.
Result<DeflatedSharpe> ComputeDeflatedSharpe(const DeflatedSharpeInputs& inputs);

// DSR of a sweep: `trial_sharpes` holds every trial's per-period Sharpe ratio (non-finite
// entries, i.e. trials without a defined Sharpe, are skipped and not counted); `n_effective` is
// the number of independent trials to deflate for (≥ 1; usually EffectiveTrials(...); it may
// exceed the count of trial_sharpes when trials of earlier studies are counted too);
// `selected_returns` are the moments of the selected trial's per-period returns. InvalidArgument
// when fewer than 2 finite Sharpe ratios remain, n_effective is below 1 or NaN, or the selected
// trial's Sharpe, skewness or kurtosis is undefined (fewer than 2 returns, zero variance).
Result<DeflatedSharpe> ComputeDeflatedSharpe(std::span<const double> trial_sharpes,
                                             double n_effective, const Moments& selected_returns);

// N_eff ≈ ρ̄ + (1 − ρ̄)·N, clamped to [1, N] (N below 1 is taken as 1): the effective number of
// independent trials among N trials whose returns have mean pairwise correlation ρ̄. A NaN ρ̄
// gives N (no reduction: the conservative choice). This is an approximation from the DSR
// literature, exact only for equicorrelated trials.
double EffectiveTrials(double n, double mean_correlation);

// The mean Pearson correlation over all pairs of `series`. Each series is one trial's values
// over the same periods (a sweep passes each trial's per-block mean returns, so ρ̄ is measured on
// S block means rather than on every period: an approximation that smooths day-to-day noise).
// Only the first L values of each series are used, L = the shortest length. Series with a
// non-finite value or no variation are skipped. When more than `max_series` series remain, a
// deterministic subsample of max_series of them, evenly spaced by index, is used; the default
// uses all. Exact over the series used, in O(count·L) time and O(L) memory. NaN when fewer than 2
// series remain, L < 2, or max_series < 2.
double MeanPairwiseCorrelation(const std::vector<std::vector<double>>& series,
                               size_t max_series = std::numeric_limits<size_t>::max());

// MinBTL ≈ (E[max_N] / SR_annual)², in years: the backtest length below which N skill-less
// trials can be expected to show an annualized Sharpe of `sharpe_annual` by chance alone
// (Bailey, Borwein, López de Prado & Zhu 2014). NaN when sharpe_annual ≤ 0 or NaN.
double MinBacktestLengthYears(double n_trials, double sharpe_annual);

}  // namespace btr
