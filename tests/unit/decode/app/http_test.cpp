#include <gtest/gtest.h>

#include <string>

#include "app_test_util.h"
#include "decode/app/app.h"

namespace sekisho::decode {
namespace {

using test::Bytes;

ParseStatus parse(std::string_view text, HttpRequest& out) {
  return parse_http_request(reinterpret_cast<const uint8_t*>(text.data()), text.size(), out);
}

TEST(Http, RealWithingsPost) {
  // Withings scale, Withings/Setup-A-1-STA.pcap frame 17.
  Bytes msg = test::read_sample("withings-http-post.bin");
  ASSERT_EQ(msg.size(), 185u);
  HttpRequest r;
  ASSERT_EQ(parse_http_request(msg.data(), msg.size(), r), ParseStatus::kOk);
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.uri, "/cgi-bin/once");
  EXPECT_EQ(r.version, "HTTP/1.1");
  EXPECT_EQ(r.host, "scalews.withings.net");
  EXPECT_EQ(r.user_agent, "Withings UserAgent");
  EXPECT_TRUE(r.head_complete);
}

TEST(Http, HeadersAreCaseInsensitiveAndTrimmed) {
  HttpRequest r;
  ASSERT_EQ(parse("GET /scale/register?x=1 HTTP/1.0\r\nhost:  www.fitbit.com \r\n"
                  "USER-AGENT:Wget/1.13 (linux-uclibc)\r\nAccept: */*\r\n\r\nbody",
                  r),
            ParseStatus::kOk);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.uri, "/scale/register?x=1");
  EXPECT_EQ(r.version, "HTTP/1.0");
  EXPECT_EQ(r.host, "www.fitbit.com");
  EXPECT_EQ(r.user_agent, "Wget/1.13 (linux-uclibc)");
}

TEST(Http, UpnpAndWebdavMethods) {
  HttpRequest r;
  EXPECT_EQ(parse("SUBSCRIBE /upnp/event/basicevent1 HTTP/1.1\r\n\r\n", r), ParseStatus::kOk);
  EXPECT_EQ(r.method, "SUBSCRIBE");
  EXPECT_EQ(parse("M-SEARCH * HTTP/1.1\r\n\r\n", r), ParseStatus::kOk);
  EXPECT_EQ(parse("PROPFIND /dav HTTP/1.1\r\n\r\n", r), ParseStatus::kOk);
}

TEST(Http, HeadCutBySegmentEnd) {
  HttpRequest r;
  ASSERT_EQ(parse("GET /index.html HTTP/1.1\r\nUser-Agent: curl/7.1\r\nHost: exa", r), ParseStatus::kOk);
  EXPECT_EQ(r.user_agent, "curl/7.1");
  EXPECT_TRUE(r.host.empty());  // a cut value is not taken for the real one
  EXPECT_FALSE(r.head_complete);
  ASSERT_EQ(parse("GET /very/long/pa", r), ParseStatus::kOk);
  EXPECT_EQ(r.uri, "/very/long/pa");
  EXPECT_TRUE(r.version.empty());
  ASSERT_EQ(parse("GET / HTTP/1.1\r", r), ParseStatus::kOk);
  EXPECT_EQ(r.version, "HTTP/1.1");
}

TEST(Http, Http09HasNoVersion) {
  HttpRequest r;
  ASSERT_EQ(parse("GET /\r\n", r), ParseStatus::kOk);
  EXPECT_EQ(r.uri, "/");
  EXPECT_TRUE(r.version.empty());
}

TEST(Http, NotARequest) {
  HttpRequest r;
  EXPECT_EQ(parse("", r), ParseStatus::kNotMine);
  EXPECT_EQ(parse("HTTP/1.1 200 OK\r\n\r\n", r), ParseStatus::kNotMine);
  EXPECT_EQ(parse("get / HTTP/1.1\r\n\r\n", r), ParseStatus::kNotMine);
  EXPECT_EQ(parse("FETCH / HTTP/1.1\r\n\r\n", r), ParseStatus::kNotMine);
  EXPECT_EQ(parse("GET / FTP/1.0\r\n\r\n", r), ParseStatus::kNotMine);
  EXPECT_EQ(parse("GET / HTX", r), ParseStatus::kNotMine);
  EXPECT_EQ(parse("GET", r), ParseStatus::kNotMine);
  EXPECT_EQ(parse(std::string_view("\x16\x03\x01\x02\x00\x01", 6), r), ParseStatus::kNotMine);
  EXPECT_TRUE(r.method.empty());
}

TEST(Http, EmptyTargetIsMalformed) {
  HttpRequest r;
  EXPECT_EQ(parse("GET  HTTP/1.1\r\n\r\n", r), ParseStatus::kMalformed);
}

TEST(Http, EveryTruncationIsConsistent) {
  Bytes msg = test::read_sample("withings-http-post.bin");
  ASSERT_FALSE(msg.empty());
  size_t head_end = test::as_text(msg).find("\r\n\r\n") + 4;  // a body follows
  HttpRequest r;
  test::for_each_prefix(msg, [&](const uint8_t* p, size_t n) {
    ParseStatus st = parse_http_request(p, n, r);
    EXPECT_EQ(st, n < 5 ? ParseStatus::kNotMine : ParseStatus::kOk) << n;  // "POST "
    if (st == ParseStatus::kOk) {
      EXPECT_EQ(r.method, "POST");
    }
    EXPECT_EQ(r.head_complete, n >= head_end) << n;
  });
}

TEST(Http, ReuseResetsFields) {
  Bytes msg = test::read_sample("withings-http-post.bin");
  HttpRequest r;
  ASSERT_EQ(parse_http_request(msg.data(), msg.size(), r), ParseStatus::kOk);
  ASSERT_EQ(parse("GET /x HTTP/1.1\r\n\r\n", r), ParseStatus::kOk);
  EXPECT_TRUE(r.host.empty());
  EXPECT_TRUE(r.user_agent.empty());
}

}  // namespace
}  // namespace sekisho::decode
