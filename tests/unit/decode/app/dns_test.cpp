#include <gtest/gtest.h>

#include <vector>

#include "app_test_util.h"
#include "decode/app/app.h"

namespace sekisho::decode {
namespace {

using test::Builder;
using test::Bytes;

Builder header(uint16_t flags, unsigned qd, unsigned an, unsigned ns = 0, unsigned ar = 0) {
  Builder b;
  b.u16(0x1234).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
  return b;
}

// RR header after its name: type, class, ttl, rdlength.
Builder& rr(Builder& b, unsigned type, unsigned cls, uint32_t ttl, unsigned rdlen) {
  return b.u16(type).u16(cls).u32(ttl).u16(rdlen);
}

TEST(Dns, QueryWithOneQuestion) {
  Builder b = header(0x0100, 1, 0);
  b.name("www.fitbit.com").u16(1).u16(1);
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  EXPECT_EQ(m.id, 0x1234);
  EXPECT_FALSE(m.is_response);
  ASSERT_EQ(m.question_count, 1);
  EXPECT_EQ(m.questions[0].name.view(), "www.fitbit.com");
  EXPECT_EQ(m.questions[0].qtype, 1);
  EXPECT_EQ(m.record_count, 0);
}

TEST(Dns, CompressedAnswersOfEachType) {
  Builder b = header(0x8180, 1, 7);
  b.name("example.com").u16(1).u16(1);  // question name at offset 12
  b.u16(0xC00C);
  rr(b, 1, 1, 60, 4).u8(93).u8(184).u8(216).u8(34);  // A
  b.u16(0xC00C);
  rr(b, 28, 1, 60, 16).u16(0x2001).u16(0xdb8).zeros(11).u8(1);  // AAAA
  b.u8(3).str("www").u16(0xC00C);
  rr(b, 5, 1, 60, 2).u16(0xC00C);  // CNAME www.example.com -> example.com
  b.u16(0xC00C);
  rr(b, 2, 1, 60, 6).u8(3).str("ns1").u16(0xC00C);  // NS ns1.example.com
  b.u16(0xC00C);
  rr(b, 33, 1, 60, 6 + 6).u16(10).u16(20).u16(8080).u8(3).str("srv").u16(0xC00C);  // SRV
  b.u16(0xC00C);
  rr(b, 16, 1, 60, 1 + 3 + 1 + 5 + 1).u8(3).str("a=1").u8(5).str("md=X1").u8(0);  // TXT
  b.u16(0xC00C);
  rr(b, 99, 1, 60, 2).u16(0xbeef);  // unknown type
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  ASSERT_EQ(m.record_count, 7);
  EXPECT_EQ(m.answer_count, 7);
  EXPECT_EQ(m.records[0].addr.to_string(), "93.184.216.34");
  EXPECT_EQ(m.records[1].addr.to_string(), "2001:db8::1");
  EXPECT_EQ(m.records[2].name.view(), "www.example.com");
  EXPECT_EQ(m.records[2].target.view(), "example.com");
  EXPECT_EQ(m.records[3].target.view(), "ns1.example.com");
  EXPECT_EQ(m.records[4].srv_priority, 10);
  EXPECT_EQ(m.records[4].srv_weight, 20);
  EXPECT_EQ(m.records[4].srv_port, 8080);
  EXPECT_EQ(m.records[4].target.view(), "srv.example.com");
  EXPECT_EQ(m.records[5].txt.view(), "a=1;md=X1;");
  EXPECT_EQ(m.records[6].type, 99);
  EXPECT_EQ(m.records[6].name.view(), "example.com");
  EXPECT_EQ(m.records[6].ttl, 60u);
}

TEST(Dns, MdnsBitsAreMasked) {
  Builder b = header(0x8400, 1, 1);
  b.name("x.local").u16(255).u16(0x8001);  // QU question
  b.u16(0xC00C);
  rr(b, 1, 0x8001, 120, 4).u32(0x0a0a0a06);  // cache-flush
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  EXPECT_EQ(m.questions[0].qclass, 1);
  EXPECT_EQ(m.records[0].rclass, 1);
}

TEST(Dns, OptRecordClassIsKept) {
  Builder b = header(0x0100, 0, 0, 0, 1);
  b.u8(0);
  rr(b, 41, 0x9000, 0, 0);
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  EXPECT_EQ(m.records[0].rclass, 0x9000);
  EXPECT_EQ(m.answer_count, 0);
}

TEST(Dns, PointerToItselfIsMalformed) {
  Builder b = header(0x8180, 1, 0);
  b.u16(0xC00C).u16(1).u16(1);
  DnsMessage m;
  EXPECT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kMalformed);
}

TEST(Dns, PointerForwardIsMalformed) {
  Builder b = header(0x8180, 1, 0);
  b.u16(0xC012).u16(1).u16(1).name("a");
  DnsMessage m;
  EXPECT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kMalformed);
}

