// Objects captured from a real kube-apiserver v1.37 (hack/cluster.sh, the manifests of
// tests/integration/operator/proto/objects.sh) in both encodings: NAME.json is the body of
// `GET ...` with Accept: application/json, NAME.pb the same object with Accept:
// application/vnd.kubernetes.protobuf. pods.watch.{pb,json} are two watches of one namespace
// (sendInitialEvents, then a label, a delete and a create) in each encoding.
// Refresh: tests/integration/operator/proto/wire_test.sh --save DIR (the node and CSINode
// lists are not kept).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace kubemesos::proto::testing {

inline std::string ReadTestdata(const std::string& name) {
  std::ifstream f(std::string(KUBEMESOS_PROTO_TESTDATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(f.good()) << name;
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace kubemesos::proto::testing
