#pragma once
// One JSON shape for a device, used by `device` events and the inventory report.
#include "core/json_writer.h"
#include "inventory/device.h"

namespace sekisho::output {

// Writes the device as a JSON object. `full` adds traffic details (peers, ports).
void write_device(core::JsonWriter& w, const inventory::Device& d, bool full);

}  // namespace sekisho::output
