// Test certificates made with OpenSSL in memory (PEM): self-signed CAs and server certificates
// they sign, for the TLS tests of operator/client.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <string>

namespace kubemesos::testing {

// A certificate and its private key, as PEM.
struct Pem {
  std::string cert, key;
};

namespace detail {

inline std::string ToPem(X509* x) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* data;
  long n = BIO_get_mem_data(b, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(b);
  return pem;
}

inline std::string ToPem(EVP_PKEY* key) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data;
  long n = BIO_get_mem_data(b, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(b);
  return pem;
}

inline void AddExtension(X509* x, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
}

// A v3 certificate for `cn`: a CA when `issuer` is null (self-signed), else a server
// certificate for the IP address `ip` signed by `issuer`.
inline Pem MakeCertificate(const char* cn, const Pem* issuer, const char* ip) {
  static std::atomic<long> serial{1};
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509* issuer_cert = x;
  EVP_PKEY* issuer_key = key;
  if (issuer != nullptr) {
    BIO* b = BIO_new_mem_buf(issuer->cert.data(), static_cast<int>(issuer->cert.size()));
    issuer_cert = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    b = BIO_new_mem_buf(issuer->key.data(), static_cast<int>(issuer->key.size()));
    issuer_key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
    BIO_free(b);
  }
  X509_set_issuer_name(x, X509_get_subject_name(issuer_cert));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer_cert, x, nullptr, nullptr, 0);
  AddExtension(x, &ctx, NID_subject_key_identifier, "hash");
  if (issuer == nullptr) {
    AddExtension(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature");
  } else {
    AddExtension(x, &ctx, NID_authority_key_identifier, "keyid");
    AddExtension(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(x, &ctx, NID_ext_key_usage, "serverAuth");
    AddExtension(x, &ctx, NID_subject_alt_name, (std::string("IP:") + ip).c_str());
  }
  X509_sign(x, issuer_key, EVP_sha256());
  Pem pem{ToPem(x), ToPem(key)};
  if (issuer != nullptr) {
    X509_free(issuer_cert);
    EVP_PKEY_free(issuer_key);
  }
  X509_free(x);
  EVP_PKEY_free(key);
  return pem;
}

}  // namespace detail

// A self-signed CA certificate (also usable as a plain self-signed certificate).
inline Pem MakeSelfSigned(const char* cn) {
  return detail::MakeCertificate(cn, nullptr, nullptr);
}

// A server certificate for 127.0.0.1 signed by `ca`.
inline Pem MakeServerCertificate(const Pem& ca) {
  return detail::MakeCertificate("127.0.0.1", &ca, "127.0.0.1");
}

}  // namespace kubemesos::testing
