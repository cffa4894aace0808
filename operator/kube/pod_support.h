// Private to operator/kube: the PodSpec fields that can change where kube-scheduler places a pod
// and that kubemesos does not enforce (issue #14, "nothing silently ignored"). A pending pod of
// ours that uses one is refused with reason Unsupported, naming the field, never placed as if
// the field were absent. The full table of PodSpec fields (enforced, refused here, or unable to
// affect placement) is in the README's constraint list.
#pragma once

#include "operator/kube/fields.h"

namespace kubemesos::kube {

// Throws UnsupportedError naming the first such field of `spec` (a PodSpec object), in spec
// order; returns when there is none. Reads leniently: values of the wrong type are the other
// converters' business (they run first, so malformed input is reported as such).
void RefuseUnsupported(const json& spec);

}  // namespace kubemesos::kube
