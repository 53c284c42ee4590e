#include "ops/metrics_registry.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace ink::ops {

std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string metric_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char text[64];
  std::snprintf(text, sizeof text, "%.17g", v);
  return text;
}

void MetricsRegistry::add_gauge(std::string name, std::string help, std::function<double()> read) {
  std::lock_guard lock(mutex_);
  readers_.push_back({std::move(name), std::move(help), std::move(read), "gauge"});
}

void MetricsRegistry::add_counter(std::string name, std::string help,
                                  std::function<double()> read) {
  std::lock_guard lock(mutex_);
  readers_.push_back({std::move(name), std::move(help), std::move(read), "counter"});
}

void MetricsRegistry::add_gauge_family(std::string name, std::string help, std::string label,
                                       std::function<Series()> read) {
  std::lock_guard lock(mutex_);
  family_readers_.push_back({std::move(name), std::move(help), std::move(label), std::move(read)});
}

void MetricsRegistry::CounterFamily::add(const std::string& value, double n) {
  std::lock_guard lock(mutex_);
  values_[value] += n;
}

MetricsRegistry::CounterFamily& MetricsRegistry::counter_family(
    std::string name, std::string help, std::string label,
    const std::vector<std::string>& known_values) {
  auto family = std::make_unique<CounterFamily>();
  family->name_ = std::move(name);
  family->help_ = std::move(help);
  family->label_ = std::move(label);
  for (const auto& v : known_values) family->values_[v] = 0;
  std::lock_guard lock(mutex_);
  counters_.push_back(std::move(family));
  return *counters_.back();
}

void MetricsRegistry::HistogramFamily::observe(const std::string& value, double x) {
  std::lock_guard lock(mutex_);
  auto& s = series_[value];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size(), 0);
  for (size_t i = 0; i < bounds_.size(); ++i)
    if (x <= bounds_[i]) ++s.buckets[i];
  ++s.count;
  s.sum += x;
}

MetricsRegistry::HistogramFamily& MetricsRegistry::histogram_family(std::string name,
                                                                    std::string help,
                                                                    std::string label,
                                                                    std::vector<double> bounds) {
  auto family = std::make_unique<HistogramFamily>();
  family->name_ = std::move(name);
  family->help_ = std::move(help);
  family->label_ = std::move(label);
  family->bounds_ = std::move(bounds);
  std::lock_guard lock(mutex_);
  histograms_.push_back(std::move(family));
  return *histograms_.back();
}

std::string MetricsRegistry::render() const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  for (const auto& r : readers_)
    out << "# HELP " << r.name << " " << r.help << "\n# TYPE " << r.name << " " << r.type << "\n"
        << r.name << " " << metric_value(r.read()) << "\n";
  for (const auto& f : family_readers_) {
    out << "# HELP " << f.name << " " << f.help << "\n# TYPE " << f.name << " gauge\n";
    for (const auto& [value, x] : f.read())
      out << f.name << "{" << f.label << "=\"" << label_value(value) << "\"} " << metric_value(x)
          << "\n";
  }
  for (const auto& f : counters_) {
    std::lock_guard family_lock(f->mutex_);
    out << "# HELP " << f->name_ << " " << f->help_ << "\n# TYPE " << f->name_ << " counter\n";
    for (const auto& [value, n] : f->values_)
      out << f->name_ << "{" << f->label_ << "=\"" << value << "\"} " << metric_value(n) << "\n";
  }
  for (const auto& f : histograms_) {
    std::lock_guard family_lock(f->mutex_);
    out << "# HELP " << f->name_ << " " << f->help_ << "\n# TYPE " << f->name_ << " histogram\n";
    for (const auto& [value, s] : f->series_) {
      std::string label = f->label_ + "=\"" + value + "\"";
      for (size_t i = 0; i < f->bounds_.size(); ++i)
        out << f->name_ << "_bucket{" << label << ",le=\"" << metric_value(f->bounds_[i]) << "\"} "
            << s.buckets[i] << "\n";
      out << f->name_ << "_bucket{" << label << ",le=\"+Inf\"} " << s.count << "\n"
          << f->name_ << "_sum{" << label << "} " << metric_value(s.sum) << "\n"
          << f->name_ << "_count{" << label << "} " << s.count << "\n";
    }
  }
  return out.str();
}

}  // namespace ink::ops
