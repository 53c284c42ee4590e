#include "audit/audit.h"

#include <chrono>
#include <ostream>

#include "audit/checks.h"
#include "core/clock.h"
#include "store/audit_store.h"
#include "store/key_store.h"
#include "store/schema.h"

namespace ink::audit {
namespace {

constexpr int kForeignRows = 20;

// One pass over every interval, window by window: the chain and main tree,
// then the stored main-tree nodes, then the interval trees with their ts.
void check_everything(store::AuditStore& db, Auditor& auditor, const AuditConfig& config) {
  std::optional<uint64_t> after;
  std::optional<int64_t> lower_us;  // the clock of the last interval of the previous window
  while (true) {
    std::vector<store::AuditInterval> page = db.intervals(after, config.window_intervals);
    if (page.empty()) break;
    after = page.back().idx;
    // Windows of the page holding at most window_ts ts (at least one interval).
    size_t begin = 0;
    while (begin < page.size()) {
      size_t end = begin;
      int64_t ts = 0;
      do ts += std::max<int64_t>(page[end++].ts_count, 0);
      while (end < page.size() && ts + page[end].ts_count <= config.window_ts);
      std::span<const store::AuditInterval> window(page.data() + begin, end - begin);

      std::vector<core::NodeId> nodes = auditor.check_intervals(window);
      auditor.check_mth_nodes(db.mth_nodes(nodes));
      auditor.check_interval_trees(window, lower_us, db.ts_in_range(lower_us, window.back().ts_us),
                                   db.levels(window.front().idx, window.back().idx));
      lower_us = window.back().ts_us;
      begin = end;
    }
  }

  // Rows that belong to no interval.
  std::optional<int64_t> tip = auditor.newest_clock();
  for (const auto& l : db.unsequenced_with_leaf(tip, kForeignRows))
    auditor.report("ts " + uuid_text(l.id),
                   "its clock " + core::format_clock(l.ts_us) + " is after the newest interval" +
                       (tip ? " (" + core::format_clock(*tip) + ")" : std::string()) +
                       ", but ts_leaf puts it in interval " + std::to_string(l.idx) + " at leaf " +
                       std::to_string(l.leaf));
  for (const auto& l : db.orphan_leaves(kForeignRows))
    auditor.report("ts_leaf " + uuid_text(l.id), "(interval " + std::to_string(l.idx) + ", leaf " +
                                                     std::to_string(l.leaf) + ") has no ts row");
  for (const auto& id : db.foreign_mth_nodes(auditor.tree_size(), kForeignRows))
    auditor.report(
        "mth_node (" + std::to_string(id.level) + ", " + std::to_string(id.index) + ")",
        "is not a node of the main tree of " + std::to_string(auditor.tree_size()) + " intervals");
  if (auto floor = db.clock_floor(); !floor)
    auditor.report("clock_floor", "the row is missing");
  else if (tip && *floor < *tip)
    auditor.report("clock_floor", "is " + core::format_clock(*floor) +
                                      ", before the newest interval's clock " +
                                      core::format_clock(*tip) +
                                      ": a new ts could fall into a sequenced interval");
}

}  // namespace

int run_audit(const AuditConfig& config, std::ostream& out) {
  auto started = std::chrono::steady_clock::now();
  store::sync::PgConnection conn;
  try {
    conn = store::sync::PgConnection::connect(config.database_url, "ink-audit");
    store::check_schema(conn.get());
  } catch (const store::StoreError& e) {
    out << "ink audit: cannot audit: " << e.what() << "\n";
    return kAuditCannotRun;
  }

  store::AuditStore db(conn);
  AuditOptions options;
  options.authority = config.authority;
  store::AuditCounts counts;
  std::string database;
  std::unique_ptr<Auditor> auditor;
  int64_t unsequenced = 0;
  try {
    db.begin_snapshot();
    int64_t now = db.now_us();
    if (config.retention_hours > 0)
      options.cutoff_us = now - static_cast<int64_t>(config.retention_hours * 3600e6);
    database = db.database_name();
    counts = db.counts();
    auditor = std::make_unique<Auditor>(options);
    out << "ink audit of database " << database << ", authority " << config.authority
        << ", snapshot at " << core::format_clock(now) << "\n";
    auditor->check_keys(db.keys());
    auditor->check_key_chain(store::KeyStore(conn).listing());
    check_everything(db, *auditor, config);
    unsequenced = db.count_unsequenced(auditor->newest_clock());
    db.end_snapshot();
  } catch (const store::StoreError& e) {
    out << "ink audit: cannot audit: " << e.what() << "\n";
    return kAuditCannotRun;
  }

  const Tally& t = auditor->tally();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out << "  intervals    " << counts.intervals << " (chain, ihash, mth, stored proofs; "
      << t.signatures << " signatures verified with " << t.keys << " key(s))\n"
      << "  mth_node     " << counts.mth_nodes << " rows, " << t.mth_nodes
      << " recomputed from the intervals\n"
      << "  ts           " << counts.ts << " rows: " << t.ts << " checked at their leaves, "
      << unsequenced << " not sequenced yet; ts_leaf " << counts.ts_leaf << " rows\n"
      << "  trees        " << t.trees_from_ts << " recomputed from their ts, "
      << t.trees_from_levels << " from their lowest stored level, " << t.trees_expired
      << " expired; interval_level " << counts.interval_levels << " rows, " << t.levels
      << " compared\n"
      << "  retention    ";
  if (options.cutoff_us)
    out << config.retention_hours << " h: records before " << core::format_clock(*options.cutoff_us)
        << " may be gone\n";
  else
    out << "none: every record must be there\n";
  if (auditor->ok()) {
    out << "OK: every check holds (" << seconds << " s)\n";
    return kAuditPassed;
  }
  out << "FAILED: " << auditor->finding_count() << " problem(s)";
  if (auditor->finding_count() > auditor->findings().size())
    out << "; the first " << auditor->findings().size();
  out << ":\n";
  for (const auto& f : auditor->findings()) out << "  " << f.where << ": " << f.what << "\n";
  out << "(" << seconds << " s)\n";
  return kAuditFailed;
}

}  // namespace ink::audit
