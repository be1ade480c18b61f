// verify_mud_signature: the Cisco luminaire's detached CMS signature, against its own
// signer certificate (the issuing CA is not published) and with one byte changed.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "mud_test_util.h"
#include "policy/mud.h"

namespace sekisho::policy {
namespace {

std::string read(const std::string& path) {
  auto r = read_file_bounded(path, size_t{1} << 24);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : std::string();
}

class MudSignature : public ::testing::Test {
 protected:
  void SetUp() override {
    json_ = read(testing::shared_mud_dir() + "/cisco/Luminaire_150.json");
    p7s_ = read(testing::shared_mud_dir() + "/cisco/Luminaire_150.p7s");
    ASSERT_FALSE(json_.empty());
    ASSERT_FALSE(p7s_.empty());
    // The embedded signer certificate, as a PEM trust anchor.
    anchor_ = (std::filesystem::temp_directory_path() / ("sekisho-mud-signer-" + std::to_string(::getpid()) + ".pem"))
                  .string();
    BIO* in = BIO_new_mem_buf(p7s_.data(), int(p7s_.size()));
    CMS_ContentInfo* cms = d2i_CMS_bio(in, nullptr);
    ASSERT_NE(cms, nullptr);
    STACK_OF(X509)* certs = CMS_get1_certs(cms);
    ASSERT_NE(certs, nullptr);
    ASSERT_EQ(sk_X509_num(certs), 1);
    FILE* f = std::fopen(anchor_.c_str(), "w");
    ASSERT_NE(f, nullptr);
    PEM_write_X509(f, sk_X509_value(certs, 0));
    std::fclose(f);
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
  }
  void TearDown() override { std::filesystem::remove(anchor_); }

  std::string json_, p7s_, anchor_;
};

TEST_F(MudSignature, SignatureOnlyReportsTheSigner) {
  SignatureTrust trust;
  trust.mode = SignatureTrust::Mode::kSignatureOnly;
  auto r = verify_mud_signature(json_, p7s_, trust, "Luminaire_150.p7s");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->subject, "CN=luminaire.example.com,O=Demo Luminaire Manufacturer");
  EXPECT_EQ(r->issuer, "O=Demo Luminaire Manufacturer");
  EXPECT_FALSE(r->chain_verified);
}

TEST_F(MudSignature, VerifiesAgainstPinnedSignerCertificate) {
  SignatureTrust trust;
  trust.ca_file = anchor_;
  auto r = verify_mud_signature(json_, p7s_, trust, "Luminaire_150.p7s");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->chain_verified);
  auto files = verify_mud_signature_files(testing::shared_mud_dir() + "/cisco/Luminaire_150.json",
                                          testing::shared_mud_dir() + "/cisco/Luminaire_150.p7s", trust);
  EXPECT_TRUE(files.ok()) << files.error().message();
}

TEST_F(MudSignature, OneChangedByteFails) {
  for (auto mode : {SignatureTrust::Mode::kSignatureOnly, SignatureTrust::Mode::kTrustStore}) {
    SignatureTrust trust;
    trust.mode = mode;
    trust.ca_file = anchor_;
    for (size_t at : {size_t{0}, json_.size() / 2, json_.size() - 1}) {
      std::string changed = json_;
      changed[at] = char(changed[at] ^ 0x01);
      auto r = verify_mud_signature(changed, p7s_, trust, "Luminaire_150.p7s");
      ASSERT_FALSE(r.ok()) << "byte " << at;
      EXPECT_TRUE(r.error().what.starts_with("signature does not verify")) << r.error().what;
    }
    std::string longer = json_ + " ";
    EXPECT_FALSE(verify_mud_signature(longer, p7s_, trust, "x").ok());
  }
}

TEST_F(MudSignature, UntrustedSignerFails) {
  if (!std::filesystem::is_directory("/etc/ssl/certs")) GTEST_SKIP() << "no system CA directory";
  SignatureTrust trust;
  trust.ca_path = "/etc/ssl/certs";  // the web PKI does not vouch for this signer
  auto r = verify_mud_signature(json_, p7s_, trust, "Luminaire_150.p7s");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().what.starts_with("signature does not verify")) << r.error().what;
}

TEST_F(MudSignature, BadInputs) {
  SignatureTrust none;
  auto r = verify_mud_signature(json_, p7s_, none, "x.p7s");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kInvalidArgument);

  SignatureTrust only;
  only.mode = SignatureTrust::Mode::kSignatureOnly;
  auto garbage = verify_mud_signature(json_, "not a signature", only, "x.p7s");
  ASSERT_FALSE(garbage.ok());
  EXPECT_TRUE(garbage.error().what.starts_with("not a DER CMS signature")) << garbage.error().what;
  EXPECT_EQ(garbage.error().where, "x.p7s");
  EXPECT_FALSE(verify_mud_signature(json_, p7s_.substr(0, p7s_.size() / 2), only, "x.p7s").ok());

  SignatureTrust missing;
  missing.ca_file = "/nonexistent/ca.pem";
  auto m = verify_mud_signature(json_, p7s_, missing, "x.p7s");
  ASSERT_FALSE(m.ok());
  EXPECT_TRUE(m.error().what.starts_with("cannot load CA file")) << m.error().what;
}

}  // namespace
}  // namespace sekisho::policy
