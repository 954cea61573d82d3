// Declarations of the kernel registration functions: one per source file, called from module.cpp.
#pragma once
#include <pybind11/pybind11.h>

namespace reelmind {
void register_window_bounds(pybind11::module_ &m);
}  // namespace reelmind
