#pragma once
// nftables backend: libnftables in the current network namespace. Every call is one
// transaction (nft_run_cmd_from_buffer): it applies whole or not at all.
#include <memory>
#include <string>

#include "enforce/enforcer.h"

struct nft_ctx;

namespace sekisho::enforce {

class NftEnforcer final : public Enforcer {
 public:
  static core::Result<std::unique_ptr<NftEnforcer>> create();
  ~NftEnforcer() override;
  NftEnforcer(const NftEnforcer&) = delete;
  NftEnforcer& operator=(const NftEnforcer&) = delete;

  core::Status apply(const std::string& ruleset) override;
  core::Status add_dns_binding(const core::MacAddr& device, const std::string& dns_name, const core::IpAddr& addr,
                               uint32_t ttl_s) override;
  core::Status add_dns_bindings(const std::vector<DnsBinding>& bindings) override;
  core::Status set_mode(const core::MacAddr& device, Mode mode) override;
  core::Status quarantine_unbound(const core::MacAddr& device, const std::vector<core::IpAddr>& addrs) override;
  core::Status remove() override;

  // `nft -c`: the kernel validates the transaction and nothing is committed.
  core::Status check(const std::string& ruleset);
  // `nft list table inet sekisho`.
  core::Result<std::string> list();

 private:
  explicit NftEnforcer(nft_ctx* ctx) : ctx_(ctx) {}
  // Runs `text` as one transaction; errors name `where` and carry nft's message.
  core::Status run(const std::string& text, const std::string& where, bool dry_run = false);
  nft_ctx* ctx_;
};

}  // namespace sekisho::enforce
