// Detached CMS (DER .p7s) verification of a MUD file, in process with OpenSSL 3, where
// osMUD runs `openssl cms -verify` through system().
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <climits>
#include <memory>

#include "policy/mud.h"

namespace sekisho::policy {

namespace {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;

// The first queued OpenSSL reason with its detail ("certificate verify error (Verify
// error:unable to get local issuer certificate)"), and clears the queue.
std::string openssl_reason(const char* fallback) {
  std::string out = fallback;
  const char* data = nullptr;
  int flags = 0;
  if (const unsigned long e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags); e != 0) {
    if (const char* reason = ERR_reason_error_string(e)) out = reason;
    if (data && *data && (flags & ERR_TXT_STRING)) out += std::string(" (") + data + ")";
  }
  ERR_clear_error();
  return out;
}

std::string name_text(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 && data ? std::string(data, size_t(n)) : std::string();
}

}  // namespace

core::Result<SignerInfo> verify_mud_signature(std::string_view content, std::string_view p7s_der,
                                              const SignatureTrust& trust, const std::string& where) {
  auto fail = [&](core::ErrorCode code, std::string what) { return core::make_error(code, where, std::move(what)); };
  if (content.size() > size_t(INT_MAX) || p7s_der.size() > size_t(INT_MAX))
    return fail(core::ErrorCode::kInvalidArgument, "input too large");
  ERR_clear_error();

  BioPtr sig_bio(BIO_new_mem_buf(p7s_der.data(), int(p7s_der.size())));
  BioPtr data_bio(BIO_new_mem_buf(content.data(), int(content.size())));
  if (!sig_bio || !data_bio) return fail(core::ErrorCode::kInternal, openssl_reason("out of memory"));
  CmsPtr cms(d2i_CMS_bio(sig_bio.get(), nullptr));
  if (!cms) return fail(core::ErrorCode::kFormat, "not a DER CMS signature: " + openssl_reason("decode error"));
  if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed)
    return fail(core::ErrorCode::kFormat, "the CMS object is not SignedData");

  unsigned flags = CMS_BINARY | CMS_DETACHED;
  StorePtr store;
  if (trust.mode == SignatureTrust::Mode::kSignatureOnly) {
    flags |= CMS_NO_SIGNER_CERT_VERIFY;
  } else {
    if (trust.ca_file.empty() && trust.ca_path.empty())
      return fail(core::ErrorCode::kInvalidArgument, "no trust anchors: give a CA file or a CA directory");
    store.reset(X509_STORE_new());
    if (!store) return fail(core::ErrorCode::kInternal, openssl_reason("out of memory"));
    if (!trust.ca_file.empty() && X509_STORE_load_file(store.get(), trust.ca_file.c_str()) != 1)
      return fail(core::ErrorCode::kIo, "cannot load CA file " + trust.ca_file + ": " + openssl_reason("load error"));
    if (!trust.ca_path.empty() && X509_STORE_load_path(store.get(), trust.ca_path.c_str()) != 1)
      return fail(core::ErrorCode::kIo,
                  "cannot use CA directory " + trust.ca_path + ": " + openssl_reason("load error"));
    // MUD signers carry no S/MIME key usage; osMUD and the Cisco manager verify with
    // "-purpose any". A configured intermediate or signer certificate is an anchor.
    X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
    X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  }

  if (CMS_verify(cms.get(), nullptr, store.get(), data_bio.get(), nullptr, flags) != 1)
    return fail(core::ErrorCode::kFormat, "signature does not verify: " + openssl_reason("verification failure"));

  SignerInfo info;
  info.chain_verified = trust.mode == SignatureTrust::Mode::kTrustStore;
  STACK_OF(X509)* signers = CMS_get0_signers(cms.get());
  if (signers != nullptr && sk_X509_num(signers) > 0) {
    const X509* cert = sk_X509_value(signers, 0);
    info.subject = name_text(X509_get_subject_name(cert));
    info.issuer = name_text(X509_get_issuer_name(cert));
  }
  sk_X509_free(signers);
  ERR_clear_error();
  return info;
}

core::Result<SignerInfo> verify_mud_signature_files(const std::string& json_path, const std::string& p7s_path,
                                                    const SignatureTrust& trust) {
  auto content = read_file_bounded(json_path, kMaxMudBytes);
  if (!content) return content.error();
  auto sig = read_file_bounded(p7s_path, size_t{1} << 20);
  if (!sig) return sig.error();
  return verify_mud_signature(*content, *sig, trust, p7s_path);
}

}  // namespace sekisho::policy