TEST(Dns, PointerLoopBetweenTwoNamesIsRejected) {
  // The first record's rdata (an unknown type, so skipped by rdlength) holds two names that
  // point at each other: 23: "a" -> 28, 28: "b" -> 23. The second record's name points to
  // 28; following it goes 28 -> 23 -> 28, and the last jump is not strictly backwards.
  Builder b = header(0x8180, 0, 2);
  b.u8(0);                            // 12: root name
  rr(b, 99, 1, 0, 9);                 // 13..22
  b.u8(1).str("a").u16(0xC000 | 28);  // 23..26
  b.u8(0);                            // 27
  b.u8(1).str("b").u16(0xC000 | 23);  // 28..31
  b.u16(0xC000 | 28);                 // 32: the second record's name
  rr(b, 1, 1, 0, 4).u32(0);
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  EXPECT_EQ(m.record_count, 1);  // the looping record is dropped, the first kept
  EXPECT_EQ(m.records[0].type, 99);
}

TEST(Dns, ChainedBackwardPointersResolve) {
  Builder b = header(0x8180, 3, 0);
  b.name("example.com").u16(1).u16(1);              // 12: example.com
  b.u8(3).str("www").u16(0xC00C).u16(1).u16(1);     // 29: www -> 12
  b.u8(1).str("a").u16(0xC000 | 29).u16(1).u16(1);  // a -> 29 -> 12
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  ASSERT_EQ(m.question_count, 3);
  EXPECT_EQ(m.questions[1].name.view(), "www.example.com");
  EXPECT_EQ(m.questions[2].name.view(), "a.www.example.com");
}

TEST(Dns, NameOf255OctetsIsWholeAnd256IsTruncated) {
  // 4 labels of 62 + their length octets = 252, + 1 label of 1 (2 octets) + root = 255.
  std::string l62(62, 'x');
  std::string max_name = l62 + "." + l62 + "." + l62 + "." + l62 + ".y";
  Builder ok = header(0, 1, 0);
  ok.name(max_name).u16(1).u16(1);
  DnsMessage m;
  ASSERT_EQ(parse_dns(ok.b.data(), ok.size(), m), ParseStatus::kOk);
  EXPECT_FALSE(m.questions[0].name.truncated);
  EXPECT_EQ(m.questions[0].name.view(), max_name);
  EXPECT_EQ(m.questions[0].name.len, 253);

  Builder over = header(0, 1, 0);
  over.name(max_name + "z").u16(1).u16(1);  // 256 octets
  ASSERT_EQ(parse_dns(over.b.data(), over.size(), m), ParseStatus::kOk);
  EXPECT_TRUE(m.questions[0].name.truncated);
  EXPECT_EQ(m.questions[0].qtype, 1);  // the parse still found the end of the name
}

TEST(Dns, LongNameThroughPointersStopsAfterTruncation) {
  std::string l63(63, 'q');
  Builder b = header(0, 2, 0);
  b.name(l63 + "." + l63 + "." + l63).u16(1).u16(1);  // 12: 193 octets
  b.u8(63).str(l63).u16(0xC00C).u16(28).u16(1);       // 64 + 193 > 255
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  EXPECT_TRUE(m.questions[1].name.truncated);
  EXPECT_EQ(m.questions[1].qtype, 28);
}

TEST(Dns, BadLabelsAreMalformed) {
  DnsMessage m;
  Builder past_end = header(0, 1, 0);
  past_end.u8(40).str("short");
  EXPECT_EQ(parse_dns(past_end.b.data(), past_end.size(), m), ParseStatus::kMalformed);
  Builder extended = header(0, 1, 0);
  extended.u8(0x41).str("a").u8(0).u16(1).u16(1);
  EXPECT_EQ(parse_dns(extended.b.data(), extended.size(), m), ParseStatus::kMalformed);
  Builder no_qtype = header(0, 1, 0);
  no_qtype.name("a.b").u16(1);
  EXPECT_EQ(parse_dns(no_qtype.b.data(), no_qtype.size(), m), ParseStatus::kMalformed);
  EXPECT_EQ(parse_dns(past_end.b.data(), 11, m), ParseStatus::kMalformed);
}

