#include "ops/metrics_registry.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ink::ops {
namespace {

TEST(MetricsRegistry, GaugesCountersAndFamiliesInTheTextFormat) {
  MetricsRegistry r;
  double value = 2.5;
  r.add_gauge("ink_thing", "A thing.", [&] { return value; });
  r.add_counter("ink_done_total", "Done.", [] { return 7.0; });
  auto& errors = r.counter_family("ink_errors_total", "Errors.", "kind", {"database", "redis"});
  errors.add("redis", 2);
  auto& phases = r.histogram_family("ink_phase_seconds", "Phases.", "phase", {0.1, 1});
  phases.observe("sign", 0.05);
  phases.observe("sign", 0.5);
  phases.observe("sign", 5);
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE ink_thing gauge\nink_thing 2.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE ink_done_total counter\nink_done_total 7\n"), std::string::npos);
  EXPECT_NE(text.find("ink_errors_total{kind=\"database\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ink_errors_total{kind=\"redis\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("ink_phase_seconds_bucket{phase=\"sign\",le=\"0.10000000000000001\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ink_phase_seconds_bucket{phase=\"sign\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("ink_phase_seconds_bucket{phase=\"sign\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("ink_phase_seconds_count{phase=\"sign\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("ink_phase_seconds_sum{phase=\"sign\"} 5.5"), std::string::npos);
  value = NAN;
  EXPECT_NE(r.render().find("ink_thing NaN\n"), std::string::npos);
}

TEST(MetricsRegistry, GaugeFamiliesAreReadAtScrapeWithEscapedLabels) {
  MetricsRegistry r;
  MetricsRegistry::Series series{{"alpha", 7}, {"Zeugin \"K\"", NAN}};
  r.add_gauge_family("ink_witness_newest_cosigned_interval", "Newest.", "witness",
                     [&] { return series; });
  auto text = r.render();
  EXPECT_NE(text.find("# TYPE ink_witness_newest_cosigned_interval gauge\n"), std::string::npos);
  EXPECT_NE(text.find("ink_witness_newest_cosigned_interval{witness=\"alpha\"} 7\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("{witness=\"Zeugin \\\"K\\\"\"} NaN\n"), std::string::npos) << text;
  series.push_back({"beta", 9});
  EXPECT_NE(r.render().find("{witness=\"beta\"} 9"), std::string::npos);
}

TEST(MetricsRegistry, ValuesAsTheTextFormatWritesThem) {
  EXPECT_EQ(metric_value(NAN), "NaN");
  EXPECT_EQ(metric_value(INFINITY), "+Inf");
  EXPECT_EQ(metric_value(-INFINITY), "-Inf");
  EXPECT_EQ(metric_value(0.25), "0.25");
  EXPECT_EQ(metric_value(1700000000.123456), "1700000000.123456");
}

}  // namespace
}  // namespace ink::ops
