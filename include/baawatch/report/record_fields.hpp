#pragma once
// The device, service and evidence of one record, read as the report reads them: values of the
// wrong type read as absent, so a damaged record loses a field, never the whole report. Also used
// by the e-mail digest (sink/), which puts the same records into the same words.
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "baawatch/report/plain_words.hpp"
#include "baawatch/report/report_data.hpp"

namespace baawatch::report {

// `device`; the id made from the MAC or address when the record has none.
DeviceRef deviceOf(const nlohmann::json& record);
// `service`; a counts record names it by `service_id` and `category` only.
ServiceRef serviceOf(const nlohmann::json& record);
// `evidence`, in the record's order.
std::vector<RawEvidence> evidenceOf(const nlohmann::json& record);

}  // namespace baawatch::report
