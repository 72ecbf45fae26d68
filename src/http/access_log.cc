#include "http/access_log.h"

namespace vestibule::http {

void AccessLog::on_request(const RequestRecord& r) {
  // The path, not the target: query strings may carry anything a client typed.
  log_->info("request_id={} method={} path={} status={} latency_us={}", r.request_id, r.method, r.path, r.status,
             r.duration.count());
}

}  // namespace vestibule::http
