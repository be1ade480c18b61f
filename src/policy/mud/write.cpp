// MudFile -> RFC 8520 JSON, in the member order of the RFC's examples.
#include <nlohmann/json.hpp>

#include "policy/mud.h"

namespace sekisho::policy {

namespace {

using Json = nlohmann::ordered_json;

Json port_json(const PortMatch& p) {
  Json j = Json::object();
  if (p.op == PortOperator::kRange) {
    j["lower-port"] = p.port;
    j["upper-port"] = p.upper;
  } else {
    j["operator"] = port_operator_name(p.op);
    j["port"] = p.port;
  }
  return j;
}

std::string prefix_text(const IpPrefix& p) { return p.addr.to_string() + "/" + std::to_string(p.length); }

Json ip_json(const IpMatch& m, const char* family) {
  const std::string fam = family;
  Json j = Json::object();
  if (m.protocol) j["protocol"] = *m.protocol;
  if (m.src_dnsname) j["ietf-acldns:src-dnsname"] = *m.src_dnsname;
  if (m.dst_dnsname) j["ietf-acldns:dst-dnsname"] = *m.dst_dnsname;
  if (m.src_network) j["source-" + fam + "-network"] = prefix_text(*m.src_network);
  if (m.dst_network) j["destination-" + fam + "-network"] = prefix_text(*m.dst_network);
  return j;
}

Json transport_json(const TransportMatch& t) {
  Json j = Json::object();
  if (t.initiated)
    j["ietf-mud:direction-initiated"] = *t.initiated == Direction::kFromDevice ? "from-device" : "to-device";
  if (t.src_port) j["source-port"] = port_json(*t.src_port);
  if (t.dst_port) j["destination-port"] = port_json(*t.dst_port);
  return j;
}

Json matches_json(const Matches& m) {
  Json j = Json::object();
  if (m.mud) {
    Json a = Json::object();
    const char* name = abstraction_name(m.mud->kind);
    switch (m.mud->kind) {
      case Abstraction::kSameManufacturer:
      case Abstraction::kLocalNetworks:
      case Abstraction::kMyController: a[name] = Json::array({nullptr}); break;
      case Abstraction::kManufacturer:
      case Abstraction::kModel:
      case Abstraction::kController: a[name] = m.mud->value; break;
    }
    j["ietf-mud:mud"] = std::move(a);
  }
  if (m.eth) {
    Json e = Json::object();
    if (m.eth->dst_mac) e["destination-mac-address"] = m.eth->dst_mac->to_string();
    if (m.eth->src_mac) e["source-mac-address"] = m.eth->src_mac->to_string();
    if (m.eth->ethertype) e["ethertype"] = *m.eth->ethertype;
    j["eth"] = std::move(e);
  }
  if (m.ipv4) j["ipv4"] = ip_json(*m.ipv4, "ipv4");
  if (m.ipv6) j["ipv6"] = ip_json(*m.ipv6, "ipv6");
  if (m.tcp) j["tcp"] = transport_json(*m.tcp);
  if (m.udp) j["udp"] = transport_json(*m.udp);
  if (m.icmp) {
    Json i = Json::object();
    if (m.icmp->type) i["type"] = *m.icmp->type;
    if (m.icmp->code) i["code"] = *m.icmp->code;
    j["icmp"] = std::move(i);
  }
  return j;
}

Json policy_json(const std::vector<std::string>& names) {
  Json list = Json::array();
  for (const auto& n : names) list.push_back(Json{{"name", n}});
  return Json{{"access-lists", Json{{"access-list", std::move(list)}}}};
}

// Augmentations were stored as JSON text by the parser; a hand-built model may hold
// anything, so a value that does not parse is written as a string rather than lost.
Json augmentation_json(const Augmentation& a) {
  Json j = Json::parse(a.json, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(a.json) : j;
}

}  // namespace

std::string write_mud(const MudFile& mud) {
  Json m = Json::object();
  m["mud-version"] = mud.mud_version;
  m["mud-url"] = mud.mud_url;
  m["last-update"] = mud.last_update;
  if (mud.mud_signature) m["mud-signature"] = *mud.mud_signature;
  if (mud.cache_validity) m["cache-validity"] = *mud.cache_validity;
  m["is-supported"] = mud.is_supported;
  if (mud.systeminfo) m["systeminfo"] = *mud.systeminfo;
  if (mud.mfg_name) m["mfg-name"] = *mud.mfg_name;
  if (mud.model_name) m["model-name"] = *mud.model_name;
  if (mud.firmware_rev) m["firmware-rev"] = *mud.firmware_rev;
  if (mud.software_rev) m["software-rev"] = *mud.software_rev;
  if (mud.documentation) m["documentation"] = *mud.documentation;
  if (!mud.extensions.empty()) m["extensions"] = mud.extensions;
  for (const auto& a : mud.mud_augmentations) m[a.key] = augmentation_json(a);
  if (!mud.from_device_policy.empty()) m["from-device-policy"] = policy_json(mud.from_device_policy);
  if (!mud.to_device_policy.empty()) m["to-device-policy"] = policy_json(mud.to_device_policy);

  Json acls = Json::array();
  for (const auto& acl : mud.acls) {
    Json a = Json::object();
    a["name"] = acl.name;
    if (acl.type) a["type"] = acl_type_name(*acl.type);
    Json aces = Json::array();
    for (const auto& ace : acl.aces) {
      Json e = Json::object();
      e["name"] = ace.name;
      e["matches"] = matches_json(ace.matches);
      Json actions = Json::object();
      actions["forwarding"] = forwarding_name(ace.forwarding);
      if (ace.logging) actions["logging"] = *ace.logging;
      e["actions"] = std::move(actions);
      aces.push_back(std::move(e));
    }
    a["aces"] = Json{{"ace", std::move(aces)}};
    acls.push_back(std::move(a));
  }

  Json doc = Json::object();
  doc["ietf-mud:mud"] = std::move(m);
  doc["ietf-access-control-list:acls"] = Json{{"acl", std::move(acls)}};
  for (const auto& a : mud.top_augmentations) doc[a.key] = augmentation_json(a);
  std::string out = doc.dump(2, ' ', false, Json::error_handler_t::replace);
  out += '\n';
  return out;
}

}  // namespace sekisho::policy
