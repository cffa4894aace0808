// Tests of the request policies (token bucket, retry policy, error descriptions) and of the
// TLS material loader and transport error descriptions, with certificates made by OpenSSL.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "operator/client/request_policy.h"
#include "operator/client/tls.h"
#include "tests/unit/operator/client/test_certs.h"

namespace kubemesos::client {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucketTest, BurstThenRate) {
  TokenBucket bucket(100, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_FALSE(bucket.TryAcquire());
  auto waited = bucket.Acquire();  // 1/100 s for the next token
  EXPECT_GT(waited, 1ms);
  EXPECT_LT(waited, 50ms);
  TokenBucket unlimited(0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(unlimited.Acquire(), 0s);
}

TEST(TokenBucketTest, NextTokenInSaysHowLongUntilTryAcquireSucceeds) {
  TokenBucket bucket(100, 2);
  EXPECT_EQ(bucket.NextTokenIn(), 0s);
  EXPECT_TRUE(bucket.TryAcquire());
  EXPECT_TRUE(bucket.TryAcquire());
  auto next = bucket.NextTokenIn();  // a token every 10 ms
  EXPECT_GT(next, 0s);
  EXPECT_LE(next, 10ms);
  EXPECT_EQ(TokenBucket(0, 0).NextTokenIn(), 0s);  // unlimited
}

TEST(RetryPolicyTest, WhatIsRetried) {
  RetryPolicy p;
  EXPECT_TRUE(p.ShouldRetry("POST", 429));
  EXPECT_TRUE(p.ShouldRetry("GET", 0));
  EXPECT_TRUE(p.ShouldRetry("GET", 503));
  EXPECT_TRUE(p.ShouldRetry("PUT", 500));
  EXPECT_TRUE(p.ShouldRetry("DELETE", 504));
  EXPECT_FALSE(p.ShouldRetry("POST", 503));
  EXPECT_FALSE(p.ShouldRetry("PATCH", 0));
  // A request that never reached the server is retried whatever its method; not a response.
  EXPECT_TRUE(p.ShouldRetry("POST", 0, /*unsent=*/true));
  EXPECT_TRUE(p.ShouldRetry("PATCH", 0, /*unsent=*/true));
  EXPECT_FALSE(p.ShouldRetry("POST", 503, /*unsent=*/true));
  EXPECT_FALSE(p.ShouldRetry("GET", 404));
  EXPECT_FALSE(p.ShouldRetry("GET", 409));
  EXPECT_FALSE(p.ShouldRetry("GET", 501));
}

TEST(RetryPolicyTest, RequestNeverSentOnlyForFailuresBeforeTheRequestIsOnTheWire) {
  EXPECT_TRUE(RequestNeverSent(
      "POST /x: transport error: connection closed [Failed to write request body]"));
  EXPECT_TRUE(RequestNeverSent("transport error: Broken pipe [Failed to write request headers]"));
  EXPECT_TRUE(RequestNeverSent("Connection refused [Failed to connect to any resolved endpoint]"));
  EXPECT_TRUE(RequestNeverSent("Host not found [Failed to resolve address]"));
  EXPECT_FALSE(RequestNeverSent("transport error: End of file [Failed to read HTTP status line]"));
  EXPECT_FALSE(RequestNeverSent("Failed to read response body"));
  EXPECT_FALSE(RequestNeverSent("request timed out"));
  EXPECT_FALSE(RequestNeverSent(""));
}

TEST(RetryPolicyTest, DelayGrowsIsCappedAndHonoursRetryAfter) {
  RetryPolicy p;
  p.initial_backoff = 100ms;
  p.max_backoff = 1s;
  p.max_retry_after = 5s;
  EXPECT_GE(p.Delay(1, ""), 80ms);
  EXPECT_LE(p.Delay(1, ""), 120ms);
  EXPECT_GE(p.Delay(3, ""), 320ms);
  EXPECT_LE(p.Delay(3, ""), 480ms);
  EXPECT_LE(p.Delay(30, ""), 1200ms);
  EXPECT_GE(p.Delay(1, "3"), 3s);
  EXPECT_EQ(p.Delay(1, "3600"), 5s);
  EXPECT_LE(p.Delay(1, "Wed, 21 Oct 2015 07:28:00 GMT"), 120ms) << "HTTP dates are ignored";
  // A huge Retry-After is the cap, not an overflowed (negative, ignored) wait.
  EXPECT_EQ(p.Delay(1, "9223372036854775807"), 5s);
  EXPECT_EQ(p.Delay(1, "18446744073709551616000"), 5s);
  EXPECT_LE(p.Delay(1, "10abc"), 120ms) << "garbage is ignored, not read as 10";
}

TEST(RetryPolicyTest, ParseRetryAfterIsBoundedAndStrict) {
  const auto cap = std::chrono::milliseconds(60000);
  static const std::string many_nines(400, '9');
  struct Case {
    const char* value;
    std::optional<std::chrono::milliseconds> want;
  };
  for (const Case& c :
       {Case{"0", 0ms}, Case{"1", 1000ms}, Case{" 30 ", 30000ms}, Case{"60", 60000ms},
        Case{"61", cap}, Case{"9223372036854775807", cap}, Case{"9223372036854775808", cap},
        Case{many_nines.c_str(), cap}, Case{"", std::nullopt}, Case{" ", std::nullopt},
        Case{"-1", std::nullopt}, Case{"+5", std::nullopt}, Case{"1.5", std::nullopt},
        Case{"5s", std::nullopt}, Case{"0x10", std::nullopt},
        Case{"Wed, 21 Oct 2015 07:28:00 GMT", std::nullopt}}) {
    EXPECT_EQ(ParseRetryAfter(c.value, cap), c.want) << c.value;
  }
  // A cap near the type's limit does not overflow either.
  EXPECT_EQ(ParseRetryAfter("99999999999999999999", std::chrono::milliseconds::max()),
            std::chrono::milliseconds::max());
}

TEST(DescribeHttpErrorTest, UsesTheStatusMessage) {
  std::string m = DescribeHttpError("GET", "/api/v1/pods?limit=5", 404,
                                    R"({"kind":"Status","message":"pods \"x\" not found"})", "me");
  EXPECT_EQ(m, "GET /api/v1/pods: HTTP 404: pods \"x\" not found");
  EXPECT_NE(DescribeHttpError("GET", "/x", 500, "plain text", "me").find("plain text"),
            std::string::npos);
}

using testing::MakeSelfSigned;
using testing::Pem;

std::string ErrorOf(const std::string& ca, const std::string& cert, const std::string& key) {
  try {
    TlsMaterial::Load(ca, cert, key);
  } catch (const TlsError& e) {
    return e.what();
  }
  return "";
}

TEST(TlsMaterialTest, LoadsAndApplies) {
  Pem ca1 = MakeSelfSigned("ca1"), ca2 = MakeSelfSigned("ca2"), client = MakeSelfSigned("bob");
  auto m = TlsMaterial::Load(ca1.cert + ca2.cert, client.cert, client.key);
  EXPECT_EQ(m->ca_count(), 2u);
  EXPECT_TRUE(m->has_client_certificate());
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  m->Apply(ctx);
  m->Apply(ctx);  // a CA already trusted is fine
  EXPECT_NE(SSL_CTX_get0_certificate(ctx), nullptr);
  SSL_CTX_free(ctx);
  EXPECT_EQ(TlsMaterial::Load("", "", "")->ca_count(), 0u);
}

TEST(TlsMaterialTest, ReadableErrors) {
  Pem a = MakeSelfSigned("a"), b = MakeSelfSigned("b");
  EXPECT_EQ(ErrorOf("not pem", "", ""), "certificate-authority: no PEM certificate found");
  EXPECT_EQ(ErrorOf("", a.cert, ""), "client-certificate and client-key must be given together");
  EXPECT_NE(ErrorOf("", a.cert, "garbage").find("client-key: cannot read the private key"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("", a.cert, b.key), "client-key does not match client-certificate");
}

TEST(DescribeTransportErrorTest, TranslatesOpenSslAndSocketErrors) {
  // OpenSSL 3: ERR_PACK(ERR_LIB_SSL, 0, SSL_R_CERTIFICATE_VERIFY_FAILED) == 0x0A000086.
  std::string m = DescribeTransportError(0x0A000086, "Error in SSL handshake");
  EXPECT_NE(m.find("certificate verify failed"), std::string::npos) << m;
  EXPECT_NE(m.find("certificate-authority"), std::string::npos) << m;
  m = DescribeTransportError(ECONNREFUSED, "Failed to connect to any resolved endpoint");
  EXPECT_NE(m.find("connection refused"), std::string::npos) << m;
  m = DescribeTransportError(2, "Failed to read HTTP status line");
  EXPECT_EQ(m, "transport error: Failed to read HTTP status line (code 2)");
}

}  // namespace
}  // namespace kubemesos::client