TEST(Dns, HeaderClaimingMoreRecordsKeepsWhatParsed) {
  Builder b = header(0x8180, 1, 50, 50, 50);
  b.name("a.b").u16(1).u16(1);
  b.u16(0xC00C);
  rr(b, 1, 1, 5, 4).u32(0x01020304);
  b.u16(0xC00C);
  rr(b, 1, 1, 5, 4).u16(0x0102);  // rdata cut
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  EXPECT_EQ(m.ancount, 50);
  EXPECT_EQ(m.record_count, 1);
  EXPECT_EQ(m.records[0].addr.to_string(), "1.2.3.4");
}

TEST(Dns, HeaderAloneClaimingRecordsIsMalformed) {
  Builder b = header(0x8400, 0, 3);
  b.u8(0xff);
  DnsMessage m;
  EXPECT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kMalformed);
  Builder empty = header(0x8400, 0, 0);
  EXPECT_EQ(parse_dns(empty.b.data(), empty.size(), m), ParseStatus::kOk);
}

TEST(Dns, RecordsBeyondTheCapSetMoreRecords) {
  Builder b = header(0x8400, 0, 30);
  b.name("h.local");
  rr(b, 1, 1, 1, 4).u32(1);
  for (int i = 1; i < 30; ++i) {
    b.u16(0xC00C);
    rr(b, 1, 1, 1, 4).u32(uint32_t(i + 1));
  }
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  EXPECT_EQ(m.record_count, DnsMessage::kMaxRecords);
  EXPECT_TRUE(m.more_records);
  EXPECT_EQ(m.records[23].name.view(), "h.local");
}

TEST(Dns, QuestionsBeyondTheCapAreSkippedCorrectly) {
  Builder b = header(0, 6, 1);
  for (int i = 0; i < 6; ++i) b.name("q" + std::to_string(i) + ".x").u16(1).u16(1);
  b.name("ans.x");
  rr(b, 1, 1, 1, 4).u32(0x7f000001);
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  EXPECT_EQ(m.question_count, DnsMessage::kMaxQuestions);
  EXPECT_EQ(m.questions[3].name.view(), "q3.x");
  ASSERT_EQ(m.record_count, 1);
  EXPECT_EQ(m.records[0].name.view(), "ans.x");
}

TEST(Dns, SectionsAreCountedAsAnswersFirst) {
  Builder b = header(0x8400, 0, 1, 0, 2);
  b.name("a.local");
  rr(b, 1, 1, 1, 4).u32(1);
  for (int i = 0; i < 2; ++i) {
    b.u16(0xC00C);
    rr(b, 1, 1, 1, 4).u32(2);
  }
  DnsMessage m;
  ASSERT_EQ(parse_dns(b.b.data(), b.size(), m), ParseStatus::kOk);
  EXPECT_EQ(m.record_count, 3);
  EXPECT_EQ(m.answer_count, 1);
}

TEST(Dns, RealHueBridgeMdnsAnnouncement) {
  // Philips Hue bridge, HueBridge/Setup-A-1-STA.pcap frame 120: a HomeKit (_hap) announcement
  // with no question, 5 answers and 2 additional records.
  Bytes msg = test::read_sample("huebridge-mdns-response.bin");
  ASSERT_EQ(msg.size(), 417u);
  DnsMessage m;
  ASSERT_EQ(parse_dns(msg.data(), msg.size(), m), ParseStatus::kOk);
  EXPECT_TRUE(m.is_response);
  EXPECT_EQ(m.question_count, 0);
  EXPECT_EQ(m.record_count, 7);
  EXPECT_EQ(m.answer_count, 5);
  EXPECT_EQ(m.records[0].type, 12);
  EXPECT_EQ(m.records[0].name.view(), "_hap._tcp.local");
  EXPECT_EQ(m.records[0].target.view(), "Philips hue - 2476FF._hap._tcp.local");
  EXPECT_EQ(m.records[1].type, 16);
  EXPECT_EQ(m.records[1].rclass, 1);  // cache-flush bit masked
  EXPECT_EQ(m.records[1].txt.view(), "c#=1;ff=1;id=00:17:88:24:76:FF;md=BSB002;pv=1.0;sf=1;s#=1;ci=2");
  EXPECT_EQ(m.records[2].type, 33);
  EXPECT_EQ(m.records[2].srv_port, 8080);
  EXPECT_EQ(m.records[2].target.view(), "Philips-hue.local");
  EXPECT_EQ(m.records[3].addr.to_string(), "fdd9:fbb:a067::1");
  EXPECT_EQ(m.records[4].addr.to_string(), "10.10.10.6");
}

