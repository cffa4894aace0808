// Fuzzes kubeconfig loading (operator/client/kubeconfig.h): any file loads or is refused with
// a KubeConfigError (the documented error), never another exception, a crash or a hang. Files
// the kubeconfig names resolve in a scratch folder holding a CA, a certificate, a key and a
// token file, so both the data and the file forms are exercised.
#include <cstdint>
#include <string>

#include "operator/client/kubeconfig.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace kubemesos;
  std::string_view text = fuzz::AsText(data, size);
  if (fuzz::NamesSpecialFile(text)) return -1;  // do not read devices or /proc
  static const bool files_written = [] {
    fuzz::WriteScratch("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    fuzz::WriteScratch("client.crt",
                       "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n");
    fuzz::WriteScratch("client.key",
                       "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
    fuzz::WriteScratch("token", "secret-token\n");
    return true;
  }();
  (void)files_written;
  std::string path = fuzz::WriteScratch("config", text);
  try {
    client::KubeConfig c = client::LoadKubeConfigFiles(path);
    FUZZ_CHECK(c.server.rfind("https://", 0) == 0 || c.server.rfind("http://", 0) == 0,
               "the server is an http(s) URL: " + c.server);
    FUZZ_CHECK(c.client_cert_pem.empty() == c.client_key_pem.empty(),
               "certificate and key come together");
    (void)c.Describe();
  } catch (const client::KubeConfigError&) {
    // the documented error
  }
  return 0;
}
