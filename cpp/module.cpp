// reelmind._native: private C++ kernels. Import them through reelmind.native (input validation).
#include "kernels.hpp"

PYBIND11_MODULE(_native, m) {
  m.doc() = "reelmind native kernels (private; use reelmind.native)";
  reelmind::register_window_bounds(m);
  reelmind::register_fuse_window(m);
  // further kernels: one register_* call per cpp/*.cpp file
}
