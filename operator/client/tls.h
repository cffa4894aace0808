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
  // loaded before are dropped); without: the shared system roots after ShareSystemRoots(), else
  // leaves the store alone. Installs the client
  // certificate and key. Throws TlsError if OpenSSL refuses.
  void Apply(SSL_CTX* ctx) const;

  size_t ca_count() const;
  bool has_client_certificate() const;

 private:
  TlsMaterial();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Process-wide; InitTransport (rest_client.h) calls it once, before any thread starts.
// cpprestsdk builds a new OpenSSL context for every new connection and loads the system roots
// into it (SSL_CTX_set_default_verify_paths): about 30 ms of CPU per connection with OpenSSL 3,
// which was most of kubemesos' CPU while pods arrived (binds open connections in bursts). This
// records where the system roots are ($SSL_CERT_FILE / $SSL_CERT_DIR as the process started, else
// OpenSSL's defaults), points both variables at nothing so that per-connection load is empty, and
// makes Apply give a context without configured CAs one shared store of those roots, loaded once
// on first use. Idempotent.
void ShareSystemRoots();

// Turns an error code and text as cpprestsdk reports them (a raw OpenSSL error number for TLS
// failures, an errno value for socket failures) into a readable message with a hint, e.g.
// "TLS handshake failed: certificate verify failed (the server's certificate is not signed by
// the configured certificate-authority, or its name does not match the server address)".
std::string DescribeTransportError(int code, const std::string& what);

}  // namespace kubemesos::client
