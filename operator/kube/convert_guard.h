// Private to operator/kube: runs a converter body and turns any FieldError (or other exception)
// into a Converted<T> error naming the object, so no exception leaves the public converters.
#pragma once

#include <exception>
#include <string>

#include "operator/kube/fields.h"
#include "operator/kube/objects.h"

namespace kubemesos::kube {

template <typename T, typename Fn>
Converted<T> Guard(const json& object, Fn&& convert) {
  try {
    if (!object.is_object()) {
      return Converted<T>::Err(DescribeObject(object) + ": expected an object");
    }
    return Converted<T>::Ok(convert());
  } catch (const FieldError& e) {
    return Converted<T>::Err(DescribeObject(object) + ": " + e.what());
  } catch (const std::exception& e) {
    return Converted<T>::Err(DescribeObject(object) + ": internal error: " + e.what());
  } catch (...) {
    return Converted<T>::Err(DescribeObject(object) + ": internal error");
  }
}

}  // namespace kubemesos::kube
