// Tests of the inbound_flood detector(s): placeholder until written.
#include <gtest/gtest.h>

#include "harness.h"

namespace sekisho::detect::dtest {
namespace {}  // placeholder
}  // namespace sekisho::detect::dtest
