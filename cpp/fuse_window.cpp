// Per-utterance, per-window, per-person aggregation of face rows (the fuse stage's hot path).
//
// Faces are sorted by time t[0..m) and carry a dense person code c in [0, P) (-1 = unknown,
// skipped), a face area a and K class probabilities p. For utterance i the before / during /
// after windows are the index ranges of window_bounds:
//   before = [lower_bound(s-before), lower_bound(s)), during = [lower_bound(s), upper_bound(e)),
//   after = [upper_bound(e), upper_bound(e+after)).
// In one pass over each window the kernel accumulates, per person,
//   count[i, w, c]      number of face rows
//   max_area[i, w, c]   largest face area (0 when no row; NaN areas count as 0)
//   prob_sum[i, w, c,k] sum of class probabilities (NaN probabilities count as 0)
// Cost: O(n log m) for the bounds plus one visit per (window, face row) pair, i.e.
// O((n + m) log m) when each face lies in a bounded number of windows (utterance windows
// overlap only at their 1.5 s margins). Utterances with NaN start/end get empty windows.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "kernels.hpp"

namespace py = pybind11;

namespace reelmind {
namespace {

using f8 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using f4 = py::array_t<float, py::array::c_style | py::array::forcecast>;
using i8 = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

py::tuple window_aggregate(f8 times, i8 codes, f8 areas, f4 probs, f8 starts, f8 ends, double before, double after,
                           int64_t n_persons) {
  if (times.ndim() != 1 || codes.ndim() != 1 || areas.ndim() != 1 || starts.ndim() != 1 || ends.ndim() != 1)
    throw std::invalid_argument("window_aggregate: times, codes, areas, starts, ends must be 1-D");
  if (probs.ndim() != 2) throw std::invalid_argument("window_aggregate: probs must be 2-D (m, K)");
  const py::ssize_t m = times.shape(0);
  if (codes.shape(0) != m || areas.shape(0) != m || probs.shape(0) != m)
    throw std::invalid_argument("window_aggregate: times, codes, areas, probs differ in length");
  if (starts.shape(0) != ends.shape(0)) throw std::invalid_argument("window_aggregate: starts and ends differ in length");
  if (n_persons < 0) throw std::invalid_argument("window_aggregate: n_persons < 0");
  const py::ssize_t n = starts.shape(0), K = probs.shape(1), P = n_persons;
  const double *t = times.data();
  const int64_t *c = codes.data();
  const double *a = areas.data();
  const float *p = probs.data();
  const double *s = starts.data();
  const double *e = ends.data();
  for (py::ssize_t j = 0; j < m; ++j)
    if (c[j] >= P) throw std::invalid_argument("window_aggregate: a person code is >= n_persons");

  py::array_t<int64_t> bounds({n, py::ssize_t(4)});
  py::array_t<int64_t> count({n, py::ssize_t(3), P});
  py::array_t<double> max_area({n, py::ssize_t(3), P});
  py::array_t<double> prob_sum({n, py::ssize_t(3), P, K});
  int64_t *bo = bounds.mutable_data();
  int64_t *co = count.mutable_data();
  double *ma = max_area.mutable_data();
  double *ps = prob_sum.mutable_data();
  {
    py::gil_scoped_release release;
    std::fill(co, co + n * 3 * P, int64_t(0));
    std::fill(ma, ma + n * 3 * P, 0.0);
    std::fill(ps, ps + n * 3 * P * K, 0.0);
    for (py::ssize_t i = 0; i < n; ++i) {
      int64_t b[4] = {0, 0, 0, 0};
      if (!std::isnan(s[i]) && !std::isnan(e[i])) {
        const double *b0 = std::lower_bound(t, t + m, s[i] - before);
        const double *b1 = std::lower_bound(b0, t + m, s[i]);
        const double *b2 = std::upper_bound(b1, t + m, e[i]);
        const double *b3 = std::upper_bound(b2, t + m, e[i] + after);
        b[0] = b0 - t, b[1] = b1 - t, b[2] = b2 - t, b[3] = b3 - t;
      }
      std::copy(b, b + 4, bo + 4 * i);
      for (int w = 0; w < 3; ++w) {
        const py::ssize_t base = (i * 3 + w) * P;
        for (int64_t j = b[w]; j < b[w + 1]; ++j) {
          const int64_t code = c[j];
          if (code < 0) continue;
          const py::ssize_t slot = base + code;
          co[slot] += 1;
          const double area = a[j];
          if (area > ma[slot]) ma[slot] = area;  // false for NaN
          const float *pj = p + j * K;
          double *out = ps + slot * K;
          for (py::ssize_t k = 0; k < K; ++k)
            if (!std::isnan(pj[k])) out[k] += pj[k];
        }
      }
    }
  }
  return py::make_tuple(bounds, count, max_area, prob_sum);
}

}  // namespace

void register_fuse_window(py::module_ &m) {
  m.def("window_aggregate", &window_aggregate, py::arg("times"), py::arg("codes"), py::arg("areas"), py::arg("probs"),
        py::arg("starts"), py::arg("ends"), py::arg("before"), py::arg("after"), py::arg("n_persons"),
        "(bounds[n,4], count[n,3,P], max_area[n,3,P], prob_sum[n,3,P,K]) of faces per utterance window and person.");
}

}  // namespace reelmind
