#include "http/request_metrics.h"

namespace vestibule::http {

void RequestMetrics::on_request(const RequestRecord& record) {
  area_.request(record.route, record.status, record.duration);
}

void RequestMetrics::on_connection(ConnectionEvent event) {
  switch (event) {
    case ConnectionEvent::opened: area_.connection_opened(); break;
    case ConnectionEvent::closed: area_.connection_closed(); break;
    case ConnectionEvent::refused: area_.connection_refused(); break;
  }
}

}  // namespace vestibule::http
