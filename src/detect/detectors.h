#pragma once
// The factories of the detectors, one file each; registry.cpp lists them in one table.
#include <memory>

#include "core/result.h"
#include "detect/config.h"
#include "detect/detector.h"

namespace sekisho::detect {

using MakeResult = core::Result<std::unique_ptr<Detector>>;

MakeResult make_outbound_scan(const ConfigView& cfg);          // outbound_scan.cpp
MakeResult make_outbound_flood(const ConfigView& cfg);         // outbound_flood.cpp
MakeResult make_inbound_bruteforce(const ConfigView& cfg);     // inbound_bruteforce.cpp
MakeResult make_inbound_portscan(const ConfigView& cfg);       // inbound_portscan.cpp
MakeResult make_inbound_flood(const ConfigView& cfg);          // inbound_flood.cpp
MakeResult make_new_device(const ConfigView& cfg);             // new_device.cpp
MakeResult make_idle_device(const ConfigView& cfg);            // idle_device.cpp
MakeResult make_cleartext_credentials(const ConfigView& cfg);  // cleartext_credentials.cpp
MakeResult make_blocklist(const ConfigView& cfg);              // blocklist.cpp

}  // namespace sekisho::detect
