#include "output/device_json.h"

#include "core/time.h"

namespace sekisho::output {

namespace {
void string_list(core::JsonWriter& w, const char* key, const std::vector<std::string>& xs) {
  w.key(key).begin_array();
  for (const auto& x : xs) w.value(x);
  w.end_array();
}
void ports_list(core::JsonWriter& w, const char* key, const std::vector<inventory::PortUse>& xs) {
  w.key(key).begin_array();
  for (const auto& p : xs) {
    w.begin_object();
    w.field("proto", p.proto == 6 ? "tcp" : "udp");
    w.field("port", uint32_t{p.port});
    w.field("flows", p.flows);
    w.end_object();
  }
  w.end_array();
}
}  // namespace

void write_device(core::JsonWriter& w, const inventory::Device& d, bool full) {
  char buf[48];  // MAC, address or time text, written just before use
  w.begin_object();
  d.mac.format(buf);
  w.field("mac", std::string_view(buf, 17));
  w.field("vendor", d.vendor);
  w.field("randomized_mac", d.randomized);
  w.key("addresses").begin_array();
  for (const auto& a : d.addresses) {
    w.begin_object();
    w.field("ip", std::string_view(buf, a.ip.format(buf)));
    w.field("source", inventory::addr_source_name(a.source));
    w.end_object();
  }
  w.end_array();
  w.field("hostname", d.hostname);
  if (!d.hostname_source.empty()) w.field("hostname_source", d.hostname_source);
  w.field("class", inventory::class_name(d.cls));
  w.key("class_evidence").begin_array();
  for (const auto& e : d.evidence) {
    w.begin_object();
    w.field("field", e.field);
    w.field("value", e.value);
    w.field("weight", e.weight);
    w.end_object();
  }
  w.end_array();
  string_list(w, "dns_names", d.dns_names);
  if (!d.dhcp.empty()) {
    w.key("dhcp").begin_object();
    if (!d.dhcp.params.empty()) w.field("fingerprint", d.dhcp.params);
    if (!d.dhcp.options.empty()) w.field("options", d.dhcp.options);
    if (!d.dhcp.vendor_class.empty()) w.field("vendor_class", d.dhcp.vendor_class);
    if (!d.dhcp.v6_oro.empty()) w.field("v6_oro", d.dhcp.v6_oro);
    if (!d.dhcp.v6_vendor_class.empty()) w.field("v6_vendor_class", d.dhcp.v6_vendor_class);
    w.end_object();
  }
  if (!d.mdns_services.empty()) string_list(w, "mdns_services", d.mdns_services);
  if (!d.mdns_names.empty()) string_list(w, "mdns_names", d.mdns_names);
  if (!d.ssdp_servers.empty()) string_list(w, "ssdp_servers", d.ssdp_servers);
  if (!d.upnp_locations.empty()) string_list(w, "upnp_locations", d.upnp_locations);
  if (!d.user_agents.empty()) string_list(w, "user_agents", d.user_agents);
  if (!d.http_hosts.empty()) string_list(w, "http_hosts", d.http_hosts);
  if (!d.tls_sni.empty() || !d.ja3.empty() || !d.ja4.empty()) {
    w.key("tls").begin_object();
    string_list(w, "sni", d.tls_sni);
    string_list(w, "ja3", d.ja3);
    string_list(w, "ja4", d.ja4);
    w.end_object();
  }
  if (!d.mud_url.empty()) {
    w.field("mud_url", d.mud_url);
    w.field("mud_url_source", d.mud_url_source);
  }
  if (!d.lldp_system.empty()) w.field("lldp_system_name", d.lldp_system);
  core::format_iso_time(d.first_seen, buf);
  w.field("first_seen", std::string_view(buf, 27));
  core::format_iso_time(d.last_seen, buf);
  w.field("last_seen", std::string_view(buf, 27));
  if (full) {
    w.key("traffic").begin_object();
    w.field("packets_out", d.pkts_out);
    w.field("packets_in", d.pkts_in);
    w.field("bytes_out", d.bytes_out);
    w.field("bytes_in", d.bytes_in);
    w.field("flows_initiated", d.flows_initiated);
    w.field("flows_accepted", d.flows_accepted);
    w.end_object();
    w.key("peers").begin_array();
    for (const auto& p : d.peers) {
      w.begin_object();
      w.field("ip", std::string_view(buf, p.ip.format(buf)));
      w.field("flows", p.flows);
      w.end_object();
    }
    w.end_array();
    ports_list(w, "ports", d.ports);
    ports_list(w, "served_ports", d.served);
    if (d.truncated_sets) w.field("truncated", true);
  }
  w.end_object();
}

}  // namespace sekisho::output