TEST(Dns, RealDLinkCamMdnsResponse) {
  // D-Link DCS-935L, D-LinkCam/Setup-A-1-STA.pcap frame 7.
  Bytes msg = test::read_sample("dlinkcam-mdns-response.bin");
  DnsMessage m;
  ASSERT_EQ(parse_dns(msg.data(), msg.size(), m), ParseStatus::kOk);
  ASSERT_EQ(m.record_count, 5);
  EXPECT_EQ(m.records[0].name.view(), "dcs-935l.local");
  EXPECT_EQ(m.records[1].name.view(), "D-Link DCS-935L Configuration Utility (2)._http._tcp.local");
  EXPECT_EQ(m.records[1].srv_port, 80);
  EXPECT_EQ(m.records[4].target.view(), m.records[1].name.view());
}

TEST(Dns, EveryTruncationIsConsistent) {
  for (const char* sample : {"huebridge-mdns-response.bin", "dlinkcam-mdns-response.bin"}) {
    Bytes msg = test::read_sample(sample);
    ASSERT_FALSE(msg.empty());
    DnsMessage m;
    size_t last_records = 0;
    test::for_each_prefix(msg, [&](const uint8_t* p, size_t n) {
      ParseStatus st = parse_dns(p, n, m);
      if (n < 12) {
        EXPECT_EQ(st, ParseStatus::kMalformed) << n;
        return;
      }
      EXPECT_NE(st, ParseStatus::kNotMine) << n;
      EXPECT_GE(m.record_count, last_records) << n;  // longer prefixes never parse less
      last_records = m.record_count;
    });
  }
}

TEST(Dns, ReuseResetsCounts) {
  Bytes msg = test::read_sample("huebridge-mdns-response.bin");
  Builder q = header(0x0100, 1, 0);
  q.name("a.b").u16(1).u16(1);
  DnsMessage m;
  ASSERT_EQ(parse_dns(msg.data(), msg.size(), m), ParseStatus::kOk);
  ASSERT_EQ(parse_dns(q.b.data(), q.size(), m), ParseStatus::kOk);
  EXPECT_EQ(m.record_count, 0);
  EXPECT_EQ(m.answer_count, 0);
  EXPECT_FALSE(m.is_response);
  EXPECT_EQ(m.questions[0].name.view(), "a.b");
}

}  // namespace
// The decoder parses only as deep as the inventory reads; the status must not depend on
// the depth, on every prefix and on byte flips of real messages and of a record-only one.
TEST(Dns, DepthNeverChangesTheStatus) {
  std::vector<Bytes> inputs;
  for (const char* sample : {"huebridge-mdns-response.bin", "dlinkcam-mdns-response.bin"})
    inputs.push_back(test::read_sample(sample));
  Builder answers_only = header(0x8400, 0, 1);
  answers_only.name("hub.local");
  rr(answers_only, 1, 1, 120, 4).u32(0xc0a80001);
  inputs.push_back(answers_only.b);
  Builder query = header(0x0100, 2, 0);
  query.name("a.example.com").u16(1).u16(1).name("b.example.com").u16(28).u16(1);
  inputs.push_back(query.b);
  DnsMessage full, part;
  auto check = [&](const uint8_t* p, size_t n) {
    ParseStatus want = parse_dns(p, n, full);
    for (DnsDepth d : {DnsDepth::kValidate, DnsDepth::kQuestions}) {
      ASSERT_EQ(parse_dns(p, n, part, d), want) << n;
      EXPECT_EQ(part.record_count, 0);
      if (want == ParseStatus::kOk && d == DnsDepth::kQuestions) {
        ASSERT_EQ(part.question_count, full.question_count);
        for (size_t i = 0; i < full.question_count; ++i)
          EXPECT_EQ(part.questions[i].name.view(), full.questions[i].name.view());
      }
    }
  };
  uint32_t seed = 12345;
  for (Bytes msg : inputs) {
    ASSERT_FALSE(msg.empty());
    test::for_each_prefix(msg, check);
    for (int k = 0; k < 2000; ++k) {
      Bytes m = msg;
      seed = seed * 1664525u + 1013904223u;
      m[(seed >> 8) % m.size()] = uint8_t(seed >> 24);
      check(m.data(), m.size());
    }
  }
}

}  // namespace sekisho::decode
