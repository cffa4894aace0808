// Private to operator/kube: runs a converter body and turns any FieldError (or other exception)
// into a Converted<T> error naming the object (an UnsupportedError into an unsupported one), so no
// exception leaves the public converters.
#pragma once

#include <exception>
#include <string>

#include "operator/kube/fields.h"
#include "operator/kube/objects.h"

namespace kubemesos::kube {

// `kind`: what the object is taken to be when it has no `kind` (LIST items have none).
template <typename T, typename Fn>
Converted<T> Guard(const char* kind, const json& object, Fn&& convert) {
  try {
    if (!object.is_object()) {
      return Converted<T>::Err(DescribeObject(object, kind) + ": expected an object");
    }
    return Converted<T>::Ok(convert());
  } catch (const UnsupportedError& e) {
    return Converted<T>::Unsupported(DescribeObject(object, kind) + ": " + e.what());
  } catch (const FieldError& e) {
    return Converted<T>::Err(DescribeObject(object, kind) + ": " + e.what());
  } catch (const std::exception& e) {
    return Converted<T>::Err(DescribeObject(object, kind) + ": internal error: " + e.what());
  } catch (...) {
    return Converted<T>::Err(DescribeObject(object, kind) + ": internal error");
  }
}

}  // namespace kubemesos::kube
