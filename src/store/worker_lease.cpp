#include "store/worker_lease.h"

namespace ink::store {

std::optional<LeaseClaim> WorkerLease::try_claim(const std::string& holder, int64_t lease_us) {
  sync::Params p;
  p.text(holder).int64(lease_us);
  sync::PgResult r =
      conn_.exec("SELECT new_epoch, old_epoch, old_holder FROM ink_lease_claim($1, $2::bigint)", p);
  if (r.rows() == 0) return std::nullopt;
  return LeaseClaim{r.int64(0, 0), r.int64(0, 1), r.text(0, 2)};
}

bool WorkerLease::join(int64_t epoch) {
  sync::Params p;
  p.int64(epoch);
  return conn_.exec("SELECT ink_lease_join($1::bigint)", p).text(0, 0) == "t";
}

bool WorkerLease::renew(int64_t epoch, int64_t lease_us) {
  sync::Params p;
  p.int64(epoch).int64(lease_us);
  return conn_.exec("SELECT ink_lease_renew($1::bigint, $2::bigint)", p).text(0, 0) == "t";
}

LeaseState WorkerLease::read() {
  sync::PgResult r = conn_.exec(
      "SELECT epoch, holder, expires_us, "
      "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint FROM worker_lease");
  if (r.rows() != 1) throw StoreError("worker_lease has no row (schema version 3 expected)");
  return LeaseState{r.int64(0, 0), r.text(0, 1), r.int64(0, 2), r.int64(0, 3)};
}

std::optional<int> WorkerLease::fence(int64_t seen_epoch) {
  sync::Params p;
  p.int64(seen_epoch);
  sync::PgResult r = conn_.exec("SELECT ink_lease_fence($1::bigint)", p);
  if (r.is_null(0, 0)) return std::nullopt;
  return static_cast<int>(r.int64(0, 0));
}

}  // namespace ink::store
