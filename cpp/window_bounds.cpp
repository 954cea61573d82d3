// Before / during / after window bounds of utterances over a sorted face timeline.
//
// For utterance i with [start_i, end_i] and sorted face times t[0..m), returns four indices
//   b0 = lower_bound(t, start_i - before)   first face of the "before" window
//   b1 = lower_bound(t, start_i)            first face of "during" (end of "before")
//   b2 = upper_bound(t, end_i)              end of "during" (first face of "after")
//   b3 = upper_bound(t, end_i + after)      end of "after"
// so before = [b0, b1), during = [b1, b2), after = [b2, b3). O(n log m).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>

#include "kernels.hpp"

namespace py = pybind11;

namespace reelmind {
namespace {

py::array_t<int64_t> window_bounds(py::array_t<double, py::array::c_style | py::array::forcecast> times,
                                   py::array_t<double, py::array::c_style | py::array::forcecast> starts,
                                   py::array_t<double, py::array::c_style | py::array::forcecast> ends,
                                   double before, double after) {
  if (times.ndim() != 1 || starts.ndim() != 1 || ends.ndim() != 1)
    throw std::invalid_argument("window_bounds: times, starts and ends must be 1-D");
  if (starts.shape(0) != ends.shape(0)) throw std::invalid_argument("window_bounds: starts and ends differ in length");
  const auto m = static_cast<size_t>(times.shape(0));
  const auto n = static_cast<size_t>(starts.shape(0));
  const double *t = times.data();
  const double *s = starts.data();
  const double *e = ends.data();
  py::array_t<int64_t> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(4)});
  auto o = out.mutable_unchecked<2>();
  {
    py::gil_scoped_release release;
    for (size_t i = 0; i < n; ++i) {
      const double *b0 = std::lower_bound(t, t + m, s[i] - before);
      const double *b1 = std::lower_bound(b0, t + m, s[i]);
      const double *b2 = std::upper_bound(b1, t + m, e[i]);
      const double *b3 = std::upper_bound(b2, t + m, e[i] + after);
      o(i, 0) = b0 - t;
      o(i, 1) = b1 - t;
      o(i, 2) = b2 - t;
      o(i, 3) = b3 - t;
    }
  }
  return out;
}

}  // namespace

void register_window_bounds(py::module_ &m) {
  m.def("window_bounds", &window_bounds, py::arg("times"), py::arg("starts"), py::arg("ends"), py::arg("before"),
        py::arg("after"),
        "int64[n,4] indices (b0,b1,b2,b3): before=[b0,b1), during=[b1,b2), after=[b2,b3) over sorted times.");
}

}  // namespace reelmind
