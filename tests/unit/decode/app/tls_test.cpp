#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app_test_util.h"
#include "decode/app/app.h"

namespace sekisho::decode {
namespace {

using test::Builder;
using test::Bytes;

struct Ext {
  uint16_t type;
  Bytes data;
};

Bytes u16_list(const std::vector<uint16_t>& v, bool u8_len = false) {
  Builder b;
  if (u8_len)
    b.u8(unsigned(v.size() * 2));
  else
    b.u16(unsigned(v.size() * 2));
  for (uint16_t x : v) b.u16(x);
  return b.b;
}
Ext sni(std::string_view host) {
  Builder b;
  b.u16(unsigned(host.size() + 3)).u8(0).u16(unsigned(host.size())).str(host);
  return {0x0000, b.b};
}
Ext alpn(const std::vector<std::string>& protos) {
  Builder list;
  for (const auto& p : protos) list.u8(unsigned(p.size())).str(p);
  Builder b;
  b.u16(unsigned(list.size())).bytes(list.b);
  return {0x0010, b.b};
}
Ext versions(const std::vector<uint16_t>& v) { return {0x002b, u16_list(v, true)}; }
Ext groups(const std::vector<uint16_t>& v) { return {0x000a, u16_list(v)}; }
Ext sigalgs(const std::vector<uint16_t>& v) { return {0x000d, u16_list(v)}; }
Ext point_formats(const Bytes& v) {
  Builder b;
  b.u8(unsigned(v.size())).bytes(v);
  return {0x000b, b.b};
}
Ext empty(uint16_t type) { return {type, {}}; }

// A TLS record holding one ClientHello. `with_extensions` false omits the block entirely.
Bytes client_hello(uint16_t version, const std::vector<uint16_t>& ciphers, const std::vector<Ext>& exts,
                   bool with_extensions = true) {
  Builder body;
  body.u16(version).zeros(32).u8(0);
  body.u16(unsigned(ciphers.size() * 2));
  for (uint16_t c : ciphers) body.u16(c);
  body.u8(1).u8(0);
  if (with_extensions) {
    Builder e;
    for (const Ext& x : exts) e.u16(x.type).u16(unsigned(x.data.size())).bytes(x.data);
    body.u16(unsigned(e.size())).bytes(e.b);
  }
  Builder rec;
  rec.u8(22).u16(0x0301).u16(unsigned(body.size() + 4)).u8(1).u24(unsigned(body.size()));
  rec.bytes(body.b);
  return rec.b;
}

const std::vector<uint16_t> kSigalgs = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};

TEST(Tls, Ja4SpecExample) {
  // The worked example of FoxIO JA4.md ("Cipher hash", "Extension hash", "Example"):
  // ciphers and extensions in the order listed there, ALPN h2, TLS 1.3 in supported_versions.
  // Published result: t13d1516h2_8daaf6152771_e5627efa2ab1.
  std::vector<uint16_t> ciphers = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                                   0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  std::vector<Ext> exts = {empty(0x001b), sni("example.com"), empty(0x0033), alpn({"h2", "http/1.1"}),
                           empty(0x4469), empty(0x0017),      empty(0x002d), sigalgs(kSigalgs),
                           empty(0x0005), empty(0x0023),      empty(0x0012), versions({0x0304, 0x0303}),
                           empty(0xff01), empty(0x000b),      empty(0x000a), empty(0x0015)};
  Bytes msg = client_hello(0x0303, ciphers, exts);
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_STREQ(h.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
  EXPECT_EQ(h.sni, "example.com");
  EXPECT_EQ(h.alpn_first, "h2");
  EXPECT_EQ(h.max_version, 0x0304);
  EXPECT_EQ(h.cipher_count, 15);
  EXPECT_EQ(h.extension_count, 16);
}

// A Chrome 143 hello as reported by browserleaks.com (published in the repository
// service0427/v2_cp_app, tls.md): its JA3 text and hash, and JA4 with the _r/_ro raw forms
// that give the cipher, extension and signature-algorithm orders rebuilt here. Chrome also
// sends GREASE values; they are added in the places Chrome puts them and must not count.
Bytes chrome_hello(bool grease) {
  std::vector<uint16_t> ciphers = {4865,  4866,  4867,  49195, 49199, 49196, 49200, 52393,
                                   52392, 49171, 49172, 156,   157,   47,    53};
  if (grease) ciphers.insert(ciphers.begin(), 0x3a3a);
  std::vector<uint16_t> curves = {4588, 29, 23, 24};
  if (grease) curves.insert(curves.begin(), 0x8a8a);
  std::vector<uint16_t> vers = {0x0304, 0x0303};
  if (grease) vers.insert(vers.begin(), 0xdada);
  std::vector<Ext> exts = {empty(45),
                           empty(51),
                           alpn({"h2", "http/1.1"}),
                           empty(65037),
                           empty(23),
                           empty(17613),
                           sni("tls.browserleaks.com"),
                           point_formats({0}),
                           groups(curves),
                           versions(vers),
                           empty(65281),
                           empty(35),
                           empty(18),
                           empty(5),
                           sigalgs(kSigalgs),
                           empty(27)};
  if (grease) {
    exts.insert(exts.begin(), empty(0x0a0a));
    exts.push_back({0xfafa, {0}});
  }
  return client_hello(0x0303, ciphers, exts);
}

TEST(Tls, Ja3AndJa4OfPublishedChromeHello) {
  for (bool grease : {false, true}) {
    Bytes msg = chrome_hello(grease);
    TlsClientHello h;
    ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk) << grease;
    EXPECT_EQ(h.ja3_string.view(),
              "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
              "45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0");
    EXPECT_STREQ(h.ja3, "98487aa16281980e7d1120d399efb6a4");
    EXPECT_STREQ(h.ja4, "t13d1516h2_8daaf6152771_d8a2da3f94cd");
    EXPECT_EQ(h.cipher_count, 15);
    EXPECT_EQ(h.extension_count, 16);
    EXPECT_EQ(h.max_version, 0x0304);
  }
}

TEST(Tls, JaSalesforceReadmeExample) {
  // JA3 README example string: 769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,
  // 23-24-25,0 -> ada70206e40642a3e4461f35503241d5.
  Bytes msg = client_hello(0x0301, {47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4},
                           {sni("a.example"), groups({23, 24, 25}), point_formats({0})});
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_EQ(h.ja3_string.view(), "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
  EXPECT_STREQ(h.ja3, "ada70206e40642a3e4461f35503241d5");
}

// Real hellos from the IoT Sentinel captures. Expected values computed independently with
// data/ja_reference.py (python3 hashlib, written from the JA3 README and JA4.md):
//   python3 tests/unit/decode/app/data/ja_reference.py <sample>
TEST(Tls, RealWeMoHello) {
  // WeMoSwitch/Setup-A-1-STA.pcap frame 39: TLS 1.0, SNI only.
  Bytes msg = test::read_sample("wemo-tls-client-hello.bin");
  ASSERT_EQ(msg.size(), 117u);
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_EQ(h.sni, "api.xbcs.net");
  EXPECT_EQ(h.legacy_version, 0x0301);
  EXPECT_EQ(h.cipher_count, 23);
  EXPECT_EQ(h.extension_count, 1);
  EXPECT_EQ(h.ja3_string.view(), "769,57-56-53-22-19-10-51-50-154-153-47-150-5-4-21-18-9-20-17-8-6-3-255,0,,");
  EXPECT_STREQ(h.ja3, "84e49be168d95094b4eeaa1b94791fcb");
  EXPECT_STREQ(h.ja4, "t10d230100_6a57a6f57151_000000000000");
}

TEST(Tls, RealDLinkSwitchHello) {
  // D-LinkSwitch/Setup-A-1-STA.pcap frame 542: TLS 1.2, 70 ciphers, no SNI.
  Bytes msg = test::read_sample("dlinkswitch-tls-client-hello.bin");
  ASSERT_EQ(msg.size(), 491u);
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_TRUE(h.sni.empty());
  EXPECT_EQ(h.record_version, 0x0301);
  EXPECT_EQ(h.legacy_version, 0x0303);
  EXPECT_EQ(h.cipher_count, 70);
  EXPECT_EQ(h.extension_count, 5);
  EXPECT_STREQ(h.ja3, "03219efe210c7d362ae83b2f96a1e6a4");
  EXPECT_STREQ(h.ja4, "t12i700500_d1ca360fb3a8_a1e935682795");
}

// Fingerprints are remembered by their inputs: hellos of one stack that differ only in the
// SNI share them; any input that differs (order, a value, the SNI's presence, ALPN, the
// version) gives the fingerprint of its own, also when the hellos alternate.
TEST(Tls, RememberedFingerprintsFollowEveryInput) {
  const std::vector<uint16_t> ciphers = {4865, 4866, 49195};
  auto hello = [&](std::vector<uint16_t> c, std::vector<Ext> first, uint16_t version = 0x0303) {
    std::vector<Ext> exts = std::move(first);
    exts.push_back(groups({29, 23}));
    exts.push_back(sigalgs(kSigalgs));
    return client_hello(version, c, exts);
  };
  struct Case {
    Bytes msg;
    std::string ja3_string, ja3, ja4;
  };
  std::vector<Case> cases;
  for (const Bytes& m :
       {hello(ciphers, {sni("a.example")}), hello({4866, 4865, 49195}, {sni("a.example")}),
        hello({4865, 4866, 49196}, {sni("a.example")}), hello(ciphers, {}),
        hello(ciphers, {sni("a.example"), alpn({"h2"})}), hello(ciphers, {sni("a.example")}, 0x0301)}) {
    TlsClientHello h;
    ASSERT_EQ(parse_tls_client_hello(m.data(), m.size(), h), ParseStatus::kOk);
    cases.push_back({m, std::string(h.ja3_string.view()), h.ja3, h.ja4});
  }
  for (size_t i = 0; i < cases.size(); ++i)
    for (size_t j = i + 1; j < cases.size(); ++j)
      EXPECT_NE(cases[i].ja4 + cases[i].ja3, cases[j].ja4 + cases[j].ja3) << i << " " << j;
  for (int round = 0; round < 3; ++round)
    for (const Case& c : cases) {
      TlsClientHello h;
      ASSERT_EQ(parse_tls_client_hello(c.msg.data(), c.msg.size(), h), ParseStatus::kOk);
      EXPECT_EQ(h.ja3_string.view(), c.ja3_string);
      EXPECT_EQ(std::string(h.ja3), c.ja3);
      EXPECT_EQ(std::string(h.ja4), c.ja4);
    }
  // Another SNI, the same stack: the same fingerprints, and this hello's own SNI.
  const Bytes other = hello(ciphers, {sni("b.example")});
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(other.data(), other.size(), h), ParseStatus::kOk);
  EXPECT_EQ(h.sni, "b.example");
  EXPECT_EQ(std::string(h.ja3), cases[0].ja3);
  EXPECT_EQ(std::string(h.ja4), cases[0].ja4);
}

TEST(Tls, EveryTruncationIsMalformedWithoutFingerprints) {
  for (const char* sample : {"dlinkswitch-tls-client-hello.bin", "wemo-tls-client-hello.bin"}) {
    Bytes msg = test::read_sample(sample);
    ASSERT_FALSE(msg.empty());
    TlsClientHello h;
    test::for_each_prefix(msg, [&](const uint8_t* p, size_t n) {
      ParseStatus st = parse_tls_client_hello(p, n, h);
      EXPECT_EQ(st, n < 6 ? ParseStatus::kNotMine : ParseStatus::kMalformed) << n;
      EXPECT_EQ(h.ja3[0], '\0') << n;
      EXPECT_EQ(h.ja4[0], '\0') << n;
      EXPECT_TRUE(h.ja3_string.view().empty()) << n;
    });
  }
}

TEST(Tls, CutHelloKeepsWhatWasSeen) {
  // The SNI extension comes first; cut the hello inside the second extension.
  Bytes full = client_hello(0x0303, {0x1301, 0x1302}, {sni("cloud.example"), sigalgs(kSigalgs)});
  Bytes cut(full.begin(), full.end() - 6);
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(cut.data(), cut.size(), h), ParseStatus::kMalformed);
  EXPECT_EQ(h.sni, "cloud.example");
  EXPECT_EQ(h.cipher_count, 2);
  EXPECT_EQ(h.ja4[0], '\0');
}

