// What RestClient trusts, against a local TLS server whose certificate CA-1 signed: with a CA in
// the kubeconfig only that CA vouches for the server (CA-1 in OpenSSL's default trust file,
// $SSL_CERT_FILE, no longer counts once the kubeconfig names CA-2), as kubectl and client-go;
// without one, the system roots do.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "operator/client/rest_client.h"
#include "operator/client/tls.h"
#include "tests/unit/operator/client/test_certs.h"

namespace kubemesos::client {
namespace {

using namespace std::chrono_literals;
using testing::MakeSelfSigned;
using testing::MakeServerCertificate;
using testing::Pem;

// HTTPS on 127.0.0.1 with `identity`: answers every request 200 `{}`, one connection at a time.
class TestTlsServer {
 public:
  explicit TestTlsServer(const Pem& identity) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    BIO* b = BIO_new_mem_buf(identity.cert.data(), static_cast<int>(identity.cert.size()));
    X509* cert = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    b = BIO_new_mem_buf(identity.key.data(), static_cast<int>(identity.key.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    EXPECT_EQ(SSL_CTX_use_certificate(ctx_, cert), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx_, key), 1);
    X509_free(cert);
    EVP_PKEY_free(key);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TestTlsServer() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
    SSL_CTX_free(ctx_);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  int served() const { return served_; }

 private:
  void Serve() {
    while (!stopping_) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      timeval timeout{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, fd);
      if (SSL_accept(ssl) == 1) {
        std::string in;
        char buf[4096];
        int n;
        while (in.find("\r\n\r\n") == std::string::npos &&
               (n = SSL_read(ssl, buf, sizeof buf)) > 0) {
          in.append(buf, static_cast<size_t>(n));
        }
        const std::string reply =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n{}";
        SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
        ++served_;
        SSL_shutdown(ssl);
      }
      ERR_clear_error();
      SSL_free(ssl);
      ::close(fd);
    }
  }

  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> served_{0};
  std::thread thread_;
};

// Sets an environment variable for the scope of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_.empty()) {
      ::unsetenv(name_);
    } else {
      ::setenv(name_, old_.c_str(), 1);
    }
  }

 private:
  const char* name_;
  std::string old_;
};

TEST(TlsTrustTest, AKubeconfigCaReplacesTheSystemRoots) {
  Pem ca1 = MakeSelfSigned("ca-1"), ca2 = MakeSelfSigned("ca-2");
  TestTlsServer server(MakeServerCertificate(ca1));

  // CA-1 is a "system" root: OpenSSL's default trust file, and no trust directory, as the
  // process starts (InitTransport records them; each test runs in its own process).
  const std::filesystem::path dir = ::testing::TempDir() + "kubemesos-tls-trust";
  std::filesystem::create_directories(dir / "certs");
  std::ofstream(dir / "ca-1.pem") << ca1.cert;
  ScopedEnv file("SSL_CERT_FILE", (dir / "ca-1.pem").string());
  ScopedEnv certs("SSL_CERT_DIR", (dir / "certs").string());
  InitTransport(4);

  // What cpprestsdk does for every new connection now loads nothing (the roots are shared).
  SSL_CTX* fresh = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(fresh, nullptr);
  ASSERT_EQ(SSL_CTX_set_default_verify_paths(fresh), 1);
  EXPECT_EQ(sk_X509_OBJECT_num(X509_STORE_get0_objects(SSL_CTX_get_cert_store(fresh))), 0)
      << "the system roots are loaded per connection again";
  // A context without configured CAs gets the one shared store, holding CA-1.
  auto no_ca = TlsMaterial::Load("", "", "");
  no_ca->Apply(fresh);
  X509_STORE* shared = SSL_CTX_get_cert_store(fresh);
  EXPECT_EQ(sk_X509_OBJECT_num(X509_STORE_get0_objects(shared)), 1);
  SSL_CTX* second = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(second, nullptr);
  no_ca->Apply(second);
  EXPECT_EQ(SSL_CTX_get_cert_store(second), shared) << "one store for every connection";
  SSL_CTX_free(fresh);
  SSL_CTX_free(second);

  KubeConfig c;
  c.server = server.url();
  c.source = "test";
  RestClientOptions o;
  o.retry.max_attempts = 1;
  o.request_timeout = 10s;
  auto get = [&]() { return MakeRestClient(c, o)->Request("GET", "/version"); };

  // No CA in the kubeconfig: the system roots are trusted, so CA-1 vouches for the server.
  HttpResponse system_roots = get();
  EXPECT_EQ(system_roots.status, 200) << system_roots.message;

  // The kubeconfig names CA-2: CA-1 (a system root) no longer counts.
  c.ca_pem = ca2.cert;
  HttpResponse refused = get();
  EXPECT_EQ(refused.status, 0);
  EXPECT_NE(refused.message.find("certificate verify failed"), std::string::npos)
      << refused.message;
  EXPECT_NE(refused.message.find("certificate-authority"), std::string::npos)
      << "names what to check: " << refused.message;

  // The right CA, alone or in a bundle, works.
  c.ca_pem = ca1.cert;
  EXPECT_EQ(get().status, 200);
  c.ca_pem = ca2.cert + ca1.cert;
  EXPECT_EQ(get().status, 200);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kubemesos::client
