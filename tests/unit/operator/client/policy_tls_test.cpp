// Tests of the request policies (token bucket, retry policy, error descriptions) and of the
// TLS material loader and transport error descriptions, with certificates made by OpenSSL.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include "operator/client/request_policy.h"
#include "operator/client/tls.h"

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

TEST(RetryPolicyTest, WhatIsRetried) {
  RetryPolicy p;
  EXPECT_TRUE(p.ShouldRetry("POST", 429));
  EXPECT_TRUE(p.ShouldRetry("GET", 0));
  EXPECT_TRUE(p.ShouldRetry("GET", 503));
  EXPECT_TRUE(p.ShouldRetry("PUT", 500));
  EXPECT_TRUE(p.ShouldRetry("DELETE", 504));
  EXPECT_FALSE(p.ShouldRetry("POST", 503));
  EXPECT_FALSE(p.ShouldRetry("PATCH", 0));
  EXPECT_FALSE(p.ShouldRetry("GET", 404));
  EXPECT_FALSE(p.ShouldRetry("GET", 409));
  EXPECT_FALSE(p.ShouldRetry("GET", 501));
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
}

TEST(DescribeHttpErrorTest, UsesTheStatusMessage) {
  std::string m = DescribeHttpError("GET", "/api/v1/pods?limit=5", 404,
                                    R"({"kind":"Status","message":"pods \"x\" not found"})", "me");
  EXPECT_EQ(m, "GET /api/v1/pods: HTTP 404: pods \"x\" not found");
  EXPECT_NE(DescribeHttpError("GET", "/x", 500, "plain text", "me").find("plain text"),
            std::string::npos);
}

// A self-signed certificate and its key, as PEM.
struct Pem {
  std::string cert, key;
};

Pem MakeSelfSigned(const char* cn) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  Pem pem;
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* data;
  long n = BIO_get_mem_data(b, &data);
  pem.cert.assign(data, static_cast<size_t>(n));
  BIO_free(b);
  b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  n = BIO_get_mem_data(b, &data);
  pem.key.assign(data, static_cast<size_t>(n));
  BIO_free(b);
  X509_free(x);
  EVP_PKEY_free(key);
  return pem;
}

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
