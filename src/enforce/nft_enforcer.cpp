#include "enforce/nft_enforcer.h"

#include <nftables/libnftables.h>
#include <sys/mman.h>
#include <unistd.h>

namespace sekisho::enforce {

namespace {
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  constexpr size_t kMax = 4000;  // a whole ruleset may come back with the error
  if (s.size() > kMax) s = s.substr(0, kMax) + "\n...";
  return s;
}
}  // namespace

core::Result<std::unique_ptr<NftEnforcer>> NftEnforcer::create() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return core::make_error(core::ErrorCode::kInternal, "libnftables", "nft_ctx_new failed");
  if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
    nft_ctx_free(ctx);
    return core::make_error(core::ErrorCode::kInternal, "libnftables", "cannot buffer output");
  }
  return std::unique_ptr<NftEnforcer>(new NftEnforcer(ctx));
}

NftEnforcer::~NftEnforcer() { nft_ctx_free(ctx_); }

core::Status NftEnforcer::run(const std::string& text, const std::string& where, bool dry_run) {
  nft_ctx_set_dry_run(ctx_, dry_run);
  // From a file, nft 1.0.6 quotes the line a kernel error refers to; from a buffer it
  // quotes line 1. An in-memory file gives the right line without touching the disk.
  int rc;
  const int fd = memfd_create("sekisho-nft", MFD_CLOEXEC);
  if (fd >= 0 && write(fd, text.data(), text.size()) == ssize_t(text.size())) {
    rc = nft_run_cmd_from_filename(ctx_, ("/proc/self/fd/" + std::to_string(fd)).c_str());
  } else {
    rc = nft_run_cmd_from_buffer(ctx_, text.c_str());
  }
  if (fd >= 0) close(fd);
  nft_ctx_set_dry_run(ctx_, false);
  // Reading the buffer rewinds it: once only.
  const char* buffered = nft_ctx_get_error_buffer(ctx_);
  std::string err = trim(buffered ? buffered : "");
  if (rc == 0) return {};
  core::ErrorCode code = core::ErrorCode::kInternal;
  if (err.find("Operation not permitted") != std::string::npos) {
    code = core::ErrorCode::kPermission;
    err += "\n(needs CAP_NET_ADMIN: run as root)";
  } else if (err.find("No such file or directory") != std::string::npos) {
    code = core::ErrorCode::kNotFound;
  }
  return core::make_error(code, where, "nft rejected the transaction, nothing changed:\n" + err);
}

core::Status NftEnforcer::apply(const std::string& ruleset) { return run(ruleset, "nft apply"); }

core::Status NftEnforcer::check(const std::string& ruleset) { return run(ruleset, "nft check", true); }

core::Status NftEnforcer::add_dns_binding(const core::MacAddr& device, const std::string& dns_name,
                                          const core::IpAddr& addr, uint32_t ttl_s) {
  auto text = dns_binding_text(device, dns_name, addr, ttl_s);
  if (!text) return text.error();
  core::Status s = run(*text, "dns binding " + device.to_string() + " " + dns_name);
  if (!s && s.error().code == core::ErrorCode::kNotFound)
    return core::make_error(core::ErrorCode::kNotFound, s.error().where,
                            "no live set " + dns_set_name(device, dns_name, addr.family) +
                                ": the device is not bound or its policy does not name " + dns_name);
  return s;
}

core::Status NftEnforcer::add_dns_bindings(const std::vector<DnsBinding>& bindings) {
  if (bindings.empty()) return {};
  if (bindings.size() == 1) {
    const DnsBinding& b = bindings.front();
    return add_dns_binding(b.device, b.name, b.addr, b.ttl_s);
  }
  auto text = dns_bindings_text(bindings);
  if (!text) return text.error();
  core::Status s = run(*text, "dns bindings (" + std::to_string(bindings.size()) + ")");
  if (!s && s.error().code == core::ErrorCode::kNotFound)
    return core::make_error(core::ErrorCode::kNotFound, s.error().where,
                            "a DNS-name set is not in the live table (a device not bound, or its policy does "
                            "not name the DNS name); nothing was added:\n" +
                                s.error().what);
  return s;
}

core::Status NftEnforcer::set_mode(const core::MacAddr& device, Mode mode) {
  core::Status s = run(mode_update_text(device, mode), "set-mode " + device.to_string());
  if (!s && s.error().code == core::ErrorCode::kNotFound)
    return core::make_error(core::ErrorCode::kNotFound, s.error().where,
                            "the device is not bound in the live table inet sekisho (apply its policy first)");
  return s;
}

core::Status NftEnforcer::quarantine_unbound(const core::MacAddr& device, const std::vector<core::IpAddr>& addrs) {
  core::Status s = run(quarantine_unbound_text(device, addrs), "quarantine " + device.to_string());
  if (!s && s.error().code == core::ErrorCode::kNotFound)
    return core::make_error(core::ErrorCode::kNotFound, s.error().where, "no live table inet sekisho");
  return s;
}

core::Status NftEnforcer::remove() { return run(remove_text(), "nft remove"); }

core::Result<std::string> NftEnforcer::list() {
  core::Status s = run("list table inet sekisho", "nft list");
  if (!s) return s.error();
  const char* out = nft_ctx_get_output_buffer(ctx_);
  return std::string(out ? out : "");
}

}  // namespace sekisho::enforce
