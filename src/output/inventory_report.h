#pragma once
// The inventory at the end of a run: one JSON document, or a table for people.
#include <cstdio>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "inventory/device.h"

namespace sekisho::output {

// Devices sorted by first_seen, then MAC.
std::vector<const inventory::Device*> sorted_devices(const std::deque<inventory::Device>& devices);

// {"devices":[...]} pretty-printed with two-space indent.
std::string inventory_json(const std::vector<const inventory::Device*>& devices);
// JsonWriter output re-indented: what nlohmann::json::parse(compact).dump(2) gives (sorted
// keys, two-space indent), written directly.
std::string json_pretty(std::string_view compact);
// Fixed-width table; `width` is the terminal width to fit (0 = no limit).
std::string inventory_table(const std::vector<const inventory::Device*>& devices, size_t width);

}  // namespace sekisho::output
