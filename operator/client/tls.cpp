// Loads PEM CA bundles and client certificates with OpenSSL and describes transport errors.
#include "operator/client/tls.h"

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <vector>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace kubemesos::client {
namespace {

std::string LastOpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(e);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(e);
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

BioPtr MemBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate of a PEM text; throws when there is text but no certificate in it.
std::vector<X509*> ReadCertificates(const std::string& pem, const std::string& what) {
  std::vector<X509*> certs;
  if (pem.empty()) return certs;
  BioPtr bio = MemBio(pem);
  while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.push_back(x);
  ERR_clear_error();  // the read that ends the loop leaves "no start line"
  if (certs.empty()) throw TlsError(what + ": no PEM certificate found");
  return certs;
}

// The system roots, shared by every context without configured CAs (see ShareSystemRoots).
struct SystemRoots {
  bool shared = false;  // ShareSystemRoots ran
  std::string file;     // where they are, as the process started
  std::string dir;
  std::once_flag loaded;
  X509_STORE* store = nullptr;  // never freed: lives as long as the process' connections
};
SystemRoots& Roots() {
  static SystemRoots roots;
  return roots;
}

// The shared store, loaded on first use (null if OpenSSL cannot allocate one). A missing file or
// directory leaves it empty, as OpenSSL's own default paths would.
X509_STORE* SharedRoots() {
  SystemRoots& r = Roots();
  std::call_once(r.loaded, [&r] {
    r.store = X509_STORE_new();
    if (r.store == nullptr) return;
    if (!r.file.empty()) X509_STORE_load_file(r.store, r.file.c_str());
    if (!r.dir.empty()) X509_STORE_load_path(r.store, r.dir.c_str());
    ERR_clear_error();
  });
  return r.store;
}

}  // namespace

void ShareSystemRoots() {
  SystemRoots& r = Roots();
  if (r.shared) return;
  const char* file = std::getenv(X509_get_default_cert_file_env());
  const char* dir = std::getenv(X509_get_default_cert_dir_env());
  r.file = file != nullptr ? file : X509_get_default_cert_file();
  r.dir = dir != nullptr ? dir : X509_get_default_cert_dir();
  // An empty file and a directory that does not exist: SSL_CTX_set_default_verify_paths then
  // loads nothing and still succeeds (a missing directory is only looked up on demand).
  ::setenv(X509_get_default_cert_file_env(), "/dev/null", 1);
  ::setenv(X509_get_default_cert_dir_env(), "/nonexistent/kubemesos-shared-roots", 1);
  r.shared = true;
}

struct TlsMaterial::Impl {
  std::vector<X509*> cas;
  std::vector<X509*> chain;  // client certificate first
  EVP_PKEY* key = nullptr;
  ~Impl() {
    for (X509* x : cas) X509_free(x);
    for (X509* x : chain) X509_free(x);
    EVP_PKEY_free(key);
  }
};

TlsMaterial::TlsMaterial() : impl_(std::make_unique<Impl>()) {}
TlsMaterial::~TlsMaterial() = default;

std::shared_ptr<const TlsMaterial> TlsMaterial::Load(const std::string& ca_pem,
                                                     const std::string& cert_pem,
                                                     const std::string& key_pem) {
  std::shared_ptr<TlsMaterial> m(new TlsMaterial());
  m->impl_->cas = ReadCertificates(ca_pem, "certificate-authority");
  if (cert_pem.empty() != key_pem.empty())
    throw TlsError("client-certificate and client-key must be given together");
  if (!cert_pem.empty()) {
    m->impl_->chain = ReadCertificates(cert_pem, "client-certificate");
    BioPtr bio = MemBio(key_pem);
    m->impl_->key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (m->impl_->key == nullptr)
      throw TlsError("client-key: cannot read the private key: " + LastOpenSslError());
    if (X509_check_private_key(m->impl_->chain.front(), m->impl_->key) != 1) {
      ERR_clear_error();
      throw TlsError("client-key does not match client-certificate");
    }
  }
  return m;
}

void TlsMaterial::Apply(SSL_CTX* ctx) const {
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  if (!impl_->cas.empty()) {
    // The given CAs replace whatever the context trusts so far (cpprestsdk has loaded the
    // system roots, $SSL_CERT_FILE and $SSL_CERT_DIR): a public CA must not vouch for the
    // server. SSL_CTX_set_cert_store frees the old store.
    store = X509_STORE_new();
    if (store == nullptr) throw TlsError("cannot create a trust store: " + LastOpenSslError());
    SSL_CTX_set_cert_store(ctx, store);
  } else if (Roots().shared) {
    if (X509_STORE* roots = SharedRoots(); roots != nullptr && roots != store) {
      // set1 takes a reference: the shared store outlives every context.
      SSL_CTX_set1_cert_store(ctx, roots);
      store = roots;
    }
  }
  for (X509* ca : impl_->cas) {
    if (X509_STORE_add_cert(store, ca) != 1) {
      unsigned long e = ERR_peek_last_error();
      if (ERR_GET_REASON(e) != X509_R_CERT_ALREADY_IN_HASH_TABLE)
        throw TlsError("cannot trust certificate-authority: " + LastOpenSslError());
      ERR_clear_error();
    }
  }
  if (impl_->key == nullptr) return;
  if (SSL_CTX_use_certificate(ctx, impl_->chain.front()) != 1)
    throw TlsError("cannot use client-certificate: " + LastOpenSslError());
  for (size_t i = 1; i < impl_->chain.size(); ++i) {
    X509_up_ref(impl_->chain[i]);
    if (SSL_CTX_add_extra_chain_cert(ctx, impl_->chain[i]) != 1) {
      X509_free(impl_->chain[i]);
      throw TlsError("cannot use the client-certificate chain: " + LastOpenSslError());
    }
  }
  if (SSL_CTX_use_PrivateKey(ctx, impl_->key) != 1)
    throw TlsError("cannot use client-key: " + LastOpenSslError());
}

size_t TlsMaterial::ca_count() const {
  return impl_->cas.size();
}
bool TlsMaterial::has_client_certificate() const {
  return impl_->key != nullptr;
}

std::string DescribeTransportError(int code, const std::string& what) {
  // Error strings load on first use of SSL; make sure they are there even before that.
  OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, nullptr);
  unsigned long e = static_cast<unsigned long>(code);
  // OpenSSL 3 packs the library in the top bits: errno values are small, OpenSSL codes are not.
  if (code > 0 && ERR_GET_LIB(e) != 0 && ERR_GET_LIB(e) != ERR_LIB_SYS) {
    const char* reason = ERR_reason_error_string(e);
    std::string r = reason != nullptr ? reason : "OpenSSL error " + std::to_string(code);
    std::string hint;
    if (r.find("certificate verify failed") != std::string::npos) {
      hint =
          " (the server's certificate is not signed by the configured certificate-authority, "
          "or its names do not include the server address; check the kubeconfig's "
          "certificate-authority and server)";
    } else if (r.find("wrong version number") != std::string::npos ||
               r.find("packet length too long") != std::string::npos) {
      hint = " (the server does not speak TLS on this port: http:// vs https://?)";
    } else if (r.find("alert") != std::string::npos ||
               r.find("certificate required") != std::string::npos) {
      hint =
          " (the server rejected the TLS handshake: is the client certificate required or "
          "not trusted?)";
    }
    return "TLS error: " + r + hint + " [" + what + "]";
  }
  // cpprestsdk drops the error category: only socket errno values are safe to name.
  std::string sys;
  switch (code) {
    case ECONNREFUSED:
      sys = "connection refused (is the API server running at this address?)";
      break;
    case ETIMEDOUT:
      sys = "timed out (no answer from the API server: network, firewall, or an idle timeout)";
      break;
    case EHOSTUNREACH:
    case ENETUNREACH:
      sys = "no route to the API server";
      break;
    case ECONNRESET:
      sys = "connection reset by the API server";
      break;
    case ECONNABORTED:
    case EPIPE:
      sys = "connection closed";
      break;
    default:
      break;
  }
  if (sys.empty())
    return "transport error: " + what + (code != 0 ? " (code " + std::to_string(code) + ")" : "");
  return "transport error: " + sys + " [" + what + "]";
}

}  // namespace kubemesos::client
