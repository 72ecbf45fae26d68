#include "http/access_log.h"

#include "util/logfmt.h"

namespace vestibule::http {

void AccessLog::on_request(const RequestRecord& r) {
  // The path, not the target: query strings may carry anything a client typed. A path may still
  // hold '"' or '=' (a method is a token, a request id is checked): quoted then, which costs an
  // allocation on those rare lines only, not on every request.
  constexpr auto kLine = "event=http.request request_id={} method={} path={} status={} latency_us={}";
  if (util::logfmt_bare(r.path)) {
    log_->info(kLine, r.request_id, r.method, r.path, r.status, r.duration.count());
  } else {
    log_->info(kLine, r.request_id, r.method, util::logfmt_value(r.path), r.status, r.duration.count());
  }
}

}  // namespace vestibule::http
