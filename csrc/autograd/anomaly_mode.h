// Anomaly mode (detect_anomaly): nodes remember where the forward created them, and the
// engine checks every gradient for NaN and names the node that produced it.
#pragma once
#include <functional>
#include <string>

namespace bibun {

struct AnomalyMode {
  static bool is_enabled();
  static bool check_nan();
  static void set_enabled(bool enabled, bool check_nan = true);
  // How to capture the current (Python) stack, and how to warn; set by the bindings.
  static void set_callbacks(std::function<std::string()> capture_stack, std::function<void(const std::string&)> warn);
  static std::string capture_stack();
  static void warn(const std::string& message);
};

}  // namespace bibun
