#include "autograd/anomaly_mode.h"

#include <atomic>

namespace bibun {

namespace {
std::atomic<bool> g_enabled{false};
std::atomic<bool> g_check_nan{true};
std::function<std::string()> g_capture;
std::function<void(const std::string&)> g_warn;
}  // namespace

bool AnomalyMode::is_enabled() { return g_enabled.load(std::memory_order_relaxed); }
bool AnomalyMode::check_nan() { return g_check_nan.load(std::memory_order_relaxed); }
void AnomalyMode::set_enabled(bool enabled, bool check_nan) {
  g_enabled = enabled;
  g_check_nan = check_nan;
}
void AnomalyMode::set_callbacks(std::function<std::string()> capture_stack,
                                std::function<void(const std::string&)> warn) {
  g_capture = std::move(capture_stack);
  g_warn = std::move(warn);
}
std::string AnomalyMode::capture_stack() { return g_capture ? g_capture() : std::string(); }
void AnomalyMode::warn(const std::string& message) {
  if (g_warn) g_warn(message);
}

}  // namespace bibun
