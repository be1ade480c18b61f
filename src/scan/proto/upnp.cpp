#include "scan/proto/upnp.h"

#include <expat.h>

#include <array>
#include <memory>

#include "scan/proto/text.h"

namespace sekisho::scan::proto {

namespace {

std::string_view local_name(const XML_Char* name) {
  std::string_view n(name);
  size_t colon = n.rfind(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

struct Parse {
  XML_Parser parser = nullptr;
  UpnpDescription* out = nullptr;
  // Local names of the open elements (only the first kUpnpMaxDepth are tracked; deeper is an error).
  std::array<std::string, kUpnpMaxDepth> stack;
  size_t depth = 0;
  bool saw_root = false, saw_device = false;
  std::string* field = nullptr;  // the field the current element's text goes to
  std::string chars;             // text of the current leaf element
  bool collecting = false;
  bool service_type = false;

  void fail(const char* why) {
    if (out->error.empty()) out->error = "line " + std::to_string(XML_GetCurrentLineNumber(parser)) + ": " + why;
    XML_StopParser(parser, XML_FALSE);
  }

  std::string* root_device_field(std::string_view name) {
    // root(1)/device(2)/<field>(3)
    if (depth != 3 || stack[0] != "root" || stack[1] != "device") return nullptr;
    if (name == "deviceType") return &out->device_type;
    if (name == "friendlyName") return &out->friendly_name;
    if (name == "manufacturer") return &out->manufacturer;
    if (name == "modelName") return &out->model_name;
    if (name == "modelNumber") return &out->model_number;
    if (name == "modelDescription") return &out->model_description;
    if (name == "serialNumber") return &out->serial_number;
    if (name == "UDN") return &out->udn;
    return nullptr;
  }
};

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char**) {
  auto* p = static_cast<Parse*>(data);
  if (p->depth >= kUpnpMaxDepth) return p->fail("elements nested too deeply");
  std::string_view n = local_name(name);
  p->stack[p->depth++] = std::string(n.substr(0, 64));
  if (p->depth == 1) {
    if (n != "root") return p->fail("root element is not <root>");
    p->saw_root = true;
  }
  if (p->depth == 2 && n == "device") p->saw_device = true;
  p->field = p->root_device_field(n);
  p->service_type = n == "serviceType" && p->depth >= 2 && p->stack[p->depth - 2] == "service";
  p->collecting = p->field || p->service_type;
  p->chars.clear();
}

void XMLCALL on_end(void* data, const XML_Char*) {
  auto* p = static_cast<Parse*>(data);
  if (p->collecting) {
    std::string value = text::printable(text::trim(p->chars), kUpnpMaxField);
    if (p->field && p->field->empty()) *p->field = value;
    if (p->service_type && !value.empty() && p->out->services.size() < kUpnpMaxServices)
      p->out->services.push_back(value);
  }
  p->collecting = false;
  p->field = nullptr;
  p->service_type = false;
  p->chars.clear();
  if (p->depth > 0) --p->depth;
}

void XMLCALL on_chars(void* data, const XML_Char* s, int len) {
  auto* p = static_cast<Parse*>(data);
  // Keep a little more than a field so that trimming still leaves a full field.
  if (p->collecting && p->chars.size() < kUpnpMaxField * 2)
    p->chars.append(s, std::min<size_t>(size_t(len), kUpnpMaxField * 2 - p->chars.size()));
}

void XMLCALL on_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<Parse*>(data)->fail("DOCTYPE not allowed");
}

void XMLCALL on_entity(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*, const XML_Char*,
                       const XML_Char*, const XML_Char*) {
  static_cast<Parse*>(data)->fail("entity declarations not allowed");
}

int XMLCALL on_external_entity(XML_Parser, const XML_Char*, const XML_Char*, const XML_Char*, const XML_Char*) {
  return XML_STATUS_ERROR;  // never load anything
}

struct ParserFree {
  void operator()(XML_Parser p) const { XML_ParserFree(p); }
};

}  // namespace

UpnpDescription parse_upnp_description(std::string_view xml) {
  UpnpDescription out;
  if (xml.size() > kUpnpMaxInput) {
    out.error = "description larger than " + std::to_string(kUpnpMaxInput) + " bytes";
    return out;
  }
  std::unique_ptr<XML_ParserStruct, ParserFree> parser(XML_ParserCreate(nullptr));
  if (!parser) {
    out.error = "out of memory";
    return out;
  }
  Parse p;
  p.parser = parser.get();
  p.out = &out;
  XML_SetUserData(parser.get(), &p);
  XML_SetElementHandler(parser.get(), on_start, on_end);
  XML_SetCharacterDataHandler(parser.get(), on_chars);
  XML_SetStartDoctypeDeclHandler(parser.get(), on_doctype);
  XML_SetEntityDeclHandler(parser.get(), on_entity);
  XML_SetExternalEntityRefHandler(parser.get(), on_external_entity);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);

  XML_Status st = XML_Parse(parser.get(), xml.data(), int(xml.size()), XML_TRUE);
  if (st != XML_STATUS_OK) {
    if (out.error.empty())
      out.error = "line " + std::to_string(XML_GetCurrentLineNumber(parser.get())) + ": " +
                  XML_ErrorString(XML_GetErrorCode(parser.get()));
    return out;
  }
  if (!p.saw_root || !p.saw_device) {
    out.error = "no <root><device>";
    return out;
  }
  out.valid = true;
  return out;
}

}  // namespace sekisho::scan::proto