TEST(Tls, HelloSpreadOverTwoRecordsIsMalformed) {
  Bytes msg = client_hello(0x0303, {0x1301}, {sni("x.example")});
  unsigned record_len = (unsigned{msg[3]} << 8 | msg[4]) - 8;  // ends 8 bytes before the hello
  msg[3] = uint8_t(record_len >> 8);
  msg[4] = uint8_t(record_len);
  TlsClientHello h;
  EXPECT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kMalformed);
  EXPECT_EQ(h.ja4[0], '\0');
}

TEST(Tls, NotAClientHello) {
  TlsClientHello h;
  Bytes hello = client_hello(0x0303, {0x1301}, {});
  Bytes app_data = hello;
  app_data[0] = 23;
  EXPECT_EQ(parse_tls_client_hello(app_data.data(), app_data.size(), h), ParseStatus::kNotMine);
  Bytes server_hello = hello;
  server_hello[5] = 2;
  EXPECT_EQ(parse_tls_client_hello(server_hello.data(), server_hello.size(), h), ParseStatus::kNotMine);
  Bytes sslv2 = {0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15};
  EXPECT_EQ(parse_tls_client_hello(sslv2.data(), sslv2.size(), h), ParseStatus::kNotMine);
}

TEST(Tls, NoExtensionsAtAll) {
  Bytes msg = client_hello(0x0300, {4, 5}, {}, /*with_extensions=*/false);
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_EQ(h.ja3_string.view(), "768,4-5,,,");
  // JA4.md: no extensions -> the extension hash is twelve zeros.
  EXPECT_STREQ(h.ja4, "ts3i020000_6e254592683c_000000000000");
}

