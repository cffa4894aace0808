// TLS material for the API server connection, loaded with OpenSSL from PEM text (never via
// temporary files), and readable descriptions of transport errors. OpenSSL only: no
// cpprestsdk here, so this is unit-tested and compiled quickly.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

// OpenSSL's context, as cpprestsdk's ssl_context_callback hands it (context::native_handle()).
typedef struct ssl_ctx_st SSL_CTX;

namespace kubemesos::client {

class TlsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parsed CA bundle and client certificate/key. Immutable after Load; Apply may be called from
// any thread, for every new connection.
class TlsMaterial {
 public:
  // `ca_pem`: zero or more CA certificates: then only they are trusted (as kubectl and
  // client-go do); empty = the system roots.
  // `cert_pem`/`key_pem`: a client certificate (optionally followed by its chain) and its
  // private key, both empty or both set. Throws TlsError naming what is wrong (no PEM block,
  // unreadable key, key not matching the certificate).
  static std::shared_ptr<const TlsMaterial> Load(const std::string& ca_pem,
                                                 const std::string& cert_pem,
                                                 const std::string& key_pem);
  ~TlsMaterial();

  // With CAs: replaces the context's trust store by one holding only them (the system roots
  // loaded before are dropped); without: leaves the store alone. Installs the client
  // certificate and key. Throws TlsError if OpenSSL refuses.
  void Apply(SSL_CTX* ctx) const;

  size_t ca_count() const;
  bool has_client_certificate() const;

 private:
  TlsMaterial();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Turns an error code and text as cpprestsdk reports them (a raw OpenSSL error number for TLS
// failures, an errno value for socket failures) into a readable message with a hint, e.g.
// "TLS handshake failed: certificate verify failed (the server's certificate is not signed by
// the configured certificate-authority, or its name does not match the server address)".
std::string DescribeTransportError(int code, const std::string& what);

}  // namespace kubemesos::client
