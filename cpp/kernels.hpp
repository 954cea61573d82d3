// Declarations of the kernel registration functions: one per source file, called from module.cpp.
#pragma once
#include <pybind11/pybind11.h>

namespace reelmind {
void register_window_bounds(pybind11::module_ &m);
void register_fuse_window(pybind11::module_ &m);  // cpp/fuse_window.cpp (issue 5)
}  // namespace reelmind