TEST(Tls, NoCiphersGivesZeroHash) {
  Bytes msg = client_hello(0x0303, {}, {empty(0x0017)});
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_EQ(std::string_view(h.ja4).substr(0, 24), "t12i000100_000000000000_");
}

TEST(Tls, OnlySniAndAlpnGiveZeroExtensionHash) {
  Bytes msg = client_hello(0x0303, {0x002f}, {sni("a.b"), alpn({"h2"})});
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_EQ(std::string_view(h.ja4).substr(0, 11), "t12d0102h2_");
  EXPECT_EQ(std::string_view(h.ja4).substr(24), "000000000000");
}

std::string ja4_alpn(const std::string& first) {
  Bytes msg = client_hello(0x0303, {0x002f}, {alpn({first, "zz"})});
  TlsClientHello h;
  EXPECT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  return std::string(h.ja4 + 8, 2);
}

TEST(Tls, Ja4AlpnCharacters) {
  // The examples of JA4.md "ALPN Extension Value".
  EXPECT_EQ(ja4_alpn("h2"), "h2");
  EXPECT_EQ(ja4_alpn("http/1.1"), "h1");
  EXPECT_EQ(ja4_alpn("x"), "xx");
  EXPECT_EQ(ja4_alpn("\xab"), "ab");
  EXPECT_EQ(ja4_alpn("\xab\xcd"), "ad");
  EXPECT_EQ(ja4_alpn("\x30\xab"), "3b");
  EXPECT_EQ(ja4_alpn("\x30\x31\xab\xcd"), "3d");
  EXPECT_EQ(ja4_alpn("\x30\xab\xcd\x31"), "01");
  EXPECT_EQ(ja4_alpn(""), "00");
}

