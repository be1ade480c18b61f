#pragma once
// The survey engine: every target through port discovery, service identification, the
// credential checks and the version lookup, on one thread (scan/loop.h). Results leave
// through a ResultSink as they are found, so an interrupted run keeps what it saw.
//
// Politeness and safety live here, not in the probes: a global pace for new connections and
// datagrams (--rate), at most `per_device` connections to one address at a time, a pool of
// descriptors, a byte and a time limit on every read, and after a successful login not one
// byte more is sent: the connection is closed at once.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/net.h"
#include "scan/findings.h"
#include "scan/ports.h"
#include "scan/target.h"

namespace sekisho::scan {

struct CredentialSet;
class VulnDb;
namespace proto {
class ProductMatcher;
}

using Fields = std::vector<std::pair<std::string, std::string>>;

struct ServiceRecord {
  core::IpAddr ip;
  uint16_t port = 0;
  Proto proto = Proto::kTcp;
  std::string service;  // "telnet", "ssh", "http", "https", "ftp", "mqtt", "rtsp", "snmp", "coap", "upnp", "unknown"
  std::string product, version, cpe;
  bool tls = false;
  std::string banner;  // printable, at most 160 characters
  Fields info;         // service details (title, auth scheme, model, ...)
  uint64_t time_ms = 0;
};

struct FindingRecord {
  core::IpAddr ip;
  uint16_t port = 0;
  Proto proto = Proto::kTcp;
  std::string service;
  std::string id;                    // a finding kind id (data/advice/findings.toml)
  std::optional<Severity> severity;  // overrides the kind's (vulnerable-version: the advisory's)
  std::string credential_id;         // never the password itself
  std::string advisory;              // CVE id for vulnerable-version
  std::string confidence;            // "confirmed" (we logged in / it answered), "version" (banner only)
  Fields evidence;
  uint64_t time_ms = 0;
};

struct HostSummary {
  core::IpAddr ip;
  uint64_t index = 0;  // position in the target set
  bool up = false;
  size_t open_ports = 0;
  size_t findings = 0;
  uint64_t logins_tried = 0;
  bool interrupted = false;  // stopped before every check ran
};

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void service(const ServiceRecord&) = 0;
  virtual void finding(const FindingRecord&) = 0;
  virtual void host_done(const HostSummary&) = 0;
};

struct ScanOptions {
  PortList ports = default_iot_ports();
  double rate = 1000;     // new connections + datagrams per second, all targets together
  size_t per_device = 2;  // concurrent connections to one address
  size_t max_hosts = 0;   // addresses in progress at once; 0: enough to keep `rate` busy
                          // through connect timeouts (rate x 2 x timeout), at least 256
  size_t max_fds = 0;     // 0: from RLIMIT_NOFILE
  uint64_t connect_timeout_ms = 1000;
  int connect_retries = 1;           // extra tries after a connect timeout
  uint64_t read_timeout_ms = 3000;   // one answer
  uint64_t banner_wait_ms = 1500;    // server-speaks-first ports
  uint64_t login_timeout_ms = 6000;  // one login attempt (login(1) waits ~3 s after a failure)
  uint64_t attempt_gap_ms = 100;     // between two login attempts on one device
  uint64_t udp_timeout_ms = 1000;
  int udp_retries = 1;
  bool credentials = true;            // --no-login turns the credential checks off
  size_t max_logins_per_service = 0;  // 0: the whole list
  size_t ssh_threads = 4;
  std::string user_agent = "sekisho-scan/0.1";
};

struct ScanStats {
  uint64_t hosts_done = 0, hosts_up = 0;
  uint64_t connects = 0, datagrams = 0, open_tcp = 0, services = 0, findings = 0, logins = 0;
  uint64_t task_errors = 0;
  bool interrupted = false;
};

class Engine {
 public:
  Engine(ScanOptions opts, const CredentialSet* creds, const VulnDb* vulns, const proto::ProductMatcher* products,
         ResultSink& sink);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Scans every address of `targets` whose index `skip` does not claim (resume), in order.
  // Returns when all are done or, after request_stop(), when the ones in progress drained.
  ScanStats run(const TargetSet& targets, const std::function<bool(uint64_t)>& skip = {});
  // From a signal handler: no new connection after this; work in progress ends within its
  // deadlines, login loops stop before their next attempt.
  void request_stop();
  int stop_fd() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sekisho::scan