TEST(Tls, Ja4CountsStopAt99) {
  std::vector<uint16_t> ciphers;
  for (uint16_t c = 1; c <= 120; ++c) ciphers.push_back(c);
  std::vector<Ext> exts;
  for (uint16_t e = 0x100; e < 0x100 + 105; ++e) exts.push_back(empty(e));
  Bytes msg = client_hello(0x0303, ciphers, exts);
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_EQ(std::string_view(h.ja4).substr(0, 10), "t12i999900");
  EXPECT_EQ(h.cipher_count, 120);
  EXPECT_EQ(h.extension_count, 105);
}

TEST(Tls, SupportedVersionsHighestNonGrease) {
  Bytes msg = client_hello(0x0303, {0x1301}, {versions({0x2a2a, 0x0302, 0x0304, 0x0303})});
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_EQ(h.max_version, 0x0304);
  EXPECT_EQ(std::string_view(h.ja4).substr(0, 3), "t13");
  Bytes only_grease = client_hello(0x0303, {0x1301}, {versions({0x2a2a})});
  ASSERT_EQ(parse_tls_client_hello(only_grease.data(), only_grease.size(), h), ParseStatus::kOk);
  EXPECT_EQ(h.max_version, 0x0303);
}

TEST(Tls, TooManyCiphersForTheFingerprintBuffers) {
  std::vector<uint16_t> ciphers(600);
  for (size_t i = 0; i < ciphers.size(); ++i) ciphers[i] = uint16_t(0x1000 + i);
  Bytes msg = client_hello(0x0303, ciphers, {});
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_EQ(h.cipher_count, 600);
  EXPECT_EQ(h.ja3[0], '\0');
  EXPECT_EQ(h.ja4[0], '\0');
}

TEST(Tls, Ja3StringTooLongForItsBufferGivesNoJa3) {
  std::vector<uint16_t> ciphers(250, 0);
  for (size_t i = 0; i < ciphers.size(); ++i) ciphers[i] = uint16_t(60000 + i);
  Bytes msg = client_hello(0x0303, ciphers, {});
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(msg.data(), msg.size(), h), ParseStatus::kOk);
  EXPECT_TRUE(h.ja3_string.truncated);
  EXPECT_EQ(h.ja3[0], '\0');
  EXPECT_NE(h.ja4[0], '\0');  // JA4 does not depend on that buffer
}

TEST(Tls, ReuseResetsFields) {
  Bytes wemo = test::read_sample("wemo-tls-client-hello.bin");
  Bytes bare = client_hello(0x0303, {0x1301}, {}, false);
  TlsClientHello h;
  ASSERT_EQ(parse_tls_client_hello(wemo.data(), wemo.size(), h), ParseStatus::kOk);
  ASSERT_EQ(parse_tls_client_hello(bare.data(), bare.size(), h), ParseStatus::kOk);
  EXPECT_TRUE(h.sni.empty());
  EXPECT_EQ(h.extension_count, 0);
  EXPECT_EQ(h.ja3_string.view(), "771,4865,,,");
}

}  // namespace
}  // namespace sekisho::decode
